"""Program health figures of the hand-built January program, computed by hand."""

from __future__ import annotations

import pytest

from mentoring.bootstrap import Runtime
from tests.projections.scenario import NOW, Scenario


@pytest.fixture
def health(runtime: Runtime, scenario: Scenario) -> dict:
    return runtime.read_models().program_health(scenario.program, NOW)


def test_counts_relationships_by_status(health: dict) -> None:
    assert health["relationships_by_status"] == {
        "requested": 1, "active": 2, "paused": 0, "declined": 1, "withdrawn": 0,
        "concluded": 1}


def test_cadence_adherence_counts_expected_sessions_only_while_active(health: dict) -> None:
    # R1: Jan 5 -> Jan 31 every 7 days = 26/7; R4: (Jan 7 -> 14) + (Jan 21 -> 28) every 14 = 1.
    expected = 26 / 7 + 1
    assert health["cadence_adherence"] == {
        "sessions_held": 4, "sessions_expected": round(expected, 2),
        "ratio": round(4 / expected, 4)}


def test_time_to_expectations_after_connection(health: dict) -> None:
    # R1: 3 days (Jan 2 -> Jan 5); R4: same day.
    assert health["time_to_expectations_days"] == {"relationships": 2, "average": 1.5,
                                                   "median": 1.5}


def test_feedback_per_relationship_month(health: dict) -> None:
    # Connected days: R1 29, R2 27, R4 21 (until its conclusion) = 77 days = 77/30 months.
    assert health["feedback_per_relationship_month"] == {
        "feedback": 2, "relationship_months": round(77 / 30, 2), "rate": round(2 / (77 / 30), 4)}


def test_goal_completion_rate_is_achieved_over_closed_goals(health: dict) -> None:
    assert health["goal_completion"] == {"goals": 3, "open": 1, "achieved": 1, "abandoned": 1,
                                         "rate": 0.5}


def test_no_show_and_cancellation_rates_over_resolved_sessions(health: dict) -> None:
    # 4 held + 3 missed (2 by a mentee) + 1 cancelled = 8 sessions resolved. Punctuality and
    # preparation need 5 held sessions, acknowledgement 3 pieces of feedback: not yet.
    assert health["sessions"] == {
        "held": 4, "missed": 3, "cancelled": 1, "mentee_no_shows": 2, "minutes_held": 165,
        "no_show_rate": 0.375, "mentee_no_show_rate": 0.25, "cancellation_rate": 0.125,
        "mentee_on_time_rate": None,
        "mentee_on_time_rate_unavailable": "fewer than 5 sessions held so far",
        "mentee_prepared_rate": None,
        "mentee_prepared_rate_unavailable": "fewer than 5 sessions held so far",
        "feedback": 2, "feedback_acknowledged": 1, "feedback_acknowledged_rate": None,
        "feedback_acknowledged_rate_unavailable": "fewer than 3 pieces of feedback so far",
        "concerns_shared": 0}


def test_review_satisfaction_averages_both_sides(health: dict) -> None:
    assert health["review_satisfaction"] == {"reviews": 1, "mentor_average": 4.0,
                                             "mentee_average": 2.0, "average": 3.0}


def test_mentor_utilisation_leaves_out_retired_mentors(health: dict) -> None:
    # m1 (2 of 2 places) and m2 (0 of 1: R4 concluded); m3 retired. 165 of 240 + 120 minutes.
    assert health["mentor_utilisation"] == {
        "mentors": 2, "active_mentees": 2, "capacity": 3, "mentee_ratio": 0.6667,
        "month": "2026-01", "minutes_held": 165, "monthly_minutes": 360,
        "minutes_ratio": round(165 / 360, 4)}


def test_monthly_series_has_one_point_per_month_with_gaps_as_zeros(
    runtime: Runtime, scenario: Scenario, health: dict
) -> None:
    (january,) = health["monthly"]
    # Every status at the month's end (here T, in January): health's own counts then.
    assert january.pop("by_status") == health["relationships_by_status"] == {
        "requested": 1, "active": 2, "paused": 0, "declined": 1, "withdrawn": 0,
        "concluded": 1}
    assert january == {
        "month": "2026-01", "active_relationships": 2, "requested": 5, "declined": 1,
        "withdrawn": 0, "connected": 3, "concluded": 1, "sessions_held": 4,
        "sessions_cancelled": 1, "sessions_missed": 3, "mentee_no_shows": 2,
        "minutes_held": 165, "mentee_on_time": 3, "mentee_prepared": 3, "feedback": 2,
        "feedback_acknowledged": 1, "concerns_shared": 0, "reviews": 1, "goals_defined": 3,
        "goals_achieved": 1, "goals_abandoned": 1, "average_satisfaction": 3.0}
    later = runtime.read_models().program_health(scenario.program,
                                                 NOW.replace(month=3, day=15))
    assert [p["month"] for p in later["monthly"]] == ["2026-01", "2026-02", "2026-03"]
    assert later["monthly"][1]["sessions_held"] == 0
    assert later["monthly"][2]["active_relationships"] == 2
    assert later["mentor_utilisation"]["minutes_held"] == 0
