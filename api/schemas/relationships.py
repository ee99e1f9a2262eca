"""Relationships: request, connection, expectations, sessions, feedback, reviews, end."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import (
    AggregateId,
    CommandResult,
    Count,
    Flag,
    Name,
    OptionalText,
    PersonId,
    Text,
    Topic,
    example,
)

Role = Literal["mentor", "mentee"]


class RelationshipCreate(BaseModel):
    model_config = example(program_id="6f1c2d3e-0000-4000-8000-000000000001",
                           mentor_id="hr-1042", mentee_id="hr-2001",
                           message="I admire how you run design reviews; would you mentor me?")

    program_id: AggregateId
    mentor_id: PersonId
    mentee_id: PersonId
    message: Text


class Accept(BaseModel):
    model_config = example()


class Decline(BaseModel):
    model_config = example(reason="No capacity this quarter.")

    reason: OptionalText = None


class Withdraw(BaseModel):
    model_config = example(reason="Found a mentor in my own team.")

    reason: OptionalText = None


class Expectations(BaseModel):
    model_config = example(meeting_every_days=14, session_minutes=60, monthly_minutes_cap=180,
                           topics=["design reviews", "career"], channel="video",
                           review_every_days=90)

    meeting_every_days: Count = Field(ge=1, le=365)
    session_minutes: Count = Field(ge=5, le=480)
    monthly_minutes_cap: Count = Field(ge=5, le=10_000)
    topics: list[Topic] = Field(max_length=50)
    channel: Literal["video", "in_person", "phone", "chat"]
    review_every_days: Count = Field(ge=1, le=365)


class SessionSchedule(BaseModel):
    model_config = example(scheduled_for="2026-03-02T15:00:00Z", duration_minutes=60,
                           agenda="Prepare the first design review")

    scheduled_for: AwareDatetime
    duration_minutes: Count = Field(ge=5, le=480)
    agenda: OptionalText = None


class SessionHold(BaseModel):
    model_config = example(held_at="2026-03-02T15:05:00Z", duration_minutes=55,
                           mentee_on_time=True, mentee_prepared=True)

    held_at: AwareDatetime
    duration_minutes: Count = Field(ge=1, le=480)
    mentee_on_time: Flag
    mentee_prepared: Flag
    notes: OptionalText = None


class SessionCancel(BaseModel):
    model_config = example(cancelled_by="mentor", reason="Travelling")

    cancelled_by: Role
    reason: OptionalText = None


class SessionMiss(BaseModel):
    model_config = example(missed_by="mentee")

    missed_by: Role


class FeedbackCreate(BaseModel):
    model_config = example(from_role="mentor", kind="constructive",
                           text="Open reviews with the decision you need.")

    from_role: Role
    kind: Literal["constructive", "praise"]
    text: Text
    goal_id: AggregateId | None = None


class Experience(BaseModel):
    model_config = example(kind="challenge", text="My first review ran over time.")

    kind: Literal["challenge", "success", "concern"]
    text: Text


class AdviceApplied(BaseModel):
    model_config = example(advice="Time-box each review item", outcome="Finished on time")

    advice: Text
    outcome: OptionalText = None


class ProgressReport(BaseModel):
    model_config = example(note="Ran my first review.", goal_id=None)

    note: Text
    goal_id: AggregateId | None = None


class Gratitude(BaseModel):
    model_config = example(message="Thank you for your time this month!")

    message: Text


class Review(BaseModel):
    model_config = example(mentor_satisfaction=4, mentee_satisfaction=5)

    mentor_satisfaction: Count = Field(ge=1, le=5)
    mentee_satisfaction: Count = Field(ge=1, le=5)
    notes: OptionalText = None


class Pause(BaseModel):
    model_config = example(reason="Parental leave")

    reason: OptionalText = None


class Resume(BaseModel):
    model_config = example()


class Conclude(BaseModel):
    model_config = example(reason="Goals reached", outcome="successful")

    reason: Text
    outcome: Name


class SessionScheduled(CommandResult):
    session_id: str


class FeedbackRecorded(CommandResult):
    feedback_id: str


class ExpectationsPublic(BaseModel):
    meeting_every_days: int
    session_minutes: int
    monthly_minutes_cap: int
    topics: list[str]
    channel: str
    review_every_days: int


class ScheduledSessionPublic(BaseModel):
    session_id: str
    scheduled_for: datetime
    duration_minutes: int


class PendingFeedbackPublic(BaseModel):
    feedback_id: str
    from_role: str
    kind: str
    goal_id: str | None


class RelationshipPublic(BaseModel):
    id: str
    program_id: str
    mentor_id: str
    mentee_id: str
    status: Literal["requested", "declined", "active", "paused", "concluded"]
    version: int
    message: str
    requested_at: datetime
    connected_at: datetime | None
    expectations: ExpectationsPublic | None
    expectations_set_at: datetime | None
    scheduled_sessions: list[ScheduledSessionPublic]
    next_session_at: datetime | None
    last_session_at: datetime | None
    minutes_by_month: dict[str, int]
    unacknowledged_feedback: list[PendingFeedbackPublic]
    counts: dict[str, int]
    last_review: dict[str, Any] | None
    pause_reason: str
    decline_reason: str
    conclusion: dict[str, str] | None
    concluded_at: datetime | None
    created_on: datetime
    modified_on: datetime
