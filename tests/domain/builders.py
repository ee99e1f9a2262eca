"""Aggregates in a known state, built through their own commands, with nothing pending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate

from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MENTOR, MENTEE, COORDINATOR = "emp-mentor", "emp-mentee", "hr-coordinator"
PROGRAM_ID = "6f1c2d3e-0000-4000-8000-000000000001"

A = TypeVar("A", bound=Aggregate)


def at(days: float = 0, hours: float = 0) -> datetime:
    """An instant after ``T0``: tests never depend on the wall clock."""
    return T0 + timedelta(days=days, hours=hours)


def settled(aggregate: A) -> A:
    """The aggregate with its pending events collected, as after a save."""
    aggregate.collect_events()
    return aggregate


def only_event(aggregate: Aggregate, kind: type[Any]) -> Any:
    """The single event the last command left pending, checked to be of ``kind``."""
    events = aggregate.collect_events()
    assert len(events) == 1, events
    assert type(events[0]) is kind
    return events[0]


def requested(**overrides: Any) -> Relationship:
    fields: dict[str, Any] = {
        "program_id": PROGRAM_ID, "mentor_id": MENTOR, "mentee_id": MENTEE,
        "message": "Would you mentor me?", "actor": MENTEE, "at": T0,
    }
    return settled(Relationship.request(**(fields | overrides)))


def connected() -> Relationship:
    rel = requested()
    rel.accept(actor=MENTOR, at=at(days=1))
    return settled(rel)


def with_expectations(*, cap: int = 120, session_minutes: int = 60) -> Relationship:
    rel = connected()
    rel.set_expectations(
        meeting_every_days=14, session_minutes=session_minutes, monthly_minutes_cap=cap,
        topics=["visibility"], channel="video", review_every_days=90, actor=MENTEE,
        at=at(days=2),
    )
    return settled(rel)


def schedule(rel: Relationship, *, minutes: int = 60, on: datetime | None = None) -> str:
    """Books a session (by default on day 5), two days ahead of it."""
    when = on or at(days=5)
    session_id = rel.schedule_session(
        scheduled_for=when, duration_minutes=minutes, agenda=None,
        actor=MENTOR, at=min(when - timedelta(days=2), max(at(days=3), rel.modified_on)),
    )
    settled(rel)
    return session_id


def hold(rel: Relationship, session_id: str, *, minutes: int = 60,
         on: datetime | None = None) -> None:
    when = on or at(days=5)
    rel.hold_session(
        session_id=session_id, held_at=when, duration_minutes=minutes,
        mentee_on_time=True, mentee_prepared=True, notes=None, actor=MENTOR, at=when,
    )
    settled(rel)


def paused() -> Relationship:
    rel = connected()
    rel.pause(reason="Parental leave", actor=MENTEE, at=at(days=3))
    return settled(rel)


def concluded() -> Relationship:
    rel = with_expectations()
    rel.conclude(reason="We met our goals", outcome="goals met", actor=MENTEE, at=at(days=90))
    return settled(rel)


def open_goal() -> Goal:
    return settled(Goal.define(
        program_id=PROGRAM_ID, mentee_id=MENTEE, title="Lead a team",
        success_criteria="Runs planning alone", target_date=date(2026, 12, 31),
        actor=MENTEE, at=T0,
    ))


def achieved_goal() -> Goal:
    goal = open_goal()
    goal.achieve(note="Done", actor=MENTEE, at=at(days=30))
    return settled(goal)


def abandoned_goal() -> Goal:
    goal = open_goal()
    goal.abandon(reason="Changed role", actor=MENTEE, at=at(days=30))
    return settled(goal)


def mentor(*, capacity: int = 2) -> MentorProfile:
    return settled(MentorProfile.register(
        program_id=PROGRAM_ID, person_id=MENTOR, skills=["Python", "leadership"],
        capacity=capacity, monthly_minutes=240, experience_years=10, bio="Engineering manager",
        actor=COORDINATOR, at=T0,
    ))


def retired_mentor() -> MentorProfile:
    profile = mentor()
    profile.retire(reason="Leaving", actor=COORDINATOR, at=at(days=1))
    return settled(profile)


def program() -> Program:
    return settled(Program.create(name="Leadership", description="For new leads",
                                  actor=COORDINATOR, at=T0))


def closed_program() -> Program:
    prog = program()
    prog.close(reason="Year over", actor=COORDINATOR, at=at(days=365))
    return settled(prog)
