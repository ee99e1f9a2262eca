"""Commands run on the event loop (no thread hop), and what they read from the database is
read in a worker thread, never on the loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.routes import goals, mentors, programs, relationships
from infrastructure.loop_bridge import on_loop
from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, ok

COMMAND_METHODS = {"POST", "PUT", "PATCH"}


def test_every_command_endpoint_runs_on_the_loop() -> None:
    routes = [route for module in (programs, mentors, relationships, goals)
              for route in module.router.routes if isinstance(route, APIRoute)]
    commands = [route for route in routes if route.methods & COMMAND_METHODS]
    assert len(commands) >= 30
    assert [route.path for route in commands if not getattr(route.endpoint, "on_loop", False)] \
        == []
    # Reads stay in the thread pool: they query views with blocking drivers.
    assert [route.path for route in routes if route.methods == {"GET"}
            and getattr(route.endpoint, "on_loop", False)] == []


@contextmanager
def recording_reads(runtime: Runtime) -> Iterator[list[dict[str, Any]]]:
    """Records each read of an aggregate from the store: which, and on which thread."""
    reads: list[dict[str, Any]] = []
    fetch = runtime.events._fetch

    def recorded(aggregate_id: UUID) -> Any:
        reads.append({"id": aggregate_id, "on_loop": on_loop(),
                      "thread": threading.current_thread().name})
        return fetch(aggregate_id)

    runtime.events._fetch = recorded  # type: ignore[method-assign]
    try:
        yield reads
    finally:
        del runtime.events._fetch


def test_a_command_on_an_aggregate_missing_from_the_cache_reads_it_off_the_loop(
    runtime: Runtime, client: TestClient, driver: Driver
) -> None:
    _, relationship_id = driver.active_relationship()
    runtime.events.forget(UUID(relationship_id))
    with recording_reads(runtime) as reads:
        answer = ok(client.post(f"/v1/relationships/{relationship_id}/progress",
                                json={"note": "Shipped the first draft"}))
        assert answer["version"] == 4
        assert [(read["id"], read["on_loop"]) for read in reads] == \
            [(UUID(relationship_id), False)]
        # The next command finds it in the cache again: no read at all.
        ok(client.post(f"/v1/relationships/{relationship_id}/progress",
                       json={"note": "And the second"}))
        assert len(reads) == 1
