"""Read your own writes: a command's position, and reads that wait for the views to reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from mentoring.settings import Settings
from tests.api.driver import Driver, is_problem, ok


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"read_wait_seconds": 0.3})


@pytest.fixture
def projected(runtime: Runtime) -> Iterator[Runtime]:
    """The views set up once, with no worker running: they stay where they are."""
    runtime.runner().setup()
    runtime.runner().catch_up_all()
    yield runtime
    runtime.stop_embedded_projections()


def test_every_command_answers_the_position_of_its_events(
    client: TestClient, driver: Driver, runtime: Runtime
) -> None:
    program = driver.program()
    driver.mentor(program)
    created = client.post("/v1/relationships", json={
        "program_id": program, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "message": "Hello"})
    body = ok(created, 201)
    assert int(created.headers["Mentoring-Position"]) == body["position"]
    accepted = client.post(f"/v1/relationships/{body['id']}/accept", json={})
    assert ok(accepted)["position"] > body["position"]
    assert ok(accepted)["position"] == runtime.service.last_position()


def test_a_read_with_min_position_waits_for_the_views_then_shows_the_write(
    client: TestClient, driver: Driver, projected: Runtime
) -> None:
    program = driver.program()
    driver.mentor(program)
    rel = driver.relationship(program)
    accepted = client.post(f"/v1/relationships/{rel}/accept", json={})
    position = ok(accepted)["position"]
    # No worker runs: without min_position the view answers what it has (stale) ...
    stale = ok(client.get(f"/v1/relationships/{rel}/history"))
    assert stale["items"] == []
    # ... with it, the read waits its bound and says so, with when to retry.
    behind = client.get(f"/v1/relationships/{rel}/history",
                        params={"min_position": position})
    is_problem(behind, 503, "projection-behind")
    assert behind.headers["Retry-After"] == "1"
    projected.start_embedded_projections(poll_interval=0.05)
    history = ok(client.get(f"/v1/relationships/{rel}/history",
                            params={"min_position": position}))
    assert [i["type"] for i in history["items"]] == ["Requested", "ConnectionEstablished"]
    health = ok(client.get(f"/v1/programs/{program}/health",
                           params={"min_position": position}))
    assert health["relationships_by_status"]["active"] == 1


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", str(2**63)])
def test_min_position_must_be_a_position(client: TestClient, value: str) -> None:
    is_problem(client.get("/v1/relationships", params={"min_position": value}), 422)


def test_a_position_no_event_has_yet_is_refused(client: TestClient, driver: Driver,
                                               runtime: Runtime) -> None:
    driver.program()
    past = runtime.service.last_position() + 1000
    is_problem(client.get("/v1/relationships", params={"min_position": past}), 422,
               "invalid-value")
