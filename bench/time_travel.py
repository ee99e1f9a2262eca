"""Figure 4: a relationship with N events, read at random versions and instants."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench.harness import Figure, percentile, runtime_on
from domain.relationship import Relationship
from mentoring.bootstrap import Runtime

START = datetime(2020, 1, 1, tzinfo=UTC)


def long_relationship(runtime: Runtime, events: int) -> str:
    """A relationship with ``events`` events, one minute apart, saved in batches."""
    service = runtime.service
    program = service.create_program(name="Bench", description=None, actor="bench", at=START)
    service.register_mentor(program_id=program.id, person_id="m", skills=["python"],
                            capacity=5, monthly_minutes=600, actor="bench", at=START)
    rel = service.request_relationship(program_id=program.id, mentor_id="m", mentee_id="e",
                                       message="Please mentor me", actor="bench", at=START)
    service.accept_relationship(rel.id, actor="bench", at=START)
    at = START
    while True:
        version = service.relationship(rel.id)["version"]
        if version >= events:
            return rel.id
        aggregate: Relationship = runtime.events.repository.get(service_id(rel.id))
        for _ in range(min(500, events - version)):
            at += timedelta(minutes=1)
            aggregate.report_progress(note="Led the review", goal_id=None, actor="bench", at=at)
        runtime.events.save(aggregate)


def service_id(text: str):  # type: ignore[no-untyped-def]
    from uuid import UUID

    return UUID(text)


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    events, queries = int(size["history"]), int(size["queries"])
    rnd = random.Random(3)
    with runtime_on(url) as runtime:
        rel_id = long_relationship(runtime, events)
        service = runtime.service
        by_version, by_instant = [], []
        for _ in range(queries):
            started = time.perf_counter()
            service.relationship(rel_id, version=rnd.randint(1, events))
            by_version.append((time.perf_counter() - started) * 1000)
            instant = START + timedelta(minutes=rnd.uniform(0, events))
            started = time.perf_counter()
            service.relationship(rel_id, as_of=instant)
            by_instant.append((time.perf_counter() - started) * 1000)
    return [
        Figure(name=f"Time travel by version ({events} events)", unit="ms p99",
               value=percentile(by_version, 0.99), target="p99 <= 20 ms",
               met=percentile(by_version, 0.99) <= 20,
               notes=f"p50 {percentile(by_version, 0.5):.2f} ms over {queries} random versions; "
                     "snapshots every 100 events"),
        Figure(name=f"Time travel as of an instant ({events} events)", unit="ms p99",
               value=percentile(by_instant, 0.99), target="p99 <= 20 ms",
               met=percentile(by_instant, 0.99) <= 20,
               notes=f"p50 {percentile(by_instant, 0.5):.2f} ms over {queries} random instants; "
                     "binary search on event times, then the snapshot below"),
    ]
