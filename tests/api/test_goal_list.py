"""Discovery: goals listed by mentee, by relationship, by program and status."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem, ok


def test_a_mentees_and_a_relationships_goals_are_listed_in_order(
    client: TestClient, driver: Driver, runtime: Runtime
) -> None:
    program, relationship = driver.active_relationship()
    linked = driver.goal(program, relationship_id=relationship)
    later = driver.goal(program)
    ok(client.post(f"/v1/goals/{later}/links", json={"relationship_id": relationship}))
    other = driver.goal(program, mentee_id="mentee-2")
    ok(client.post(f"/v1/goals/{linked}/progress", json={"percent": 40, "note": "half way"}))
    ok(client.post(f"/v1/goals/{other}/achieve", json={"note": "done"}))
    position = client.app.state.services.service.last_position()  # type: ignore[attr-defined]
    runtime.start_embedded_projections(poll_interval=0.05)

    mine = ok(client.get("/v1/goals", params={"mentee_id": "mentee-1",
                                              "min_position": position}))["items"]
    assert [g["id"] for g in mine] == [linked, later]
    assert mine[0]["progress"] == 40 and mine[0]["status"] == "open"
    assert mine[0]["relationship_ids"] == [relationship]
    assert "title" not in mine[0]  # personal text is read from the goal itself
    assert mine[0]["external_id"] is None
    of_relationship = ok(client.get("/v1/goals", params={"relationship_id": relationship}))
    assert [g["id"] for g in of_relationship["items"]] == [linked, later]
    achieved = ok(client.get("/v1/goals", params={"program_id": program,
                                                  "status": "achieved"}))["items"]
    assert [g["id"] for g in achieved] == [other]
    first = ok(client.get("/v1/goals", params={"limit": 2}))
    rest = ok(client.get("/v1/goals", params={"limit": 2, "cursor": first["next_cursor"]}))
    assert [g["id"] for g in first["items"] + rest["items"]] == [linked, later, other]
    is_problem(client.get("/v1/goals", params={"status": "lost"}), 422)


def test_goals_outside_the_keys_programs_are_not_listed(
    driver: Driver, runtime: Runtime, client_for: Callable[..., TestClient]
) -> None:
    mine, relationship = driver.active_relationship()
    theirs = driver.program("Theirs")
    driver.goal(mine)
    driver.goal(theirs)
    runtime.runner().catch_up_all()
    viewer = client_for("viewer", [mine])
    assert [g["program_id"] for g in ok(viewer.get("/v1/goals"))["items"]] == [mine]
    is_problem(viewer.get("/v1/goals", params={"program_id": theirs}), 404)
    outsider = client_for("viewer", [theirs])
    is_problem(outsider.get("/v1/goals", params={"relationship_id": relationship}), 404)
    is_problem(outsider.get("/v1/goals", params={"relationship_id": "not-an-id"}), 404)
