"""Reading any aggregate at a version (?version=N) or as of an instant (?as_of=)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.api.driver import Driver, is_problem, ok


def instant() -> str:
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    return moment


def test_relationship_at_a_version_and_as_of_an_instant(client: TestClient,
                                                        driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id)
    relationship_id = driver.relationship(program_id)
    before_accept = instant()
    ok(client.post(f"/v1/relationships/{relationship_id}/accept", json={}))
    url = f"/v1/relationships/{relationship_id}"
    at_one = client.get(url, params={"version": 1})
    assert ok(at_one)["status"] == "requested"
    assert at_one.headers["etag"] == '"1"'
    assert ok(client.get(url, params={"as_of": before_accept}))["status"] == "requested"
    assert ok(client.get(url, params={"as_of": instant()}))["status"] == "active"
    is_problem(client.get(url, params={"version": 3}), 404)
    is_problem(client.get(url, params={"as_of": "2000-01-01T00:00:00Z"}), 404)


def test_as_of_without_a_timezone_is_422(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    problem = is_problem(client.get(f"/v1/programs/{program_id}",
                                    params={"as_of": "2026-01-01T00:00:00"}), 422)
    assert problem["errors"][0]["field"] == "query.as_of"


def test_goal_program_and_mentor_at_a_version(client: TestClient, driver: Driver) -> None:
    program_id = driver.program()
    driver.mentor(program_id, person_id="hr-9")
    goal_id = driver.goal(program_id)
    ok(client.post(f"/v1/goals/{goal_id}/revisions", json={"title": "New", "reason": "why"}))
    ok(client.patch(f"/v1/programs/{program_id}", json={"name": "Renamed"}))
    ok(client.put(f"/v1/programs/{program_id}/mentors/hr-9/capacity", json={"capacity": 9}))
    assert ok(client.get(f"/v1/goals/{goal_id}", params={"version": 1}))["title"] == (
        "Lead a design review")
    assert ok(client.get(f"/v1/programs/{program_id}", params={"version": 1}))["name"] == (
        "Engineering mentoring")
    mentor = ok(client.get(f"/v1/programs/{program_id}/mentors/hr-9", params={"version": 1}))
    assert mentor["capacity"] == 3
    moment = instant()
    ok(client.post(f"/v1/goals/{goal_id}/achieve"))
    assert ok(client.get(f"/v1/goals/{goal_id}", params={"as_of": moment}))["status"] == "open"


def test_as_of_with_an_unencoded_plus_offset_is_understood(client: TestClient,
                                                            driver: Driver) -> None:
    program_id = driver.program()
    response = client.get(f"/v1/programs/{program_id}?as_of=2999-01-01T00:00:00+00:00")
    assert ok(response)["id"] == program_id
