"""A relationship's life: request, accept or decline, expectations, pause, resume, conclude."""

from __future__ import annotations

from datetime import datetime

from application.base import Attempt, Change, Outcome, UseCases
from domain.base import ActorLike, bookkeeping
from domain.relationship import Relationship


class RelationshipUseCases(UseCases):
    """Connection, agreement and the end of a mentoring relationship."""

    def request_relationship(self, *, program_id: str, mentor_id: str, mentee_id: str,
                             message: str, actor: ActorLike, at: datetime | None = None) -> Outcome:
        """A mentee asks a mentor, with a personal message; the mentor's profile records the
        request in the same transaction (one open relationship per mentor and mentee)."""
        def request(attempt: Attempt) -> Change:
            self._open_program(attempt, program_id)
            relationship = Relationship.request(program_id=program_id, mentor_id=mentor_id,
                                                mentee_id=mentee_id, message=message,
                                                actor=actor, at=at)
            mentor = self._mentor_of(attempt, relationship)
            mentor.receive_request(relationship_id=str(relationship.id),
                                   mentee_id=relationship.mentee_id,
                                   actor=bookkeeping(actor), at=at)
            return Change(relationship, mentor)

        return self._run(request)

    def accept_relationship(self, relationship_id: str, *, actor: ActorLike,
                            expected_version: int | None = None,
                            at: datetime | None = None) -> Outcome:
        """The mentor accepts: the connection is made and one of their places is taken."""
        def accept(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            mentor = self._mentor_of(attempt, relationship)
            relationship.accept(actor=actor, at=at)
            mentor.assign_mentee(relationship_id=str(relationship.id),
                                 mentee_id=relationship.mentee_id,
                                 actor=bookkeeping(actor), at=at)
            # One transaction: the place is taken if and only if the connection is made.
            return Change(relationship, mentor)

        return self._run(accept, expected_version=expected_version)

    def decline_relationship(self, relationship_id: str, *, reason: str | None, actor: ActorLike,
                             expected_version: int | None = None,
                             at: datetime | None = None) -> Outcome:
        """The mentor declines the request."""
        def decline(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            mentor = self._mentor_of(attempt, relationship)
            relationship.decline(reason=reason or "", actor=actor, at=at)
            mentor.close_request(relationship_id=str(relationship.id),
                                 actor=bookkeeping(actor), at=at)
            return Change(relationship, mentor)

        return self._run(decline, expected_version=expected_version)

    def withdraw_request(self, relationship_id: str, *, reason: str | None, actor: ActorLike,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """The mentee withdraws a request the mentor has not answered."""
        def withdraw(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            mentor = self._mentor_of(attempt, relationship)
            relationship.withdraw(reason=reason, actor=actor, at=at)
            mentor.close_request(relationship_id=str(relationship.id),
                                 actor=bookkeeping(actor), at=at)
            return Change(relationship, mentor)

        return self._run(withdraw, expected_version=expected_version)

    def set_expectations(self, relationship_id: str, *, meeting_every_days: int,
                         session_minutes: int, monthly_minutes_cap: int, topics: list[str],
                         channel: str, review_every_days: int, actor: ActorLike,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """Both sides agree (or renegotiate) how they will work together."""
        return self._change(Relationship, relationship_id, expected_version,
                            lambda r: r.set_expectations(
                                meeting_every_days=meeting_every_days,
                                session_minutes=session_minutes,
                                monthly_minutes_cap=monthly_minutes_cap, topics=topics,
                                channel=channel, review_every_days=review_every_days,
                                actor=actor, at=at))

    def pause_relationship(self, relationship_id: str, *, reason: str | None, actor: ActorLike,
                           expected_version: int | None = None,
                           at: datetime | None = None) -> Outcome:
        """Puts an active relationship on hold."""
        return self._change(Relationship, relationship_id, expected_version, lambda r: r.pause(
            reason=reason, actor=actor, at=at))

    def resume_relationship(self, relationship_id: str, *, actor: ActorLike,
                            expected_version: int | None = None,
                            at: datetime | None = None) -> Outcome:
        """Takes a paused relationship up again."""
        return self._change(Relationship, relationship_id, expected_version, lambda r: r.resume(
            actor=actor, at=at))

    def conclude_relationship(self, relationship_id: str, *, reason: str, outcome: str,
                              actor: ActorLike, expected_version: int | None = None,
                              at: datetime | None = None) -> Outcome:
        """Ends the relationship and frees the mentor's place, in one transaction."""
        def conclude(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            mentor = self._mentor_of(attempt, relationship)
            relationship.conclude(reason=reason, outcome=outcome, actor=actor, at=at)
            mentor.release_mentee(relationship_id=str(relationship.id),
                                  actor=bookkeeping(actor), at=at)
            return Change(relationship, mentor)

        return self._run(conclude, expected_version=expected_version)
