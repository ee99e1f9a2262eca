"""Goals through the HTTP API: define, revise, progress, achieve, abandon, link."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.driver import NEXT_YEAR, Driver, is_problem, ok


def test_define_goal_answers_201_open(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    response = client.post("/v1/goals", json={
        "program_id": program_id, "mentee_id": "mentee-1", "title": "Lead a review",
        "success_criteria": "Two reviews", "target_date": f"{NEXT_YEAR}-09-30",
        "area": "leadership"})
    body = ok(response, 201)
    assert (body["version"], body["status"]) == (1, "open")
    goal = ok(client.get(response.headers["location"]))
    assert goal["target_date"] == f"{NEXT_YEAR}-09-30" and goal["area"] == "leadership"


def test_goal_revisions_change_fields_and_count(client: TestClient, driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    ok(client.post(f"/v1/goals/{goal_id}/revisions",
                   json={"target_date": f"{NEXT_YEAR}-12-15", "reason": "Reorganisation"}))
    goal = ok(client.get(f"/v1/goals/{goal_id}"))
    assert (goal["target_date"], goal["revisions"], goal["title"]) == (
        f"{NEXT_YEAR}-12-15", 1, "Lead a design review")
    is_problem(client.post(f"/v1/goals/{goal_id}/revisions", json={"reason": "nothing"}),
               422, "nothing-to-change")


def test_goal_progress_then_achieved_then_closed(client: TestClient, driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    ok(client.post(f"/v1/goals/{goal_id}/progress", json={"percent": 40, "note": "halfway"}))
    assert ok(client.get(f"/v1/goals/{goal_id}"))["progress"] == 40
    assert ok(client.post(f"/v1/goals/{goal_id}/achieve", json={}))["status"] == "achieved"
    is_problem(client.post(f"/v1/goals/{goal_id}/progress", json={"percent": 50}),
               409, "goal-closed")


def test_goal_progress_over_100_is_422_with_the_field(client: TestClient, driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    problem = is_problem(client.post(f"/v1/goals/{goal_id}/progress", json={"percent": 101}),
                         422)
    assert [e["field"] for e in problem["errors"]] == ["body.percent"]


def test_abandon_goal(client: TestClient, driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    body = ok(client.post(f"/v1/goals/{goal_id}/abandon", json={"reason": "changed teams"}))
    assert body["status"] == "abandoned"


def test_link_goal_to_the_mentees_relationship(client: TestClient, driver: Driver) -> None:
    program_id, relationship_id = driver.active_relationship()
    goal_id = driver.goal(program_id)
    ok(client.post(f"/v1/goals/{goal_id}/links", json={"relationship_id": relationship_id}))
    assert ok(client.get(f"/v1/goals/{goal_id}"))["relationship_ids"] == [relationship_id]
    other = driver.goal(program_id, mentee_id="someone-else")
    is_problem(client.post(f"/v1/goals/{other}/links", json={"relationship_id": relationship_id}),
               404)


def test_define_goal_within_a_relationship(client: TestClient, driver: Driver) -> None:
    program_id, relationship_id = driver.active_relationship()
    goal_id = driver.goal(program_id, relationship_id=relationship_id)
    assert ok(client.get(f"/v1/goals/{goal_id}"))["relationship_ids"] == [relationship_id]
