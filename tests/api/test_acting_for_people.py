"""Attribution: a key may act for a participant (On-Behalf-Of), and the trail says so."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem, ok


def test_a_command_for_a_participant_is_recorded_with_both(client: TestClient, driver: Driver,
                                                           runtime: Runtime) -> None:
    _, relationship_id = driver.active_relationship()
    ok(client.post(f"/v1/relationships/{relationship_id}/gratitude",
                   json={"message": "Thanks"}, headers={"On-Behalf-Of": "mentee:mentee-1"}))
    event = ok(client.get("/v1/events", params={"limit": 1000}))["items"][-1]
    assert event["actor"].startswith("api-key:") and event["on_behalf_of"] == "mentee:mentee-1"
    runtime.runner().catch_up_all()
    trail = ok(client.get(f"/v1/relationships/{relationship_id}/history"))["items"]
    assert trail[-1]["actor"].endswith(" for mentee:mentee-1")
    assert ok(client.get(f"/v1/relationships/{relationship_id}/history/verify"))["valid"]


def test_a_key_may_not_act_for_someone_outside_the_relationship(client: TestClient,
                                                                driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    problem = is_problem(client.post(f"/v1/relationships/{relationship_id}/gratitude",
                                     json={"message": "Thanks"},
                                     headers={"On-Behalf-Of": "mentee:someone-else"}), 403)
    assert problem["rule"] == "acts-for-a-participant"
    ok(client.post(f"/v1/relationships/{relationship_id}/pause", json={},
                   headers={"On-Behalf-Of": "hr_admin:hr-7"}))  # HR acts on anything


def test_a_request_is_made_for_its_mentee_only(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    body = {"program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
            "message": "Hello"}
    is_problem(client.post("/v1/relationships", json=body,
                           headers={"On-Behalf-Of": "mentee:mentee-2"}), 403)
    ok(client.post("/v1/relationships", json=body,
                   headers={"On-Behalf-Of": "mentee:mentee-1"}), 201)


def test_a_malformed_on_behalf_of_is_refused(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    for header in ("boss:x", "mentee:", "mentee: x", "mentee"):
        is_problem(client.post(f"/v1/relationships/{relationship_id}/pause", json={},
                               headers={"On-Behalf-Of": header}), 422)


def test_readers_cannot_act_for_anyone(driver: Driver,
                                       client_for: Callable[..., TestClient]) -> None:
    _, relationship_id = driver.active_relationship()
    for role in ("viewer", "analyst"):
        is_problem(client_for(role).post(f"/v1/relationships/{relationship_id}/pause",
                                         json={}, headers={"On-Behalf-Of": "mentee:mentee-1"}),
                   403)
