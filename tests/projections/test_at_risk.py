"""At-risk reasons are data with their figures, computed as of a given time."""

from __future__ import annotations

from datetime import timedelta

from mentoring.bootstrap import Container
from tests.projections.scenario import NOW, Scenario, jan


def reasons(container: Container, scenario: Scenario, now=NOW) -> dict[str, list[dict]]:
    found = container.read_models.at_risk(scenario.program, now)["items"]
    return {item["mentee_id"]: item["reasons"] for item in found}


def test_flags_each_reason_with_its_figures(container: Container, scenario: Scenario) -> None:
    assert reasons(container, scenario) == {
        "e1": [
            {"code": "no_session_for_2x_interval", "days_without_session": 16.0,
             "meeting_every_days": 7, "last_session_at": "2026-01-15T10:00:00.000000+00:00"},
            {"code": "low_review_satisfaction", "mentor_satisfaction": 4,
             "mentee_satisfaction": 2, "reviewed_at": "2026-01-30T10:00:00.000000+00:00",
             "threshold": 2},
        ],
        "e2": [
            {"code": "no_expectations_14_days_after_connection", "days_since_connection": 27.0,
             "connected_at": "2026-01-04T10:00:00.000000+00:00"},
            {"code": "repeated_no_shows", "no_shows_in_a_row": 2, "by_mentee": 1,
             "by_mentor": 1},
        ],
    }


def test_reasons_depend_on_the_time_asked(container: Container, scenario: Scenario) -> None:
    # Jan 29 09:00: R1's last session was 13.96 days ago and its review is yet to come.
    early = reasons(container, scenario, jan(29, 9))
    assert list(early) == ["e2"]
    assert early["e2"][0]["days_since_connection"] == 24.96


def test_leaves_out_requested_declined_and_concluded_relationships(
    container: Container, scenario: Scenario
) -> None:
    much_later = reasons(container, scenario, NOW + timedelta(days=365))
    assert set(much_later) == {"e1", "e2"}
