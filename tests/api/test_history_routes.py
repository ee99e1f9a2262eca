"""Every aggregate's history: goals and programs have audit trails too."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem, ok
from tests.api.test_reports import project


def test_goal_history_lists_its_events_with_actor_and_hash(
    client: TestClient, driver: Driver, runtime: Runtime
) -> None:
    program_id, _ = driver.active_relationship()
    goal_id = driver.goal(program_id)
    ok(client.post(f"/v1/goals/{goal_id}/revisions", json={"title": "Lead two reviews",
                                                            "reason": "Team grew"}))
    project(runtime)
    items = ok(client.get(f"/v1/goals/{goal_id}/history"))["items"]
    assert [item["type"] for item in items] == ["Defined", "Revised"]
    assert all(item["actor"].startswith("api-key:") and item["hash"] for item in items)


def test_program_history_lists_its_events(client: TestClient, driver: Driver,
                                          runtime: Runtime) -> None:
    program_id = driver.program()
    project(runtime)
    items = ok(client.get(f"/v1/programs/{program_id}/history"))["items"]
    assert [item["type"] for item in items] == ["Created"]


def test_history_of_the_wrong_kind_or_another_program_is_404(
    client: TestClient, driver: Driver, runtime: Runtime,
    client_for: Callable[..., TestClient],
) -> None:
    program_id, relationship_id = driver.active_relationship()
    goal_id = driver.goal(program_id)
    project(runtime)
    is_problem(client.get(f"/v1/goals/{relationship_id}/history"), 404)
    is_problem(client.get(f"/v1/programs/{goal_id}/history"), 404)
    outsider = client_for("analyst", [driver.program("Other")])
    is_problem(outsider.get(f"/v1/goals/{goal_id}/history"), 404)
    is_problem(outsider.get(f"/v1/programs/{program_id}/history"), 404)
