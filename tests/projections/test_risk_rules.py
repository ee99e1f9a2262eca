"""Each at-risk rule on a relationship built for it: when it starts, what ends it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mentoring.bootstrap import Runtime
from projections.runner import ProjectionRunner

EXPECTATIONS = {"session_minutes": 60, "monthly_minutes_cap": 600, "topics": ["career"],
                "channel": "video"}
MICRO = timedelta(microseconds=1)


def day(month: int, number: int, hour: int = 10) -> datetime:
    return datetime(2026, month, number, hour, tzinfo=UTC)


class Pair:
    """One program, one mentor, one relationship connected on Jan 2."""

    def __init__(self, runtime: Runtime, runner: ProjectionRunner) -> None:
        self.runtime, self.runner, s = runtime, runner, runtime.service
        self.service = s
        self.program = s.create_program(name="Rules", description=None, actor="admin",
                                        at=day(1, 1, 8)).id
        s.register_mentor(program_id=self.program, person_id="m1", skills=["python"],
                          capacity=5, monthly_minutes=600, actor="admin", at=day(1, 1, 9))
        self.id = s.request_relationship(program_id=self.program, mentor_id="m1",
                                         mentee_id="e1", message="Hello", actor="e1",
                                         at=day(1, 1)).id
        s.accept_relationship(self.id, actor="m1", at=day(1, 2))

    def expect(self, at: datetime, every: int = 7, review_every_days: int = 90) -> None:
        self.service.set_expectations(self.id, meeting_every_days=every, actor="m1", at=at,
                                      review_every_days=review_every_days, **EXPECTATIONS)

    def hold(self, at: datetime, *, on_time: bool = True, prepared: bool = True) -> None:
        booked = self.service.schedule_session(
            self.id, scheduled_for=at, duration_minutes=30, agenda=None, actor="m1",
            at=at - timedelta(hours=1)).extra["session_id"]
        self.service.hold_session(self.id, str(booked), held_at=at, duration_minutes=30,
                                  mentee_on_time=on_time, mentee_prepared=prepared,
                                  notes=None, actor="m1", at=at)

    def review(self, at: datetime, mentor: int, mentee: int) -> None:
        self.service.review_relationship(self.id, mentor_satisfaction=mentor,
                                         mentee_satisfaction=mentee, actor="m1", at=at)

    def reasons(self, at: datetime) -> dict[str, dict]:
        self.runner.catch_up_all()
        found = self.runtime.read_models().at_risk(self.program, at)["items"]
        return {r["code"]: r for item in found for r in item["reasons"]}

    def starts_just_after(self, code: str, since: datetime) -> dict:
        """The reason is absent at ``since`` and present a microsecond later, dated ``since``."""
        assert code not in self.reasons(since)
        found = self.reasons(since + MICRO)[code]
        assert datetime.fromisoformat(found["since"]) <= since + MICRO
        return found


@pytest.fixture
def pair(runtime: Runtime, runner: ProjectionRunner) -> Pair:
    return Pair(runtime, runner)


def test_two_low_reviews_in_a_row_are_a_trend_one_is_not(pair: Pair) -> None:
    pair.expect(day(1, 3))
    pair.review(day(1, 10), 4, 2)
    assert "low_review_satisfaction" not in pair.reasons(day(1, 11))
    pair.review(day(1, 20), 2, 3)
    found = pair.reasons(day(1, 20, 11))["low_review_satisfaction"]
    assert found["previous_lower_score"] == 2 and found["mentor_satisfaction"] == 2
    pair.review(day(1, 25), 4, 4)
    assert "low_review_satisfaction" not in pair.reasons(day(1, 26))


def test_a_fall_of_two_points_by_the_lower_side_is_flagged(pair: Pair) -> None:
    pair.expect(day(1, 3))
    pair.review(day(1, 10), 5, 5)
    pair.review(day(1, 20), 5, 3)
    found = pair.reasons(day(1, 21))["falling_satisfaction"]
    assert (found["previous_lower_score"], found["lower_score"]) == (5, 3)
    assert "low_review_satisfaction" not in pair.reasons(day(1, 21))


def test_a_review_is_overdue_once_the_agreed_interval_has_passed(pair: Pair) -> None:
    pair.expect(day(1, 3), every=60, review_every_days=30)
    found = pair.starts_just_after("review_overdue", day(2, 2))
    assert found["review_every_days"] == 30 and found["last_review_at"] is None
    pair.review(day(2, 10), 4, 4)
    assert "review_overdue" not in pair.reasons(day(2, 11))
    pair.starts_just_after("review_overdue", day(3, 12))


def test_a_goal_is_overdue_from_the_day_after_its_target(pair: Pair) -> None:
    goal = pair.service.define_goal(
        program_id=pair.program, mentee_id="e1", relationship_id=pair.id, actor="e1",
        at=day(1, 3), title="Ship it", success_criteria="Shipped", target_date=date(2026, 1, 20)).id
    found = pair.starts_just_after("goal_overdue", datetime(2026, 1, 21, tzinfo=UTC) - MICRO)
    assert found["goals_overdue"] == [goal] and found["earliest_target_date"] == "2026-01-20"
    pair.service.achieve_goal(goal, note=None, actor="e1", at=day(1, 25))
    assert "goal_overdue" not in pair.reasons(day(1, 26))


def test_a_pause_is_long_after_sixty_days_and_ends_with_resumption(pair: Pair) -> None:
    pair.service.pause_relationship(pair.id, reason="Leave", actor="e1", at=day(1, 5))
    found = pair.starts_just_after("long_pause", day(3, 6))
    assert found["days_paused"] == 60.0
    pair.service.resume_relationship(pair.id, actor="e1", at=day(3, 10))
    assert "long_pause" not in pair.reasons(day(3, 11))


def test_a_concern_stays_a_reason_until_a_session_is_held(pair: Pair) -> None:
    pair.expect(day(1, 3))
    pair.service.share_experience(pair.id, kind="concern", text="Workload", actor="e1",
                                  at=day(1, 6))
    assert pair.reasons(day(1, 7))["concern_unaddressed"]["days_since_concern"] == 1.0
    pair.hold(day(1, 8))
    assert "concern_unaddressed" not in pair.reasons(day(1, 9))


def test_three_of_the_last_four_sessions_late_or_unprepared(pair: Pair) -> None:
    pair.expect(day(1, 3))
    pair.hold(day(1, 5), on_time=False)
    pair.hold(day(1, 8), prepared=False)
    pair.hold(day(1, 11))
    assert "often_late_or_unprepared" not in pair.reasons(day(1, 12))
    pair.hold(day(1, 14), on_time=False, prepared=False)
    found = pair.reasons(day(1, 15))["often_late_or_unprepared"]
    assert found == {"code": "often_late_or_unprepared", "since": found["since"],
                     "of_last_sessions": 4, "late_or_unprepared": 3}
    pair.hold(day(1, 17))
    assert "often_late_or_unprepared" not in pair.reasons(day(1, 18))


def test_an_ended_relationship_is_at_risk_of_nothing(pair: Pair) -> None:
    pair.service.pause_relationship(pair.id, reason="Leave", actor="e1", at=day(1, 5))
    assert "long_pause" in pair.reasons(day(3, 10))
    pair.service.conclude_relationship(pair.id, reason="Done", outcome="ok", actor="e1",
                                       at=day(3, 20))
    assert pair.reasons(day(3, 21)) == {}
    assert "long_pause" in pair.reasons(day(3, 19))  # the past is still what it was
