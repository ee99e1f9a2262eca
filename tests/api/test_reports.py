"""Report routes: lists, audit trail, health, at-risk and mentors, read from the views."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from projections.catalog import READ_MODELS
from tests.api.driver import Driver, is_problem, ok


def project(runtime: Runtime) -> None:
    runtime.runner(READ_MODELS).catch_up_all()


@pytest.fixture
def world(driver: Driver, client: TestClient, runtime: Runtime) -> dict[str, str]:
    """Program A with an active relationship and its goal; program B with a request."""
    program_a, relationship = driver.active_relationship()
    goal = driver.goal(program_a, relationship_id=relationship)
    program_b = driver.program("Other program")
    driver.mentor(program_b, "mentor-b")
    other = driver.relationship(program_b, "mentor-b", "mentee-b")
    project(runtime)
    return {"a": program_a, "b": program_b, "relationship": relationship, "goal": goal,
            "other": other}


def test_list_relationships_filters_and_pages(client: TestClient, world: dict[str, str]) -> None:
    everything = ok(client.get("/v1/relationships"))
    assert [i["id"] for i in everything["items"]] == [world["relationship"], world["other"]]
    first = ok(client.get("/v1/relationships", params={"limit": 1}))
    second = ok(client.get("/v1/relationships",
                           params={"limit": 1, "cursor": first["next_cursor"]}))
    assert [i["id"] for i in first["items"] + second["items"]] == [
        world["relationship"], world["other"]]
    assert second["next_cursor"] is None
    requested = ok(client.get("/v1/relationships", params={"status": "requested"}))
    assert [i["program_id"] for i in requested["items"]] == [world["b"]]
    is_problem(client.get("/v1/relationships", params={"cursor": "bogus"}), 422,
               "invalid-cursor")


def test_list_is_scoped_to_the_keys_programs(
    client_for: Callable[..., TestClient], world: dict[str, str]
) -> None:
    limited = client_for("viewer", [world["b"]])
    assert [i["id"] for i in ok(limited.get("/v1/relationships"))["items"]] == [world["other"]]
    is_problem(limited.get("/v1/relationships", params={"program_id": world["a"]}), 404)


def test_history_lists_the_trail_with_hashes_and_verifies(
    client: TestClient, world: dict[str, str]
) -> None:
    history = ok(client.get(f"/v1/relationships/{world['relationship']}/history"))
    assert [i["type"] for i in history["items"]] == [
        "Requested", "ConnectionEstablished", "ExpectationsSet", "Defined"]
    assert all(len(i["hash"]) == 64 and i["actor"].startswith("api-key:")
               for i in history["items"])
    assert {"version", "type", "occurred_at", "actor", "summary", "hash"} <= set(
        history["items"][0])
    verified = ok(client.get(f"/v1/relationships/{world['relationship']}/history/verify"))
    assert verified["valid"] is True and verified["checked_against_log"] is True
    assert verified["entries"] == verified["log_events"] == 4
    assert verified["relationship_id"] == world["relationship"]


def test_every_kind_of_trail_verifies_against_the_event_store(
    client: TestClient, client_for: Callable[..., TestClient], world: dict[str, str]
) -> None:
    paths = [f"/v1/goals/{world['goal']}/history",
             f"/v1/programs/{world['a']}/history",
             f"/v1/programs/{world['a']}/mentors/mentor-1/history"]
    for path in paths:
        entries = ok(client.get(path))["items"]
        verified = ok(client.get(f"{path}/verify"))
        assert verified["valid"] is True, path
        assert verified["entries"] == verified["log_events"] == len(entries) > 0, path
    mentor = ok(client.get(paths[2]))["items"]
    assert mentor[0]["type"] == "Registered" and mentor[0]["aggregate_type"] == "MentorProfile"
    outsider = client_for("analyst", [world["b"]])
    for path in paths:
        is_problem(outsider.get(f"{path}/verify"), 404)
    is_problem(client.get(f"/v1/programs/{world['a']}/mentors/nobody/history/verify"), 404)


def test_health_and_at_risk_of_a_program(client: TestClient, world: dict[str, str]) -> None:
    health = ok(client.get(f"/v1/programs/{world['a']}/health"))
    assert health["relationships_by_status"]["active"] == 1
    assert health["goal_completion"]["goals"] == 1
    assert health["monthly"]
    later = ok(client.get(f"/v1/programs/{world['a']}/at-risk",
                          params={"as_of": "2099-01-01T00:00:00Z"}))
    (item,) = later["items"]
    # In 2099 the program has long gone quiet: no session, no review, its goal overdue.
    assert [r["code"] for r in item["reasons"]] == [
        "no_session_for_2x_interval", "review_overdue", "goal_overdue"]
    assert all(r["since"] < "2099" for r in item["reasons"])


def test_mentor_directory_and_suggestions(client: TestClient, world: dict[str, str]) -> None:
    mentors = ok(client.get(f"/v1/programs/{world['a']}/mentors"))["items"]
    assert [(m["person_id"], m["capacity_left"]) for m in mentors] == [("mentor-1", 2)]
    suggestions = ok(client.get(f"/v1/goals/{world['goal']}/mentor-suggestions"))
    assert [s["person_id"] for s in suggestions["items"]] == ["mentor-1"]
    assert set(suggestions["items"][0]["explanation"]) == {"skill_fit", "capacity", "hours"}
    is_problem(client.get("/v1/goals/no-such-goal/mentor-suggestions"), 404)


def test_viewer_reads_dashboards_but_not_history(
    client_for: Callable[..., TestClient], world: dict[str, str]
) -> None:
    viewer = client_for("viewer")
    ok(viewer.get(f"/v1/programs/{world['a']}/health"))
    ok(viewer.get(f"/v1/programs/{world['a']}/at-risk"))
    is_problem(viewer.get(f"/v1/relationships/{world['relationship']}/history"), 403)
    analyst = client_for("analyst")
    ok(analyst.get(f"/v1/relationships/{world['relationship']}/history"))


def test_unknown_or_foreign_resources_are_not_found(
    client: TestClient, client_for: Callable[..., TestClient], world: dict[str, str]
) -> None:
    is_problem(client.get("/v1/programs/no-such-program/health"), 404)
    is_problem(client.get("/v1/relationships/no-such-id/history"), 404)
    integration = client_for("integration", [world["b"]])
    is_problem(integration.get(f"/v1/relationships/{world['relationship']}/history"), 404)
    is_problem(integration.get(f"/v1/programs/{world['a']}/at-risk"), 404)


def test_metrics_expose_projection_positions_and_lag(
    client: TestClient, world: dict[str, str]
) -> None:
    text = client.get("/metrics").text
    assert 'mentoring_projection_lag_events{name="audit_trail"} 0.0' in text
    assert 'mentoring_projection_position{name="relationship_summaries"}' in text


def test_at_risk_and_mentor_directory_come_in_pages(
    client: TestClient, world: dict[str, str]
) -> None:
    at_risk = ok(client.get(f"/v1/programs/{world['a']}/at-risk",
                            params={"as_of": "2099-01-01T00:00:00Z", "limit": 1}))
    assert len(at_risk["items"]) == 1 and at_risk["next_cursor"] is None
    mentors = ok(client.get(f"/v1/programs/{world['a']}/mentors", params={"limit": 1}))
    assert len(mentors["items"]) == 1 and mentors["next_cursor"] is None
    is_problem(client.get(f"/v1/programs/{world['a']}/mentors",
                          params={"cursor": "not-a-cursor"}), 422)
    is_problem(client.get(f"/v1/programs/{world['a']}/at-risk",
                          params={"cursor": "not-a-cursor"}), 422)
