"""A person leaves: withdrawal of requests, conclusions, retirements; once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.driver import Driver, is_problem, ok


def test_a_mentee_may_withdraw_a_pending_request(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    relationship_id = driver.relationship(program_id)
    withdrawn = ok(client.post(f"/v1/relationships/{relationship_id}/withdraw",
                               json={"reason": "Found a mentor in my team"}))
    assert withdrawn["status"] == "withdrawn"
    is_problem(client.post(f"/v1/relationships/{relationship_id}/accept", json={}), 409,
               "status-transition")
    is_problem(client.post(f"/v1/relationships/{relationship_id}/withdraw", json={}), 409)
    driver.relationship(program_id)  # the pair may start again once the request ended


def test_one_open_relationship_per_mentor_and_mentee(client: TestClient,
                                                     driver: Driver) -> None:
    program_id, _ = driver.active_relationship()
    is_problem(client.post("/v1/relationships", json={
        "program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "message": "Again"}), 409, "one-open-relationship-per-pair")


def test_a_departure_ends_everything_the_person_was_part_of_once(
        client: TestClient, driver: Driver, client_for: Callable[..., TestClient]) -> None:
    program_id, as_mentee = driver.active_relationship(mentee_id="leaver")
    driver.mentor(program_id, person_id="leaver")
    pending_to_them = ok(client.post("/v1/relationships", json={
        "program_id": program_id, "mentor_id": "leaver", "mentee_id": "mentee-5",
        "message": "Hello"}), 201)["id"]
    their_request = ok(client.post("/v1/relationships", json={
        "program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "leaver-2",
        "message": "Hello"}), 201)["id"]
    ended = ok(client.post("/v1/people/leaver/departure", json={}))
    assert ended["concluded"] == [as_mentee] and ended["declined"] == [pending_to_them]
    assert len(ended["retired"]) == 1 and ended["withdrawn"] == []
    assert driver.relationship_state(as_mentee)["status"] == "concluded"
    assert driver.relationship_state(their_request)["status"] == "requested"  # not theirs
    mentor = ok(client.get(f"/v1/programs/{program_id}/mentors/leaver"))
    assert mentor["retired"] is True
    again = ok(client.post("/v1/people/leaver/departure", json={}))
    assert again == {"person_id": "leaver", "withdrawn": [], "declined": [], "concluded": [],
                     "retired": []}
    scoped = client_for("integration", [program_id])
    is_problem(scoped.post("/v1/people/leaver/departure", json={}), 403)
