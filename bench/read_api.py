"""Figure 6: dashboard and list queries over HTTP at N relationships, p95 latency."""

from __future__ import annotations

import time

from bench.bulk import load_relationships
from bench.harness import Figure, percentile, runtime_on
from bench.http import Client, live_server
from projections import versions
from projections.catalog import READ_MODELS

CATCH_UP_BATCH = 10_000
# Half-way through the bulk-loaded history (relationships requested over 2025): answered
# from the views' dated facts, not from today's totals.
MID_HISTORY = "2025-06-15T12:00:00Z"
DEMO_NOW = "2026-06-01T00:00:00+00:00"
DEMO_INSTANTS = ("2025-09-15T12:00:00Z", "2026-01-31T23:00:00Z", "2026-05-31T00:00:00Z")


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    count, queries = int(size["relationships"]), int(size["queries"])
    program_id, events = load_relationships(url, count)
    with runtime_on(url) as runtime:
        runner = runtime.runner(READ_MODELS,
                                  batch_size=CATCH_UP_BATCH)
        runner.setup()
        started = time.perf_counter()
        # Every model at once: each batch of the log read and decoded once for all five.
        runner.catch_up_group([(model, runner.position_of(model)[0]) for model in READ_MODELS])
        runner.catch_up_all()
        versions.analyze(runtime.sql, READ_MODELS)  # planner statistics, as after bulk loads
        catch_up = time.perf_counter() - started
    paths: dict[str, str | tuple[str, ...]] = {
        "program health": f"/v1/programs/{program_id}/health",
        "program health as of mid-history":
            f"/v1/programs/{program_id}/health?as_of={MID_HISTORY}",
        "at-risk list (50)": f"/v1/programs/{program_id}/at-risk?limit=50",
        "at-risk list (50) as of mid-history":
            f"/v1/programs/{program_id}/at-risk?limit=50&as_of={MID_HISTORY}",
        "relationship list (50)": f"/v1/relationships?program_id={program_id}&limit=50",
        "relationship list, active (50)":
            f"/v1/relationships?program_id={program_id}&status=active&limit=50",
        "mentor directory (50)": f"/v1/programs/{program_id}/mentors?limit=50",
    }
    demo_program, demo_events = demo_program_of_default_size(url)
    for instant in DEMO_INSTANTS:
        paths[f"health + at-risk as of {instant[:10]}, demo program of the default size"] = (
            f"/v1/programs/{demo_program}/health?as_of={instant}",
            f"/v1/programs/{demo_program}/at-risk?as_of={instant}")
    figures = []
    with live_server(url) as port:
        client = Client(port)
        for label, path in paths.items():
            requests = path if isinstance(path, tuple) else (path,)
            for each in requests:
                status, body = client.get(each)
                if status != 200:
                    raise RuntimeError(f"GET {each}: {status} {body}")
            samples = []
            for _ in range(queries):
                begun = time.perf_counter()
                for each in requests:
                    client.get(each)
                samples.append((time.perf_counter() - begun) * 1000)
            p95 = percentile(samples, 0.95)
            demo = isinstance(path, tuple)
            figures.append(Figure(
                name=f"Read API: {label}" + ("" if demo else f" at {count:,} relationships"),
                unit="ms p95", value=p95, target="p95 <= 20 ms", met=p95 <= 20,
                notes=f"p50 {percentile(samples, 0.5):.1f} ms over {queries} requests; " + (
                    f"both requests together; `mentoring demo` defaults, {demo_events:,} "
                    "events" if demo else
                    f"{events:,} events projected in {catch_up:.0f} s beforehand")))
    return figures


def demo_program_of_default_size(url: str) -> tuple[str, int]:
    """``mentoring demo`` with its default size (20 mentors, 60 mentees, 12 months), ending
    on 2026-06-01, projected: (program id, events written)."""
    from datetime import datetime

    from mentoring.demo import DemoProgram

    with runtime_on(url) as runtime:
        before = runtime.service.last_position()
        DemoProgram(runtime.service, mentors=20, mentees=60, months=12, seed=7,
                    now=datetime.fromisoformat(DEMO_NOW)).run()
        (_, first), = runtime.service.store.feed(after=before, limit=1)
        runtime.runner(READ_MODELS).catch_up_all()
        return str(first.originator_id), runtime.service.last_position() - before
