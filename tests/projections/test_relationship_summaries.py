"""Relationship summaries: lists by program, status, mentor and mentee, cursor-paginated."""

from __future__ import annotations

import pytest

from mentoring.bootstrap import Runtime
from projections.queries import InvalidCursor
from tests.projections.scenario import Scenario


def mentees(page: dict) -> list[str]:
    return [item["mentee_id"] for item in page["items"]]


def test_lists_in_request_order_with_filters(runtime: Runtime, scenario: Scenario) -> None:
    read = runtime.read_models().relationship_summaries
    assert mentees(read([scenario.program])) == ["e1", "e2", "e3", "e4", "e5"]
    assert mentees(read([scenario.program], status="active")) == ["e1", "e2"]
    assert mentees(read(None, mentor_id="m2")) == ["e3", "e4"]
    assert mentees(read(None, mentee_id="e5")) == ["e5"]
    assert mentees(read(["another-program"])) == []
    assert mentees(read([])) == []


def test_pages_follow_the_cursor_to_the_end(runtime: Runtime, scenario: Scenario) -> None:
    read = runtime.read_models().relationship_summaries
    first = read([scenario.program], limit=2)
    second = read([scenario.program], limit=2, cursor=first["next_cursor"])
    third = read([scenario.program], limit=2, cursor=second["next_cursor"])
    assert [mentees(p) for p in (first, second, third)] == [["e1", "e2"], ["e3", "e4"], ["e5"]]
    assert third["next_cursor"] is None
    with pytest.raises(InvalidCursor):
        read([scenario.program], cursor="not-a-cursor")


def test_summary_holds_expectations_sessions_counts_and_goals(
    runtime: Runtime, scenario: Scenario
) -> None:
    summary = runtime.read_models().relationship_summary(scenario.r[1])
    assert summary is not None
    assert summary["status"] == "active"
    assert summary["connected_at"] == "2026-01-02T10:00:00.000000+00:00"
    assert summary["expectations"]["meeting_every_days"] == 7
    assert summary["last_session_at"] == "2026-01-15T10:00:00.000000+00:00"
    assert summary["next_session_at"] is None
    assert summary["goal_ids"] == [scenario.g[1]]
    assert summary["last_review"]["mentee_satisfaction"] == 2
    assert {k: v for k, v in summary["counts"].items() if v} == {
        "sessions_held": 2, "sessions_missed": 1, "sessions_cancelled": 1,
        "mentee_no_shows": 1, "feedback_received": 1, "feedback_acknowledged": 1, "reviews": 1}
    assert summary["version"] == runtime.service.relationship(scenario.r[1])["version"]
    concluded = runtime.read_models().relationship_summary(scenario.r[4])
    assert concluded is not None
    assert concluded["status"] == "concluded" and "outcome" not in concluded  # sealed text


def test_lists_of_several_programs_merge_in_request_order(
    runtime: Runtime, scenario: Scenario
) -> None:
    read = runtime.read_models().relationship_summaries
    both = [scenario.program, "another-program"]
    assert mentees(read(both)) == ["e1", "e2", "e3", "e4", "e5"]
    first = read(both, limit=3)
    second = read(both, limit=3, cursor=first["next_cursor"])
    assert (mentees(first), mentees(second)) == (["e1", "e2", "e3"], ["e4", "e5"])
    assert mentees(read(both, status="active")) == ["e1", "e2"]
