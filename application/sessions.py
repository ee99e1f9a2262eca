"""Sessions of a relationship: scheduled, then held, cancelled or missed."""

from __future__ import annotations

from datetime import datetime

from application.base import Outcome, UseCases
from domain.relationship import Relationship


class SessionUseCases(UseCases):
    """Time the mentor and mentee spend together, within the mentor's monthly cap."""

    def schedule_session(self, relationship_id: str, *, scheduled_for: datetime,
                         duration_minutes: int, agenda: str | None = None, actor: str,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """Books a session; the outcome carries its ``session_id``."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.schedule_session(scheduled_for=scheduled_for,
                                         duration_minutes=duration_minutes, agenda=agenda,
                                         actor=actor, at=at),
            answer="session_id")

    def hold_session(self, relationship_id: str, session_id: str, *, held_at: datetime,
                     duration_minutes: int, mentee_on_time: bool, mentee_prepared: bool,
                     notes: str | None = None, actor: str, expected_version: int | None = None,
                     at: datetime | None = None) -> Outcome:
        """Records that a scheduled session took place."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.hold_session(session_id=session_id, held_at=held_at,
                                     duration_minutes=duration_minutes,
                                     mentee_on_time=mentee_on_time,
                                     mentee_prepared=mentee_prepared, notes=notes,
                                     actor=actor, at=at))

    def cancel_session(self, relationship_id: str, session_id: str, *, cancelled_by: str,
                       reason: str | None = None, actor: str,
                       expected_version: int | None = None,
                       at: datetime | None = None) -> Outcome:
        """Calls off a scheduled session."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.cancel_session(session_id=session_id, cancelled_by=cancelled_by,
                                       reason=reason, actor=actor, at=at))

    def miss_session(self, relationship_id: str, session_id: str, *, missed_by: str,
                     actor: str, expected_version: int | None = None,
                     at: datetime | None = None) -> Outcome:
        """Records a no-show."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.miss_session(session_id=session_id, missed_by=missed_by, actor=actor,
                                     at=at))
