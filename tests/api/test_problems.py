"""Every failure is application/problem+json with type, title, status and detail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem


def test_missing_key_is_401_with_a_bearer_challenge(anonymous: TestClient) -> None:
    response = anonymous.get("/v1/events")
    is_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_key_is_401(anonymous: TestClient) -> None:
    is_problem(anonymous.get("/v1/events", headers={"Authorization": "Bearer nope"}), 401)


def test_role_not_allowed_is_403(client_for: Callable[..., TestClient]) -> None:
    analyst = client_for("analyst")
    is_problem(analyst.post("/v1/programs", json={"name": "X"}), 403, "forbidden")


def test_unknown_relationship_is_404(client: TestClient) -> None:
    is_problem(client.get("/v1/relationships/not-a-uuid"), 404, "not-found")
    is_problem(client.get("/v1/relationships/0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f"), 404)


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    is_problem(client.get("/v1/nothing-here"), 404)


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    is_problem(client.delete("/v1/programs"), 405)


def test_domain_rule_broken_is_409_with_the_rule(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    problem = is_problem(client.post("/v1/relationships", json={
        "program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "mentor-1",
        "message": "me"}), 409, "mentor-is-not-mentee")
    assert problem["type"].endswith("mentor-is-not-mentee")


def test_duplicate_mentor_is_409(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    is_problem(client.post("/v1/mentors", json={
        "program_id": program_id, "person_id": "mentor-1", "skills": [], "capacity": 1,
        "monthly_minutes": 60}), 409, "already-exists")


def test_stale_version_is_412(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    is_problem(client.patch(f"/v1/programs/{program_id}", json={"name": "Y"},
                            headers={"If-Match": '"7"'}), 412, "version-mismatch")


def test_validation_error_is_422_naming_each_field(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    problem = is_problem(client.put(f"/v1/relationships/{relationship_id}/expectations", json={
        "meeting_every_days": 0, "session_minutes": 60, "monthly_minutes_cap": 180,
        "topics": [], "channel": "carrier pigeon"}), 422, "validation")
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"body.meeting_every_days", "body.channel", "body.review_every_days"}


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post("/v1/programs", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    is_problem(response, 422)


def test_domain_invalid_value_is_422_with_the_field(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    problem = is_problem(client.put(f"/v1/relationships/{relationship_id}/expectations", json={
        "meeting_every_days": 7, "session_minutes": 120, "monthly_minutes_cap": 60,
        "topics": [], "channel": "video", "review_every_days": 30}), 422, "invalid-value")
    assert problem["errors"][0]["field"] == "body.monthly_minutes_cap"


def test_database_unavailable_is_503_with_retry_after(client: TestClient, runtime: Runtime,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(runtime.service, "program_of", unavailable)
    response = client.get("/v1/programs/0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f")
    is_problem(response, 503, "database-unavailable")
    assert response.headers["retry-after"] == "1"


def test_readyz_is_503_when_the_database_does_not_answer(
    anonymous: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(runtime.sql, "ping", unreachable)
    is_problem(anonymous.get("/readyz"), 503)
