"""Each relationship invariant refuses the command with its named error, recording nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from domain.errors import (
    DomainError,
    InvalidTransition,
    InvalidValue,
    MentorIsMentee,
    MonthlyTimeCapExceeded,
    NotConnected,
    RelationshipConcluded,
    UnknownFeedback,
    UnknownSession,
)
from domain.relationship import Relationship
from tests.domain.builders import (
    MENTEE,
    MENTOR,
    PROGRAM_ID,
    at,
    concluded,
    connected,
    hold,
    paused,
    requested,
    schedule,
    with_expectations,
)

Command = Callable[[Relationship], Any]


def refused(rel: Relationship, command: Command, error: type[DomainError]) -> DomainError:
    """Runs ``command``, expects ``error``, and checks the aggregate did not change."""
    before = rel.to_dict()
    with pytest.raises(error) as raised:
        command(rel)
    assert rel.pending_events == []
    assert rel.to_dict() == before
    return raised.value


def _expectations(rel: Relationship, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "meeting_every_days": 14, "session_minutes": 60, "monthly_minutes_cap": 120,
        "topics": ["visibility"], "channel": "video", "review_every_days": 90,
        "actor": MENTEE, "at": at(days=10),
    }
    rel.set_expectations(**(fields | overrides))


def _schedule(rel: Relationship, **overrides: Any) -> str:
    fields: dict[str, Any] = {"scheduled_for": at(days=12), "duration_minutes": 60,
                              "agenda": None, "actor": MENTOR, "at": at(days=10)}
    return rel.schedule_session(**(fields | overrides))


def _hold(rel: Relationship, session_id: str, **overrides: Any) -> None:
    fields: dict[str, Any] = {"session_id": session_id, "held_at": at(days=12),
                              "duration_minutes": 60, "mentee_on_time": True,
                              "mentee_prepared": True, "notes": None, "actor": MENTOR,
                              "at": at(days=12)}
    rel.hold_session(**(fields | overrides))


def _feedback(rel: Relationship, **overrides: Any) -> str:
    fields: dict[str, Any] = {"from_role": "mentor", "kind": "praise", "text": "Well done",
                              "goal_id": None, "actor": MENTOR, "at": at(days=10)}
    return rel.receive_feedback(**(fields | overrides))


# Every command, with valid arguments, as a function of the relationship.
EVERY_COMMAND: dict[str, Command] = {
    "accept": lambda r: r.accept(actor=MENTOR),
    "decline": lambda r: r.decline(reason="Busy", actor=MENTOR),
    "set_expectations": _expectations,
    "schedule_session": _schedule,
    "hold_session": lambda r: _hold(r, "session-1"),
    "cancel_session": lambda r: r.cancel_session(session_id="session-1", cancelled_by="mentor",
                                                 reason=None, actor=MENTOR),
    "miss_session": lambda r: r.miss_session(session_id="session-1", missed_by="mentee",
                                             actor=MENTOR),
    "receive_feedback": _feedback,
    "acknowledge_feedback": lambda r: r.acknowledge_feedback(feedback_id="feedback-1",
                                                             actor=MENTEE),
    "share_experience": lambda r: r.share_experience(kind="success", text="Shipped",
                                                     actor=MENTEE),
    "apply_advice": lambda r: r.apply_advice(advice="Delegate", outcome=None, actor=MENTEE),
    "report_progress": lambda r: r.report_progress(note="Halfway", goal_id=None, actor=MENTEE),
    "express_gratitude": lambda r: r.express_gratitude(message="Thanks", actor=MENTEE),
    "review": lambda r: r.review(mentor_satisfaction=4, mentee_satisfaction=4, notes=None,
                                 actor=MENTEE),
    "pause": lambda r: r.pause(reason=None, actor=MENTEE),
    "resume": lambda r: r.resume(actor=MENTEE),
    "conclude": lambda r: r.conclude(reason="Again", outcome="goals met", actor=MENTEE),
}


# ---- mentor != mentee -------------------------------------------------------

def test_a_person_cannot_request_to_be_their_own_mentor() -> None:
    with pytest.raises(MentorIsMentee) as raised:
        Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTEE, mentee_id=MENTEE,
                             message="Hi", actor=MENTEE)
    assert raised.value.rule == "mentor-is-not-mentee"


# ---- nothing before the connection -----------------------------------------

BEFORE_CONNECTION = [
    "set_expectations", "schedule_session", "hold_session", "miss_session", "receive_feedback",
    "acknowledge_feedback", "share_experience", "apply_advice", "report_progress",
    "express_gratitude", "review", "conclude",
]


@pytest.mark.parametrize("command", BEFORE_CONNECTION)
def test_a_requested_relationship_refuses_work_before_the_connection(command: str) -> None:
    error = refused(requested(), EVERY_COMMAND[command], NotConnected)
    assert error.rule == "connection-established-first"


@pytest.mark.parametrize("command", BEFORE_CONNECTION)
def test_a_declined_relationship_refuses_work_as_it_was_never_connected(command: str) -> None:
    rel = requested()
    rel.decline(reason="Busy", actor=MENTOR, at=at(days=1))
    rel.collect_events()
    refused(rel, EVERY_COMMAND[command], NotConnected)


def test_cancelling_a_session_before_the_connection_finds_no_session() -> None:
    refused(requested(), EVERY_COMMAND["cancel_session"], UnknownSession)


# ---- a concluded relationship is read-only ---------------------------------

@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_a_concluded_relationship_refuses_every_command(command: str) -> None:
    error = refused(concluded(), EVERY_COMMAND[command], RelationshipConcluded)
    assert error.rule == "concluded-is-read-only"


def test_a_concluded_relationship_refuses_work_on_a_session_booked_before() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.conclude(reason="Done", outcome="goals met", actor=MENTEE, at=at(days=4))
    rel.collect_events()
    refused(rel, lambda r: _hold(r, session_id), RelationshipConcluded)
    refused(rel, lambda r: r.cancel_session(session_id=session_id, cancelled_by="mentor",
                                            reason=None, actor=MENTOR), RelationshipConcluded)


# ---- status transitions ------------------------------------------------------

def test_accepting_twice_is_refused() -> None:
    error = refused(connected(), EVERY_COMMAND["accept"], InvalidTransition)
    assert error.rule == "status-transition"


def test_declining_an_active_relationship_is_refused() -> None:
    refused(connected(), EVERY_COMMAND["decline"], InvalidTransition)


def test_accepting_a_declined_request_is_refused() -> None:
    rel = requested()
    rel.decline(reason="Busy", actor=MENTOR, at=at(days=1))
    rel.collect_events()
    refused(rel, EVERY_COMMAND["accept"], InvalidTransition)


def test_pausing_a_paused_relationship_is_refused() -> None:
    refused(paused(), EVERY_COMMAND["pause"], InvalidTransition)


def test_pausing_a_request_is_refused() -> None:
    refused(requested(), EVERY_COMMAND["pause"], InvalidTransition)


def test_resuming_an_active_relationship_is_refused() -> None:
    refused(connected(), EVERY_COMMAND["resume"], InvalidTransition)


def test_scheduling_a_session_while_paused_is_refused() -> None:
    refused(paused(), EVERY_COMMAND["schedule_session"], InvalidTransition)


def test_holding_a_session_while_paused_is_refused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.pause(reason=None, actor=MENTEE, at=at(days=4))
    rel.collect_events()
    refused(rel, lambda r: _hold(r, session_id), InvalidTransition)


def test_a_missed_session_can_be_recorded_while_paused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.pause(reason=None, actor=MENTEE, at=at(days=4))
    rel.collect_events()
    rel.miss_session(session_id=session_id, missed_by="mentor", actor=MENTEE, at=at(days=5))
    assert [type(e) for e in rel.collect_events()] == [Relationship.SessionMissed]


# ---- monthly time cap ------------------------------------------------------

def test_scheduling_a_session_past_the_monthly_cap_is_refused() -> None:
    rel = with_expectations(cap=120)
    schedule(rel, minutes=60, on=at(days=5))
    schedule(rel, minutes=60, on=at(days=6))
    error = refused(rel, lambda r: _schedule(r, scheduled_for=at(days=7), duration_minutes=5,
                                             at=at(days=4)),
                    MonthlyTimeCapExceeded)
    assert error.rule == "monthly-time-cap"


def test_scheduling_up_to_exactly_the_monthly_cap_is_allowed() -> None:
    rel = with_expectations(cap=120)
    schedule(rel, minutes=60, on=at(days=5))
    schedule(rel, minutes=60, on=at(days=6))
    assert len(rel.scheduled_sessions) == 2


def test_scheduling_in_another_month_is_not_counted_against_this_one() -> None:
    rel = with_expectations(cap=120)
    schedule(rel, minutes=120, on=at(days=5))
    schedule(rel, minutes=120, on=at(days=35))
    assert len(rel.scheduled_sessions) == 2


def test_holding_a_session_past_the_monthly_cap_is_refused() -> None:
    rel = with_expectations(cap=120)
    first = schedule(rel, minutes=60, on=at(days=5))
    hold(rel, first, minutes=90, on=at(days=5))
    second = schedule(rel, minutes=30, on=at(days=6))
    error = refused(rel, lambda r: _hold(r, second, held_at=at(days=6), duration_minutes=31),
                    MonthlyTimeCapExceeded)
    assert "120" in error.detail


def test_a_session_held_longer_than_booked_can_still_not_pass_the_cap() -> None:
    rel = with_expectations(cap=120)
    session_id = schedule(rel, minutes=60)
    refused(rel, lambda r: _hold(r, session_id, held_at=at(days=5), duration_minutes=121),
            MonthlyTimeCapExceeded)


def test_without_expectations_there_is_no_monthly_cap_yet() -> None:
    rel = connected()
    first = _schedule(rel, duration_minutes=480)
    second = _schedule(rel, duration_minutes=480)
    rel.collect_events()
    _hold(rel, first, duration_minutes=480)
    _hold(rel, second, duration_minutes=480)
    assert rel.minutes_by_month == {"2026-03": 960}


# ---- unknown sessions and feedback ------------------------------------------

@pytest.mark.parametrize("command", ["hold_session", "cancel_session", "miss_session"])
def test_working_on_an_unknown_session_is_refused(command: str) -> None:
    error = refused(with_expectations(), EVERY_COMMAND[command], UnknownSession)
    assert error.rule == "session-scheduled-first"


def test_holding_a_session_twice_is_refused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    hold(rel, session_id, minutes=30)
    refused(rel, lambda r: _hold(r, session_id, duration_minutes=30), UnknownSession)


def test_cancelling_a_held_session_is_refused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    hold(rel, session_id)
    refused(rel, lambda r: r.cancel_session(session_id=session_id, cancelled_by="mentor",
                                            reason=None, actor=MENTOR), UnknownSession)


def test_acknowledging_unknown_feedback_is_refused() -> None:
    error = refused(connected(), EVERY_COMMAND["acknowledge_feedback"], UnknownFeedback)
    assert error.rule == "feedback-received-first"


def test_acknowledging_feedback_twice_is_refused() -> None:
    rel = connected()
    feedback_id = _feedback(rel)
    rel.acknowledge_feedback(feedback_id=feedback_id, actor=MENTEE)
    rel.collect_events()
    refused(rel, lambda r: r.acknowledge_feedback(feedback_id=feedback_id, actor=MENTEE),
            UnknownFeedback)


# ---- invalid values ----------------------------------------------------------

NAIVE = datetime(2026, 3, 10, 9, 0)

INVALID_VALUES: list[tuple[str, Command]] = [
    ("message", lambda _: Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTOR,
                                               mentee_id=MENTEE, message="  ", actor=MENTEE)),
    ("mentor_id", lambda _: Relationship.request(program_id=PROGRAM_ID, mentor_id="",
                                                 mentee_id=MENTEE, message="Hi", actor=MENTEE)),
    ("message", lambda _: Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTOR,
                                               mentee_id=MENTEE, message="x" * 5001,
                                               actor=MENTEE)),
    ("meeting_every_days", lambda r: _expectations(r, meeting_every_days=0)),
    ("session_minutes", lambda r: _expectations(r, session_minutes=481)),
    ("monthly_minutes_cap", lambda r: _expectations(r, session_minutes=60,
                                                    monthly_minutes_cap=59)),
    ("review_every_days", lambda r: _expectations(r, review_every_days=366)),
    ("topics", lambda r: _expectations(r, topics="visibility")),
    ("topics", lambda r: _expectations(r, topics=[" "])),
    ("channel", lambda r: _expectations(r, channel="carrier pigeon")),
    ("meeting_every_days", lambda r: _expectations(r, meeting_every_days=True)),
    ("scheduled_for", lambda r: _schedule(r, scheduled_for=NAIVE)),
    ("duration_minutes", lambda r: _schedule(r, duration_minutes=4)),
    ("from_role", lambda r: _feedback(r, from_role="hr")),
    ("kind", lambda r: _feedback(r, kind="rant")),
    ("text", lambda r: _feedback(r, text="")),
    ("kind", lambda r: r.share_experience(kind="gossip", text="x", actor=MENTEE)),
    ("advice", lambda r: r.apply_advice(advice=" ", outcome=None, actor=MENTEE)),
    ("note", lambda r: r.report_progress(note="", goal_id=None, actor=MENTEE)),
    ("message", lambda r: r.express_gratitude(message="", actor=MENTEE)),
    ("mentor_satisfaction", lambda r: r.review(mentor_satisfaction=0, mentee_satisfaction=3,
                                               notes=None, actor=MENTEE)),
    ("mentee_satisfaction", lambda r: r.review(mentor_satisfaction=3, mentee_satisfaction=6,
                                               notes=None, actor=MENTEE)),
    ("reason", lambda r: r.conclude(reason="", outcome="goals met", actor=MENTEE)),
    ("outcome", lambda r: r.conclude(reason="Done", outcome="x" * 201, actor=MENTEE)),
]


@pytest.mark.parametrize(("field", "command"), INVALID_VALUES,
                         ids=[f"{i}-{f}" for i, (f, _) in enumerate(INVALID_VALUES)])
def test_an_invalid_value_is_refused_naming_the_field(field: str, command: Command) -> None:
    error = refused(with_expectations(), command, InvalidValue)
    assert isinstance(error, InvalidValue)
    assert (error.field, error.rule) == (field, "invalid-value")


def test_an_invalid_value_when_holding_a_session_is_refused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    refused(rel, lambda r: _hold(r, session_id, held_at=NAIVE), InvalidValue)
    refused(rel, lambda r: _hold(r, session_id, duration_minutes=0), InvalidValue)


def test_an_invalid_role_when_a_session_is_missed_or_cancelled_is_refused() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    refused(rel, lambda r: r.miss_session(session_id=session_id, missed_by="nobody",
                                          actor=MENTOR), InvalidValue)
    refused(rel, lambda r: r.cancel_session(session_id=session_id, cancelled_by="hr",
                                            reason=None, actor=MENTOR), InvalidValue)
