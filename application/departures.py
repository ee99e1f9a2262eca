"""A person leaves the organisation: what they were part of ends, once, in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.base import UseCases, parse_id
from application.mentors import MentorUseCases
from application.personal_data import PersonalDataUseCases
from application.relationships import RelationshipUseCases
from domain.base import ActorLike
from domain.errors import DomainError
from domain.mentor_profile import MentorProfile
from domain.relationship import Relationship

PARTICIPANT_LEFT = "participant_left"


class DepartureUseCases(MentorUseCases, RelationshipUseCases, PersonalDataUseCases, UseCases):
    """Ends a departed person's requests and relationships and retires their profiles."""

    def person_left(self, person_id: str, *, actor: ActorLike,
                    at: datetime | None = None) -> dict[str, list[str]]:
        """Their pending requests end (withdrawn as mentee, declined as mentor), their
        active or paused relationships conclude with reason ``participant_left``, their
        mentor profiles retire. Each is its own command; repeating it changes nothing."""
        ended: dict[str, list[str]] = {"withdrawn": [], "declined": [], "concluded": [],
                                       "retired": []}
        for aggregate_id in self._vault().aggregates_of(person_id):
            aggregate = self.store.read(parse_id(aggregate_id))
            try:
                change = self._end(aggregate, person_id, actor, at)
            except DomainError:
                continue  # another writer ended it meanwhile: nothing left to do
            if change is not None:
                ended[change].append(aggregate_id)
        return ended

    def role_changed(self, person_id: str, *, role: str, actor: ActorLike,
                     at: datetime | None = None) -> list[str]:
        """Flags each of the person's mentor profiles with their new HR role (for admins to
        review); the profiles flagged (none when the role is the one already recorded)."""
        flagged = []
        for aggregate_id in self._vault().aggregates_of(person_id):
            aggregate = self.store.read(parse_id(aggregate_id))
            if not isinstance(aggregate, MentorProfile) or aggregate.person_id != person_id:
                continue
            outcome = self._change(
                MentorProfile, aggregate_id, None,
                lambda mentor: mentor.flag_role_change(role=role, actor=actor, at=at),
                answer="flagged")
            if outcome.extra and outcome.extra["flagged"]:
                flagged.append(aggregate_id)
        return flagged

    def erase_person(self, person_id: str, *, reason: str | None,
                     actor: ActorLike) -> dict[str, Any]:
        """Erasure is a departure too: what the person was part of ends first, then their
        key is destroyed (see ``PersonalDataUseCases.erase_person``)."""
        vault = self.vault
        repeated = vault is not None and not vault.has_key(person_id) and vault.erasures_of(
            person_id)
        if vault is not None and not repeated:
            self.person_left(person_id, actor=actor)
        return super().erase_person(person_id, reason=reason, actor=actor)

    def _end(self, aggregate: Any, person_id: str, actor: ActorLike,
             at: datetime | None) -> str | None:
        if isinstance(aggregate, MentorProfile):
            if aggregate.person_id != person_id or aggregate.retired:
                return None
            self.retire_mentor(aggregate.program_id, person_id, reason=PARTICIPANT_LEFT,
                               actor=actor, at=at)
            return "retired"
        if not isinstance(aggregate, Relationship) or person_id not in (
                aggregate.mentor_id, aggregate.mentee_id):
            return None
        rel = str(aggregate.id)
        if aggregate.status == "requested" and person_id == aggregate.mentee_id:
            self.withdraw_request(rel, reason=PARTICIPANT_LEFT, actor=actor, at=at)
            return "withdrawn"
        if aggregate.status == "requested":
            self.decline_relationship(rel, reason=PARTICIPANT_LEFT, actor=actor, at=at)
            return "declined"
        if aggregate.status in ("active", "paused"):
            self.conclude_relationship(rel, reason=PARTICIPANT_LEFT, outcome=PARTICIPANT_LEFT,
                                       actor=actor, at=at)
            return "concluded"
        return None
