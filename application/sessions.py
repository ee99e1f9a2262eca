"""Sessions of a relationship: scheduled, then held, cancelled or missed."""

from __future__ import annotations

from datetime import UTC, datetime

from application.base import Attempt, Change, Outcome, UseCases
from domain.base import ActorLike
from domain.relationship import Relationship, month_of


class SessionUseCases(UseCases):
    """Time the mentor and mentee spend together, within the mentor's monthly cap."""

    def schedule_session(self, relationship_id: str, *, scheduled_for: datetime,
                         duration_minutes: int, agenda: str | None = None, actor: ActorLike,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """Books a session within the relationship's cap and the mentor's own monthly
        minutes; the outcome carries its ``session_id``."""
        def schedule(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            session_id = relationship.schedule_session(
                scheduled_for=scheduled_for, duration_minutes=duration_minutes, agenda=agenda,
                actor=actor, at=at)
            mentor = self._mentor_of(attempt, relationship, change=False)
            mentor.check_monthly_minutes(month_of(scheduled_for.astimezone(UTC)), duration_minutes)
            return Change(relationship, session_id=session_id)

        return self._run(schedule, expected_version=expected_version)

    def hold_session(self, relationship_id: str, session_id: str, *, held_at: datetime,
                     duration_minutes: int, mentee_on_time: bool, mentee_prepared: bool,
                     notes: str | None = None, actor: ActorLike,
                     expected_version: int | None = None,
                     at: datetime | None = None) -> Outcome:
        """Records that a scheduled session took place; its minutes count against the
        mentor's monthly minutes, across all their mentees, in the same transaction."""
        def hold(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            mentor = self._mentor_of(attempt, relationship)
            relationship.hold_session(session_id=session_id, held_at=held_at,
                                      duration_minutes=duration_minutes,
                                      mentee_on_time=mentee_on_time,
                                      mentee_prepared=mentee_prepared, notes=notes,
                                      actor=actor, at=at)
            mentor.spend_time(relationship_id=str(relationship.id), session_id=session_id,
                              month=month_of(held_at.astimezone(UTC)),
                              minutes=duration_minutes, actor=actor, at=at)
            return Change(relationship, mentor)

        return self._run(hold, expected_version=expected_version)

    def cancel_session(self, relationship_id: str, session_id: str, *, cancelled_by: str,
                       reason: str | None = None, actor: ActorLike,
                       expected_version: int | None = None,
                       at: datetime | None = None) -> Outcome:
        """Calls off a scheduled session."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.cancel_session(session_id=session_id, cancelled_by=cancelled_by,
                                       reason=reason, actor=actor, at=at))

    def miss_session(self, relationship_id: str, session_id: str, *, missed_by: str,
                     actor: ActorLike, expected_version: int | None = None,
                     at: datetime | None = None) -> Outcome:
        """Records a no-show."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.miss_session(session_id=session_id, missed_by=missed_by, actor=actor,
                                     at=at))
