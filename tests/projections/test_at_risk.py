"""At-risk reasons are data with their figures, computed as of a given time."""

from __future__ import annotations

from datetime import timedelta

from mentoring.bootstrap import Runtime
from tests.projections.scenario import NOW, Scenario, jan


def reasons(runtime: Runtime, scenario: Scenario, now=NOW) -> dict[str, list[dict]]:
    found = runtime.read_models().at_risk(scenario.program, now)["items"]
    return {item["mentee_id"]: item["reasons"] for item in found}


def test_flags_each_reason_with_its_figures(runtime: Runtime, scenario: Scenario) -> None:
    # R1's one review at 2/5 is a bad day, not a trend: it is not a reason on its own.
    assert reasons(runtime, scenario) == {
        "e1": [
            {"code": "no_session_for_2x_interval", "since": "2026-01-29T10:00:00.000001+00:00",
             "days_without_session": 16.0, "meeting_every_days": 7,
             "last_session_at": "2026-01-15T10:00:00.000000+00:00"},
        ],
        "e2": [
            {"code": "no_expectations_14_days_after_connection",
             "since": "2026-01-18T10:00:00.000001+00:00", "days_since_connection": 27.0,
             "connected_at": "2026-01-04T10:00:00.000000+00:00"},
            {"code": "repeated_no_shows", "since": "2026-01-14T10:00:00.000000+00:00",
             "no_shows_in_a_row": 2, "by_mentee": 1, "by_mentor": 1},
            {"code": "feedback_unacknowledged", "since": "2026-01-24T10:00:00.000001+00:00",
             "pieces": 1, "oldest_given_at": "2026-01-10T10:00:00.000000+00:00"},
        ],
    }


def test_reasons_depend_on_the_time_asked(runtime: Runtime, scenario: Scenario) -> None:
    # Jan 29 09:00: R1's last session was 13.96 days ago and its review is yet to come.
    early = reasons(runtime, scenario, jan(29, 9))
    assert list(early) == ["e2"]
    assert early["e2"][0]["days_since_connection"] == 24.96


def test_leaves_out_declined_and_concluded_relationships_but_not_stale_requests(
    runtime: Runtime, scenario: Scenario
) -> None:
    much_later = reasons(runtime, scenario, NOW + timedelta(days=365))
    assert set(much_later) == {"e1", "e2", "e5"}
    assert [r["code"] for r in much_later["e5"]] == ["request_unanswered"]


def test_most_reasons_first_in_pages_that_follow_the_cursor(
    runtime: Runtime, scenario: Scenario
) -> None:
    much_later = NOW + timedelta(days=365)
    everything = runtime.read_models().at_risk(scenario.program, much_later)
    counts = [len(item["reasons"]) for item in everything["items"]]
    assert counts == sorted(counts, reverse=True) and everything["next_cursor"] is None
    paged, cursor = [], None
    while True:
        page = runtime.read_models().at_risk(scenario.program, much_later, limit=1,
                                             cursor=cursor)
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == everything["items"]


def test_a_reason_starts_just_after_its_threshold(runtime: Runtime, scenario: Scenario) -> None:
    # R2 connected Jan 4 10:00 without expectations: at risk from 14 days later, not before.
    at_threshold = reasons(runtime, scenario, jan(18))
    just_after = reasons(runtime, scenario, jan(18) + timedelta(microseconds=1))
    codes = [[r["code"] for r in found.get("e2", [])] for found in (at_threshold, just_after)]
    assert "no_expectations_14_days_after_connection" not in codes[0]
    assert "no_expectations_14_days_after_connection" in codes[1]
