"""Idempotency-Key: a retried command replays its first response and applies nothing twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.idempotency import IdempotencyMiddleware
from mentoring.bootstrap import build_runtime
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET, NEXT_YEAR, Driver, is_problem, ok


def event_count(client: TestClient) -> int:
    return len(ok(client.get("/v1/events", params={"limit": 1000}))["items"])


def test_retry_with_the_same_key_replays_the_first_response(client: TestClient,
                                                            driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    url = f"/v1/relationships/{relationship_id}/sessions"
    body = {"scheduled_for": f"{NEXT_YEAR}-05-04T09:00:00Z", "duration_minutes": 45}
    first = client.post(url, json=body, headers={"Idempotency-Key": "book-1"})
    events = event_count(client)
    second = client.post(url, json=body, headers={"Idempotency-Key": "book-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert event_count(client) == events
    assert len(driver.relationship_state(relationship_id)["scheduled_sessions"]) == 1


def test_created_resource_is_created_once(client: TestClient, driver: Driver) -> None:
    headers = {"Idempotency-Key": "create-program-7"}
    first = client.post("/v1/programs", json={"name": "Once"}, headers=headers)
    second = client.post("/v1/programs", json={"name": "Once"}, headers=headers)
    assert ok(first, 201)["id"] == ok(second, 201)["id"]
    assert second.headers["location"] == first.headers["location"]
    assert event_count(client) == 1


def test_same_key_with_another_body_is_422(client: TestClient, driver: Driver) -> None:
    headers = {"Idempotency-Key": "k-1"}
    ok(client.post("/v1/programs", json={"name": "First"}, headers=headers), 201)
    is_problem(client.post("/v1/programs", json={"name": "Second"}, headers=headers),
               422, "idempotency-key-reused")
    assert event_count(client) == 1


def test_refused_command_is_replayed_as_refused(client: TestClient, driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    ok(client.post(f"/v1/goals/{goal_id}/achieve"))
    headers = {"Idempotency-Key": "late-progress"}
    first = client.post(f"/v1/goals/{goal_id}/progress", json={"percent": 5}, headers=headers)
    second = client.post(f"/v1/goals/{goal_id}/progress", json={"percent": 5}, headers=headers)
    is_problem(first, 409, "goal-closed")
    is_problem(second, 409, "goal-closed")
    assert second.headers["idempotent-replayed"] == "true"


def test_keys_belong_to_one_principal(client: TestClient,
                                      client_for: Callable[..., TestClient]) -> None:
    other = client_for("integration")
    headers = {"Idempotency-Key": "shared-name"}
    mine = ok(client.post("/v1/programs", json={"name": "A"}, headers=headers), 201)
    theirs = ok(other.post("/v1/programs", json={"name": "A"}, headers=headers), 201)
    assert mine["id"] != theirs["id"]


def test_keys_survive_a_restart(settings: Settings, database_url: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}", "Idempotency-Key": "restart-1"}
    first_runtime = build_runtime(settings)
    with TestClient(first_runtime.api()) as first_client:
        first = ok(first_client.post("/v1/programs", json={"name": "Durable"}, headers=headers),
                   201)
    first_runtime.close()
    second_runtime = build_runtime(settings)
    try:
        with TestClient(second_runtime.api()) as second_client:
            replay = second_client.post("/v1/programs", json={"name": "Durable"},
                                        headers=headers)
            assert ok(replay, 201) == first
            assert replay.headers["idempotent-replayed"] == "true"
            assert event_count_with(second_client, headers) == 1
    finally:
        second_runtime.close()


def event_count_with(client: TestClient, headers: dict[str, str]) -> int:
    auth = {"Authorization": headers["Authorization"]}
    return len(ok(client.get("/v1/events", headers=auth))["items"])


def test_unauthenticated_request_with_a_key_is_401_and_not_remembered(
    anonymous: TestClient, client: TestClient
) -> None:
    headers = {"Idempotency-Key": "anon"}
    is_problem(anonymous.post("/v1/programs", json={"name": "X"}, headers=headers), 401)
    ok(client.post("/v1/programs", json={"name": "X"}, headers=headers), 201)


def test_overlong_key_is_422(client: TestClient) -> None:
    is_problem(client.post("/v1/programs", json={"name": "X"},
                           headers={"Idempotency-Key": "k" * 201}), 422)


def test_database_unavailable_while_claiming_is_503(client: TestClient, app: FastAPI,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: object) -> None:
        raise OperationalError("connection refused")

    middleware = app.middleware_stack
    while not isinstance(middleware, IdempotencyMiddleware):
        middleware = middleware.app  # type: ignore[union-attr]
    monkeypatch.setattr(middleware.store, "claim", unavailable)
    is_problem(client.post("/v1/programs", json={"name": "X"},
                           headers={"Idempotency-Key": "db-down"}), 503, "database-unavailable")
