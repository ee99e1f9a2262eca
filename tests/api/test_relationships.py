"""A relationship's whole life through the HTTP API, one capability per test."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.api.driver import EXPECTATIONS, NEXT_YEAR, Driver, is_problem, moment, ok


def test_create_program_answers_201_with_id_version_location_and_etag(client: TestClient) -> None:
    response = client.post("/v1/programs", json={"name": "Engineering", "description": "2026"})
    body = ok(response, 201)
    assert body["version"] == 1
    assert response.headers["location"] == f"/v1/programs/{body['id']}"
    assert response.headers["etag"] == '"1"'
    program = ok(client.get(response.headers["location"]))
    assert program["name"] == "Engineering" and program["description"] == "2026"


def test_register_mentor_then_read_profile(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    response = client.post("/v1/mentors", json={
        "program_id": program_id, "person_id": "hr-1042", "skills": ["Python", "leadership"],
        "capacity": 2, "monthly_minutes": 240})
    ok(response, 201)
    mentor = ok(client.get(response.headers["location"]))
    assert mentor["person_id"] == "hr-1042"
    assert mentor["skills"] == ["leadership", "python"]
    assert mentor["capacity_left"] == 2


def test_request_relationship_is_requested(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    response = client.post("/v1/relationships", json={
        "program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "message": "I admire your reviews"})
    body = ok(response, 201)
    assert body["status"] == "requested" and body["version"] == 1
    relationship = ok(client.get(response.headers["location"]))
    assert {k: relationship[k] for k in ("program_id", "mentor_id", "mentee_id", "status")} == {
        "program_id": program_id, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "status": "requested"}
    assert relationship["expectations"] is None


def test_accept_establishes_the_connection(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    relationship_id = driver.relationship(program_id)
    response = client.post(f"/v1/relationships/{relationship_id}/accept", json={})
    answered = ok(response)
    assert answered == {"id": relationship_id, "version": 2, "status": "active",
                        "position": int(response.headers["mentoring-position"])}
    assert response.headers["etag"] == '"2"'
    assert driver.relationship_state(relationship_id)["connected_at"] is not None


def test_set_expectations_then_read_them_back(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    relationship = driver.relationship_state(relationship_id)
    assert relationship["expectations"] == EXPECTATIONS
    renegotiated = {**EXPECTATIONS, "meeting_every_days": 7}
    ok(client.put(f"/v1/relationships/{relationship_id}/expectations", json=renegotiated))
    assert driver.relationship_state(relationship_id)["expectations"]["meeting_every_days"] == 7


def test_session_scheduled_then_held(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    when = moment(5)
    scheduled = client.post(f"/v1/relationships/{relationship_id}/sessions", json={
        "scheduled_for": when, "duration_minutes": 60, "agenda": "reviews"})
    session_id = ok(scheduled, 201)["session_id"]
    next_session = driver.relationship_state(relationship_id)["next_session_at"]
    assert datetime.fromisoformat(next_session) == datetime.fromisoformat(when)
    held = client.post(f"/v1/relationships/{relationship_id}/sessions/{session_id}/held", json={
        "held_at": when, "duration_minutes": 55, "mentee_on_time": True,
        "mentee_prepared": False})
    assert ok(held)["status"] == "active"
    relationship = driver.relationship_state(relationship_id)
    assert relationship["counts"]["sessions_held"] == 1
    assert relationship["minutes_by_month"] == {when[:7]: 55}


def test_session_past_the_monthly_cap_is_refused_with_the_rule(
    client: TestClient, driver: Driver
) -> None:
    _, relationship_id = driver.active_relationship()
    for day in ("02", "09", "16"):
        ok(client.post(f"/v1/relationships/{relationship_id}/sessions", json={
            "scheduled_for": f"{NEXT_YEAR}-03-{day}T15:00:00Z", "duration_minutes": 60}), 201)
    refused = client.post(f"/v1/relationships/{relationship_id}/sessions", json={
        "scheduled_for": f"{NEXT_YEAR}-03-23T15:00:00Z", "duration_minutes": 60})
    is_problem(refused, 409, "monthly-time-cap")


def test_sessions_cancelled_and_missed_are_counted(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    sessions = [ok(client.post(f"/v1/relationships/{relationship_id}/sessions", json={
        "scheduled_for": f"{NEXT_YEAR}-04-0{day}T10:00:00Z", "duration_minutes": 30}),
        201)["session_id"]
        for day in (1, 2)]
    ok(client.post(f"/v1/relationships/{relationship_id}/sessions/{sessions[0]}/cancel",
                   json={"cancelled_by": "mentor", "reason": "travel"}))
    ok(client.post(f"/v1/relationships/{relationship_id}/sessions/{sessions[1]}/missed",
                   json={"missed_by": "mentee"}))
    counts = driver.relationship_state(relationship_id)["counts"]
    assert counts["sessions_cancelled"] == 1 and counts["mentee_no_shows"] == 1
    is_problem(client.post(f"/v1/relationships/{relationship_id}/sessions/{sessions[1]}/held",
                           json={"held_at": moment(), "duration_minutes": 30,
                                 "mentee_on_time": True, "mentee_prepared": True}),
               409, "session-scheduled-first")


def test_feedback_received_then_acknowledged(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    body = ok(client.post(f"/v1/relationships/{relationship_id}/feedback", json={
        "from_role": "mentor", "kind": "constructive", "text": "Lead with the decision."}))
    feedback_id = body["feedback_id"]
    pending = driver.relationship_state(relationship_id)["unacknowledged_feedback"]
    assert [f["feedback_id"] for f in pending] == [feedback_id]
    ok(client.post(f"/v1/relationships/{relationship_id}/feedback/{feedback_id}/acknowledge"))
    relationship = driver.relationship_state(relationship_id)
    assert relationship["unacknowledged_feedback"] == []
    assert relationship["counts"]["feedback_acknowledged"] == 1


def test_trust_building_commands_are_recorded(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    base = f"/v1/relationships/{relationship_id}"
    ok(client.post(f"{base}/experiences", json={"kind": "challenge", "text": "Ran over time"}))
    ok(client.post(f"{base}/advice", json={"advice": "Time-box", "outcome": "On time"}))
    ok(client.post(f"{base}/progress", json={"note": "First review done"}))
    ok(client.post(f"{base}/gratitude", json={"message": "Thank you!"}))
    ok(client.post(f"{base}/reviews", json={"mentor_satisfaction": 4, "mentee_satisfaction": 5}))
    relationship = driver.relationship_state(relationship_id)
    assert {k: relationship["counts"][k] for k in (
        "experiences_shared", "advice_applied", "progress_reports", "gratitude_expressed",
        "reviews")} == dict.fromkeys(("experiences_shared", "advice_applied",
                                      "progress_reports", "gratitude_expressed", "reviews"), 1)
    assert relationship["last_review"]["mentee_satisfaction"] == 5


def test_pause_and_resume(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    assert ok(client.post(f"/v1/relationships/{relationship_id}/pause",
                          json={"reason": "leave"}))["status"] == "paused"
    is_problem(client.post(f"/v1/relationships/{relationship_id}/pause", json={}),
               409, "status-transition")
    assert ok(client.post(f"/v1/relationships/{relationship_id}/resume"))["status"] == "active"


def test_decline_a_request(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    relationship_id = driver.relationship(program_id)
    body = ok(client.post(f"/v1/relationships/{relationship_id}/decline",
                          json={"reason": "No time"}))
    assert body["status"] == "declined"
    is_problem(client.post(f"/v1/relationships/{relationship_id}/feedback", json={
        "from_role": "mentor", "kind": "praise", "text": "Great"}), 409,
        "connection-established-first")


def test_conclude_makes_the_relationship_read_only(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    body = ok(client.post(f"/v1/relationships/{relationship_id}/conclude",
                          json={"reason": "Goals reached", "outcome": "successful"}))
    assert body["status"] == "concluded"
    is_problem(client.post(f"/v1/relationships/{relationship_id}/gratitude",
                           json={"message": "Thanks"}), 409, "concluded-is-read-only")
    assert driver.relationship_state(relationship_id)["conclusion"] == {
        "reason": "Goals reached", "outcome": "successful"}


def test_accept_past_mentor_capacity_is_refused(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id, capacity=1)
    driver.active_relationship(program_id, mentee_id="mentee-1")
    second = driver.relationship(program_id, mentee_id="mentee-2")
    is_problem(client.post(f"/v1/relationships/{second}/accept", json={}), 409, "mentor-capacity")


def test_mentor_commands_update_capacity_and_retire(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id, person_id="hr-7")
    base = f"/v1/programs/{program_id}/mentors/hr-7"
    ok(client.patch(base, json={"skills": ["go"], "bio": "Backend lead"}))
    ok(client.put(f"{base}/capacity", json={"capacity": 5}))
    ok(client.post(f"{base}/retire", json={"reason": "moving on"}))
    mentor = ok(client.get(base))
    assert (mentor["skills"], mentor["capacity"], mentor["retired"]) == (["go"], 5, True)
    assert mentor["version"] == 4


def test_program_update_and_close(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    ok(client.patch(f"/v1/programs/{program_id}", json={"name": "Renamed"}))
    ok(client.post(f"/v1/programs/{program_id}/close", json={"reason": "done"}))
    program = ok(client.get(f"/v1/programs/{program_id}"))
    assert (program["name"], program["closed"], program["version"]) == ("Renamed", True, 3)
    is_problem(client.post("/v1/mentors", json={
        "program_id": program_id, "person_id": "late", "skills": [], "capacity": 1,
        "monthly_minutes": 60}), 409, "program-open")


def test_mentor_location_quotes_the_person_id(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    response = client.post("/v1/mentors", json={
        "program_id": program_id, "person_id": "hr:7@eu", "skills": [], "capacity": 1,
        "monthly_minutes": 60})
    assert response.headers["location"] == f"/v1/programs/{program_id}/mentors/hr%3A7%40eu"
    assert ok(client.get(response.headers["location"]))["person_id"] == "hr:7@eu"
    for outside_the_grammar in ("hr/7", "hr 7", " hr7", ".", ".."):
        is_problem(client.post("/v1/mentors", json={
            "program_id": program_id, "person_id": outside_the_grammar, "skills": [],
            "capacity": 1, "monthly_minutes": 60}), 422)
