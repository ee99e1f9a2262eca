"""The mentoring relationship: requested -> (declined | active) <-> paused -> concluded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import uuid4

from domain.base import ActorLike, MentoringAggregate, MentoringCreated, MentoringEvent
from domain.errors import (
    InvalidTransition,
    InvalidValue,
    MentorIsMentee,
    MonthlyTimeCapExceeded,
    NotAhead,
    NotConnected,
    OutsideTheRelationship,
    RelationshipConcluded,
    UnknownFeedback,
    UnknownSession,
)
from domain.values import (
    optional_text,
    optional_uuid,
    require_choice,
    require_instant,
    require_label,
    require_person,
    require_range,
    require_text,
    require_uuid,
)

ROLES = ("mentor", "mentee")
FEEDBACK_KINDS = ("constructive", "praise")
EXPERIENCE_KINDS = ("challenge", "success", "concern")
CHANNELS = ("video", "in_person", "phone", "chat")
CONNECTED = ("active", "paused")


# How far the client's clock may be from ours when it says "now".
CLOCK_ALLOWANCE = timedelta(minutes=15)


def month_of(instant: datetime) -> str:
    """The calendar month (``YYYY-MM``) a session's minutes count against."""
    return instant.strftime("%Y-%m")


class Relationship(MentoringAggregate):
    """A mentee and a mentor working together inside a program."""

    # Personal text in the state (sealed in snapshots) -> whose it is.
    PERSONAL_STATE: ClassVar[dict[str, str]] = {
        "message": "mentee_id",
        "decline_reason": "mentor_id",
        "pause_reason": "mentee_id",
        "conclusion_reason": "mentee_id",
        "outcome": "mentee_id",
    }

    def __init__(self) -> None:
        self.program_id: str
        self.mentor_id: str
        self.mentee_id: str
        self.message: str
        self.status: str
        self.requested_at: datetime
        self.connected_at: datetime | None
        self.expectations: dict[str, Any] | None
        self.expectations_set_at: datetime | None
        self.scheduled_sessions: dict[str, dict[str, Any]]
        self.minutes_by_month: dict[str, int]
        self.unacknowledged_feedback: dict[str, dict[str, Any]]
        self.counts: dict[str, int]
        self.last_session_at: datetime | None
        self.last_review: dict[str, Any] | None
        self.outcome: str | None
        self.conclusion_reason: str
        self.concluded_at: datetime | None
        self.pause_reason: str
        self.decline_reason: str

    # ---- events -------------------------------------------------------------

    class Requested(MentoringCreated):
        program_id: str
        mentor_id: str
        mentee_id: str
        message: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("message",)

        def apply(self, rel: Relationship) -> None:
            rel.program_id, rel.mentor_id = self.program_id, self.mentor_id
            rel.mentee_id, rel.message = self.mentee_id, self.message
            rel.status = STATUS_AFTER[type(self)]
            rel.requested_at = self.timestamp
            rel.connected_at = rel.expectations_set_at = rel.concluded_at = None
            rel.expectations = None
            rel.scheduled_sessions, rel.minutes_by_month = {}, {}
            rel.unacknowledged_feedback = {}
            rel.last_session_at = rel.last_review = rel.outcome = None
            rel.pause_reason = rel.decline_reason = rel.conclusion_reason = ""
            rel.counts = dict.fromkeys(COUNTERS, 0)

        def summary(self) -> str:
            return f"Mentee {self.mentee_id} asked mentor {self.mentor_id} for mentoring"

    class Declined(MentoringEvent):
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, rel: Relationship) -> None:
            rel.status, rel.decline_reason = STATUS_AFTER[type(self)], self.reason

        def summary(self) -> str:
            return "Mentor declined the request"

    class Withdrawn(MentoringEvent):
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, rel: Relationship) -> None:
            rel.status, rel.decline_reason = STATUS_AFTER[type(self)], self.reason

        def summary(self) -> str:
            return "Mentee withdrew the request"

    class ConnectionEstablished(MentoringEvent):
        def apply(self, rel: Relationship) -> None:
            rel.status, rel.connected_at = STATUS_AFTER[type(self)], self.timestamp

        def summary(self) -> str:
            return "Mentor accepted: connection established"

    class ExpectationsSet(MentoringEvent):
        meeting_every_days: int
        session_minutes: int
        monthly_minutes_cap: int
        topics: list[str]
        channel: str
        review_every_days: int
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 had no review cadence; reviews defaulted to once a quarter.
            state["review_every_days"] = 90

        def apply(self, rel: Relationship) -> None:
            if rel.expectations is None:
                rel.expectations_set_at = self.timestamp
            rel.expectations = {
                "meeting_every_days": self.meeting_every_days,
                "session_minutes": self.session_minutes,
                "monthly_minutes_cap": self.monthly_minutes_cap,
                "topics": list(self.topics),
                "channel": self.channel,
                "review_every_days": self.review_every_days,
            }

        def summary(self) -> str:
            return (
                f"Expectations set: meet every {self.meeting_every_days} days, "
                f"{self.session_minutes} min sessions, cap {self.monthly_minutes_cap} min/month, "
                f"{self.channel}, review every {self.review_every_days} days"
            )

    class SessionScheduled(MentoringEvent):
        session_id: str
        scheduled_for: datetime
        duration_minutes: int
        agenda: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("agenda",)

        def apply(self, rel: Relationship) -> None:
            rel.scheduled_sessions[self.session_id] = {
                "scheduled_for": self.scheduled_for,
                "duration_minutes": self.duration_minutes,
            }

        def summary(self) -> str:
            return (
                f"Session {self.session_id} scheduled for {self.scheduled_for.isoformat()} "
                f"({self.duration_minutes} min)"
            )

    class SessionHeld(MentoringEvent):
        session_id: str
        held_at: datetime
        duration_minutes: int
        mentee_on_time: bool
        mentee_prepared: bool
        notes: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("notes",)

        def apply(self, rel: Relationship) -> None:
            del rel.scheduled_sessions[self.session_id]
            month = month_of(self.held_at)
            rel.minutes_by_month[month] = rel.minutes_by_month.get(month, 0) + self.duration_minutes
            rel.counts["sessions_held"] += 1
            if rel.last_session_at is None or self.held_at > rel.last_session_at:
                rel.last_session_at = self.held_at

        def summary(self) -> str:
            punctual = "on time" if self.mentee_on_time else "late"
            prepared = "prepared" if self.mentee_prepared else "unprepared"
            return (
                f"Session {self.session_id} held: {self.duration_minutes} min, "
                f"mentee {punctual} and {prepared}"
            )

    class SessionCancelled(MentoringEvent):
        session_id: str
        cancelled_by: str
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, rel: Relationship) -> None:
            del rel.scheduled_sessions[self.session_id]
            rel.counts["sessions_cancelled"] += 1

        def summary(self) -> str:
            return f"Session {self.session_id} cancelled by the {self.cancelled_by}"

    class SessionMissed(MentoringEvent):
        session_id: str
        missed_by: str

        def apply(self, rel: Relationship) -> None:
            del rel.scheduled_sessions[self.session_id]
            rel.counts["sessions_missed"] += 1
            if self.missed_by == "mentee":
                rel.counts["mentee_no_shows"] += 1

        def summary(self) -> str:
            return f"Session {self.session_id} missed by the {self.missed_by}"

    class FeedbackReceived(MentoringEvent):
        feedback_id: str
        from_role: str
        kind: str
        text: str
        goal_id: str | None
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

        def apply(self, rel: Relationship) -> None:
            rel.counts["feedback_received"] += 1
            rel.unacknowledged_feedback[self.feedback_id] = {
                "from_role": self.from_role,
                "kind": self.kind,
                "goal_id": self.goal_id,
            }

        def summary(self) -> str:
            goal = f" on goal {self.goal_id}" if self.goal_id else ""
            return f"{self.kind.capitalize()} feedback from the {self.from_role}{goal}"

    class FeedbackAcknowledged(MentoringEvent):
        feedback_id: str

        def apply(self, rel: Relationship) -> None:
            del rel.unacknowledged_feedback[self.feedback_id]
            rel.counts["feedback_acknowledged"] += 1

        def summary(self) -> str:
            return f"Feedback {self.feedback_id} acknowledged"

    class ExperienceShared(MentoringEvent):
        kind: str
        text: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

        def apply(self, rel: Relationship) -> None:
            rel.counts["experiences_shared"] += 1

        def summary(self) -> str:
            return f"Mentee shared a {self.kind}"

    class AdviceApplied(MentoringEvent):
        advice: str
        outcome: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("advice", "outcome")

        def apply(self, rel: Relationship) -> None:
            rel.counts["advice_applied"] += 1

        def summary(self) -> str:
            return "Mentee applied the mentor's advice"

    class ProgressReported(MentoringEvent):
        goal_id: str | None
        note: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("note",)

        def apply(self, rel: Relationship) -> None:
            rel.counts["progress_reports"] += 1

        def summary(self) -> str:
            goal = f" on goal {self.goal_id}" if self.goal_id else ""
            return f"Mentee reported progress{goal}"

    class GratitudeExpressed(MentoringEvent):
        message: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("message",)

        def apply(self, rel: Relationship) -> None:
            rel.counts["gratitude_expressed"] += 1

        def summary(self) -> str:
            return "Mentee expressed gratitude"

    class Reviewed(MentoringEvent):
        mentor_satisfaction: int
        mentee_satisfaction: int
        notes: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("notes",)

        def apply(self, rel: Relationship) -> None:
            rel.counts["reviews"] += 1
            rel.last_review = {
                "at": self.timestamp,
                "mentor_satisfaction": self.mentor_satisfaction,
                "mentee_satisfaction": self.mentee_satisfaction,
            }

        def summary(self) -> str:
            return (
                f"Reviewed: mentor satisfaction {self.mentor_satisfaction}/5, "
                f"mentee satisfaction {self.mentee_satisfaction}/5"
            )

    class Paused(MentoringEvent):
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, rel: Relationship) -> None:
            rel.status, rel.pause_reason = STATUS_AFTER[type(self)], self.reason

        def summary(self) -> str:
            return "Relationship paused"

    class Resumed(MentoringEvent):
        def apply(self, rel: Relationship) -> None:
            rel.status, rel.pause_reason = STATUS_AFTER[type(self)], ""

        def summary(self) -> str:
            return "Relationship resumed"

    class Concluded(MentoringEvent):
        reason: str
        outcome: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason", "outcome")

        def apply(self, rel: Relationship) -> None:
            rel.status, rel.concluded_at = STATUS_AFTER[type(self)], self.timestamp
            rel.outcome, rel.conclusion_reason = self.outcome, self.reason
            rel.scheduled_sessions = {}

        def summary(self) -> str:
            return "Relationship concluded"

    # ---- commands -----------------------------------------------------------

    @classmethod
    def request(
        cls,
        *,
        program_id: str,
        mentor_id: str,
        mentee_id: str,
        message: str,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> Relationship:
        """A mentee asks a mentor, with a personal message."""
        mentor_id = require_person("mentor_id", mentor_id)
        mentee_id = require_person("mentee_id", mentee_id)
        if mentor_id == mentee_id:
            raise MentorIsMentee(f"{mentor_id} cannot be their own mentor")
        return cls._start(
            cls.Requested,
            at=at,
            actor=actor,
            program_id=require_uuid("program_id", program_id),
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            message=require_text("message", message),
            subject_id=mentee_id,
        )

    def accept(self, *, actor: ActorLike, at: datetime | None = None) -> None:
        """The mentor accepts: the connection is established."""
        self.check_status("accept", ("requested",))
        self._trigger(self.ConnectionEstablished, at, actor=actor)

    def decline(self, *, reason: str, actor: ActorLike, at: datetime | None = None) -> None:
        """The mentor declines the request."""
        self.check_status("decline", ("requested",))
        self._trigger(
            self.Declined, at, actor=actor, reason=optional_text("reason", reason),
            subject_id=self.mentor_id,
        )

    def withdraw(self, *, reason: str | None, actor: ActorLike,
                 at: datetime | None = None) -> None:
        """The mentee withdraws a request the mentor has not answered."""
        self.check_status("withdraw", ("requested",))
        self._trigger(
            self.Withdrawn, at, actor=actor, reason=optional_text("reason", reason),
            subject_id=self.mentee_id,
        )

    def set_expectations(
        self,
        *,
        meeting_every_days: int,
        session_minutes: int,
        monthly_minutes_cap: int,
        topics: list[str],
        channel: str,
        review_every_days: int,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Both sides agree (or renegotiate) how they will work together."""
        self.check_connected()
        require_range("meeting_every_days", meeting_every_days, 1, 365)
        require_range("session_minutes", session_minutes, 5, 480)
        require_range("monthly_minutes_cap", monthly_minutes_cap, session_minutes, 10_000)
        require_range("review_every_days", review_every_days, 1, 365)
        if not isinstance(topics, list) or len(topics) > 50:
            raise InvalidValue("topics", "must be a list of at most 50 topics")
        clean_topics = [require_label("topics", t, max_length=200) for t in topics]
        self._trigger(
            self.ExpectationsSet,
            at,
            actor=actor,
            meeting_every_days=meeting_every_days,
            session_minutes=session_minutes,
            monthly_minutes_cap=monthly_minutes_cap,
            topics=clean_topics,
            channel=require_choice("channel", channel, CHANNELS),
            review_every_days=review_every_days,
        )

    def schedule_session(
        self,
        *,
        scheduled_for: datetime,
        duration_minutes: int,
        agenda: str | None,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> str:
        """Books a session; returns its id."""
        self.check_active()
        scheduled_for = require_instant("scheduled_for", scheduled_for)
        self.check_scheduled_ahead(scheduled_for, self.clock(at))
        require_range("duration_minutes", duration_minutes, 5, 480)
        self.check_monthly_cap(scheduled_for, duration_minutes, include_scheduled=True)
        session_id = uuid4().hex
        self._trigger(
            self.SessionScheduled,
            at,
            actor=actor,
            session_id=session_id,
            scheduled_for=scheduled_for,
            duration_minutes=duration_minutes,
            agenda=optional_text("agenda", agenda),
            subject_id=self.mentee_id,
        )
        return session_id

    def hold_session(
        self,
        *,
        session_id: str,
        held_at: datetime,
        duration_minutes: int,
        mentee_on_time: bool,
        mentee_prepared: bool,
        notes: str | None,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Records that a scheduled session took place."""
        self.check_active()
        self.check_scheduled(session_id)
        held_at = require_instant("held_at", held_at)
        self.check_held_in_the_relationship(held_at, self.clock(at))
        require_range("duration_minutes", duration_minutes, 1, 480)
        self.check_monthly_cap(held_at, duration_minutes, include_scheduled=False)
        self._trigger(
            self.SessionHeld,
            at,
            actor=actor,
            session_id=session_id,
            held_at=held_at,
            duration_minutes=duration_minutes,
            mentee_on_time=bool(mentee_on_time),
            mentee_prepared=bool(mentee_prepared),
            notes=optional_text("notes", notes),
            subject_id=self.mentee_id,
        )

    def cancel_session(
        self, *, session_id: str, cancelled_by: str, reason: str | None, actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Calls off a scheduled session."""
        self.check_not_concluded()
        self.check_scheduled(session_id)
        self._trigger(
            self.SessionCancelled,
            at,
            actor=actor,
            session_id=session_id,
            cancelled_by=require_choice("cancelled_by", cancelled_by, ROLES),
            reason=optional_text("reason", reason),
            subject_id=self.mentee_id,
        )

    def miss_session(
        self, *, session_id: str, missed_by: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """Records a no-show."""
        self.check_connected()
        self.check_scheduled(session_id)
        self._trigger(
            self.SessionMissed,
            at,
            actor=actor,
            session_id=session_id,
            missed_by=require_choice("missed_by", missed_by, ROLES),
        )

    def receive_feedback(
        self, *, from_role: str, kind: str, text: str, goal_id: str | None, actor: ActorLike,
        at: datetime | None = None,
    ) -> str:
        """Records feedback given by one side to the other; returns its id."""
        self.check_connected()
        from_role = require_choice("from_role", from_role, ROLES)
        feedback_id = uuid4().hex
        self._trigger(
            self.FeedbackReceived,
            at,
            actor=actor,
            feedback_id=feedback_id,
            from_role=from_role,
            kind=require_choice("kind", kind, FEEDBACK_KINDS),
            text=require_text("text", text),
            goal_id=optional_uuid("goal_id", goal_id),
            subject_id=self.mentee_id if from_role == "mentor" else self.mentor_id,
        )
        return feedback_id

    def acknowledge_feedback(
        self, *, feedback_id: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """The receiver says they took the feedback in."""
        self.check_connected()
        if feedback_id not in self.unacknowledged_feedback:
            raise UnknownFeedback(f"no unacknowledged feedback {feedback_id!r}")
        self._trigger(self.FeedbackAcknowledged, at, actor=actor, feedback_id=feedback_id)

    def share_experience(
        self, *, kind: str, text: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """The mentee shares a challenge, a success or a concern."""
        self.check_connected()
        self._trigger(
            self.ExperienceShared,
            at,
            actor=actor,
            kind=require_choice("kind", kind, EXPERIENCE_KINDS),
            text=require_text("text", text),
            subject_id=self.mentee_id,
        )

    def apply_advice(
        self, *, advice: str, outcome: str | None, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """The mentee put a piece of advice into practice."""
        self.check_connected()
        self._trigger(
            self.AdviceApplied,
            at,
            actor=actor,
            advice=require_text("advice", advice),
            outcome=optional_text("outcome", outcome),
            subject_id=self.mentee_id,
        )

    def report_progress(
        self, *, note: str, goal_id: str | None, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """The mentee tells the mentor how far they got."""
        self.check_connected()
        self._trigger(
            self.ProgressReported,
            at,
            actor=actor,
            goal_id=optional_uuid("goal_id", goal_id),
            note=require_text("note", note),
            subject_id=self.mentee_id,
        )

    def express_gratitude(
        self, *, message: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """The mentee thanks the mentor."""
        self.check_connected()
        self._trigger(
            self.GratitudeExpressed,
            at,
            actor=actor,
            message=require_text("message", message),
            subject_id=self.mentee_id,
        )

    def review(
        self, *, mentor_satisfaction: int, mentee_satisfaction: int, notes: str | None,
        actor: ActorLike, at: datetime | None = None,
    ) -> None:
        """A periodic review: both sides rate the relationship from 1 to 5."""
        self.check_connected()
        self._trigger(
            self.Reviewed,
            at,
            actor=actor,
            mentor_satisfaction=require_range("mentor_satisfaction", mentor_satisfaction, 1, 5),
            mentee_satisfaction=require_range("mentee_satisfaction", mentee_satisfaction, 1, 5),
            notes=optional_text("notes", notes),
            subject_id=self.mentee_id,
        )

    def pause(self, *, reason: str | None, actor: ActorLike, at: datetime | None = None) -> None:
        """Puts an active relationship on hold."""
        self.check_status("pause", ("active",))
        self._trigger(
            self.Paused, at, actor=actor, reason=optional_text("reason", reason),
            subject_id=self.mentee_id,
        )

    def resume(self, *, actor: ActorLike, at: datetime | None = None) -> None:
        """Takes a paused relationship up again."""
        self.check_status("resume", ("paused",))
        self._trigger(self.Resumed, at, actor=actor)

    def conclude(
        self, *, reason: str, outcome: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """Ends the relationship; it can only be read afterwards."""
        self.check_connected()
        self._trigger(
            self.Concluded,
            at,
            actor=actor,
            reason=require_text("reason", reason),
            outcome=require_text("outcome", outcome, max_length=200),
            subject_id=self.mentee_id,
        )

    # ---- rules --------------------------------------------------------------

    def check_not_concluded(self) -> None:
        if self.status == "concluded":
            raise RelationshipConcluded(f"relationship {self.id} is concluded")

    def check_status(self, command: str, allowed: tuple[str, ...]) -> None:
        self.check_not_concluded()
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {command} a relationship that is {self.status}")

    def check_connected(self) -> None:
        self.check_not_concluded()
        if self.status not in CONNECTED:
            raise NotConnected(
                f"relationship {self.id} is {self.status}: the connection is not established"
            )

    def check_active(self) -> None:
        self.check_connected()
        if self.status != "active":
            raise InvalidTransition(f"relationship {self.id} is paused")

    def check_scheduled(self, session_id: str) -> None:
        if session_id not in self.scheduled_sessions:
            raise UnknownSession(f"no scheduled session {session_id!r}")

    def check_scheduled_ahead(self, scheduled_for: datetime, now: datetime) -> None:
        if scheduled_for < now - CLOCK_ALLOWANCE:
            raise NotAhead("scheduled_for", f"{scheduled_for.isoformat()} has passed (now is "
                                            f"{now.isoformat()}): sessions are booked ahead")

    def check_held_in_the_relationship(self, held_at: datetime, now: datetime) -> None:
        if self.connected_at is not None and held_at < self.connected_at:
            raise OutsideTheRelationship(
                "held_at", f"{held_at.isoformat()} is before the connection was established "
                           f"({self.connected_at.isoformat()})")
        if held_at > now + CLOCK_ALLOWANCE:
            raise OutsideTheRelationship(
                "held_at", f"{held_at.isoformat()} has not happened yet (now is "
                           f"{now.isoformat()})")

    def check_monthly_cap(self, when: datetime, minutes: int, *, include_scheduled: bool) -> None:
        if self.expectations is None:
            return
        month = month_of(when)
        used = self.minutes_by_month.get(month, 0)
        if include_scheduled:
            used += sum(
                s["duration_minutes"]
                for s in self.scheduled_sessions.values()
                if month_of(s["scheduled_for"]) == month
            )
        cap = self.expectations["monthly_minutes_cap"]
        if used + minutes > cap:
            raise MonthlyTimeCapExceeded(
                f"{month}: {used} min already booked, {minutes} more would pass "
                f"the mentor's cap of {cap} min"
            )

    # ---- reading ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        next_session = min(
            (s["scheduled_for"] for s in self.scheduled_sessions.values()), default=None
        )
        return {
            "id": str(self.id),
            "program_id": self.program_id,
            "mentor_id": self.mentor_id,
            "mentee_id": self.mentee_id,
            "status": self.status,
            "version": self.version,
            "message": self.message,
            "requested_at": self.requested_at,
            "connected_at": self.connected_at,
            "expectations": self.expectations,
            "expectations_set_at": self.expectations_set_at,
            "scheduled_sessions": [
                {"session_id": sid, **s} for sid, s in sorted(self.scheduled_sessions.items())
            ],
            "next_session_at": next_session,
            "last_session_at": self.last_session_at,
            "minutes_by_month": dict(sorted(self.minutes_by_month.items())),
            "unacknowledged_feedback": [
                {"feedback_id": fid, **f} for fid, f in self.unacknowledged_feedback.items()
            ],
            "counts": dict(self.counts),
            "last_review": self.last_review,
            "pause_reason": self.pause_reason,
            "decline_reason": self.decline_reason,
            "conclusion": None
            if self.outcome is None
            else {"reason": self.conclusion_reason, "outcome": self.outcome},
            "concluded_at": self.concluded_at,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
        }


# The status machine, defined once for the aggregate and for every view: what each event
# makes of a relationship's status (events not listed leave it as it is).
STATUS_AFTER: dict[type[MentoringEvent | MentoringCreated], str] = {
    Relationship.Requested: "requested",
    Relationship.Declined: "declined",
    Relationship.Withdrawn: "withdrawn",
    Relationship.ConnectionEstablished: "active",
    Relationship.Paused: "paused",
    Relationship.Resumed: "active",
    Relationship.Concluded: "concluded",
}

COUNTERS = (
    "sessions_held",
    "sessions_cancelled",
    "sessions_missed",
    "mentee_no_shows",
    "feedback_received",
    "feedback_acknowledged",
    "experiences_shared",
    "advice_applied",
    "progress_reports",
    "gratitude_expressed",
    "reviews",
)
