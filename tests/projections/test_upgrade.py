"""After an upgrade that changes a view's tables or handlers, the workers rebuild it before
following it, and readers are told it is being rebuilt instead of reading the wrong shape."""

from __future__ import annotations

import threading

import pytest

from mentoring.bootstrap import Runtime
from projections import tracking
from projections.catalog import BY_NAME, READ_MODELS
from projections.queries import ProjectionNotReady
from projections.runner import ProjectionRunner
from tests.projections.scenario import NOW, Scenario


def written_by_older_code(runtime: Runtime, name: str) -> None:
    """Makes the live version of ``name`` look written by another release."""
    with runtime.sql.transaction() as cursor:
        cursor.execute("UPDATE projection_fingerprints SET fingerprint = %s WHERE name = %s",
                       ("0ld", name))


def live_version(runtime: Runtime, name: str) -> int | None:
    with runtime.sql.transaction(write=False) as cursor:
        return tracking.active_version(cursor, name)


def test_a_fresh_database_is_current(runtime: Runtime, runner: ProjectionRunner) -> None:
    assert runner.upgrade() == []
    assert all(row["current"] for row in runner.status())


def test_an_outdated_view_is_refused_to_readers_then_rebuilt_by_the_next_worker(
    runtime: Runtime, runner: ProjectionRunner, scenario: Scenario
) -> None:
    before = runtime.read_models().program_health(scenario.program, NOW)
    written_by_older_code(runtime, "program_health")

    with pytest.raises(ProjectionNotReady, match="being rebuilt"):
        runtime.read_models().program_health(scenario.program, NOW)
    assert runtime.read_models().relationship_summaries(limit=1)["items"]  # others still read
    (stale,) = [r for r in runner.status() if r["name"] == "program_health"]
    assert stale["current"] is False

    worker = runtime.runner(READ_MODELS)
    worker.catch_up_all()  # its first pass upgrades

    assert live_version(runtime, "program_health") == 2
    assert live_version(runtime, "audit_trail") == 1  # untouched
    assert runtime.read_models().program_health(scenario.program, NOW) == before
    assert all(row["current"] for row in worker.status())


def test_a_database_from_before_fingerprints_is_rebuilt_once(
    runtime: Runtime, runner: ProjectionRunner, scenario: Scenario
) -> None:
    with runtime.sql.transaction() as cursor:
        cursor.execute("DELETE FROM projection_fingerprints")

    assert sorted(runtime.runner(READ_MODELS).upgrade()) == sorted(BY_NAME)
    assert runtime.runner(READ_MODELS).upgrade() == []


def test_two_workers_starting_together_rebuild_once(
    runtime: Runtime, runner: ProjectionRunner, scenario: Scenario
) -> None:
    written_by_older_code(runtime, "at_risk")
    results: list[list[str]] = []
    start = threading.Barrier(2)

    def start_worker() -> None:
        worker = runtime.runner(READ_MODELS)
        start.wait()
        results.append(worker.upgrade())

    threads = [threading.Thread(target=start_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [[], ["at_risk"]]
    assert live_version(runtime, "at_risk") == 2
