"""Reading the log: any aggregate now, at a version or as of an instant; history; the feed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from application.base import A, UseCases, parse_id, profile_id
from application.integration_events import IntegrationEvent, integration_event
from application.records import describe_event
from domain.errors import NotFound
from domain.external_id import ExternalId, claim_id
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship
from domain.values import aware, canonical_uuid

IDENTITY_CACHE_SIZE = 100_000


class HistoryQueries(UseCases):
    """Time travel and history, answered from the event store itself (never a view)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._identities: dict[UUID, tuple[str, str]] = {}

    def relationship(self, relationship_id: str, *, version: int | None = None,
                     as_of: datetime | None = None) -> dict[str, Any]:
        """The relationship now, at a version, or as of an instant."""
        return self._state(Relationship, relationship_id, version, as_of)

    def goal(self, goal_id: str, *, version: int | None = None,
             as_of: datetime | None = None) -> dict[str, Any]:
        """The goal now, at a version, or as of an instant."""
        return self._state(Goal, goal_id, version, as_of)

    def program(self, program_id: str, *, version: int | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
        """The program now, at a version, or as of an instant."""
        return self._state(Program, program_id, version, as_of)

    def mentor(self, program_id: str, person_id: str, *, version: int | None = None,
               as_of: datetime | None = None) -> dict[str, Any]:
        """A mentor profile now, at a version, or as of an instant."""
        return self._state(MentorProfile, str(profile_id(program_id, person_id)),
                           version, as_of)

    def program_of(self, aggregate_id: str) -> str:
        """The program an aggregate belongs to (its id for a program). Raises NotFound."""
        return self._identity(aggregate_id)[1]

    def aggregate_type(self, aggregate_id: str) -> str:
        """``Relationship``, ``Goal``, ``MentorProfile``, ``Program`` or ``Erasure``."""
        return self._identity(aggregate_id)[0]

    def history(self, aggregate_id: str) -> list[dict[str, Any]]:
        """Every event of one aggregate, in order, as plain data."""
        events = self.store.events_of(parse_id(aggregate_id))
        if not events:
            raise NotFound(f"nothing has id {aggregate_id}")
        return [describe_event(e) for e in events]

    def events(self, aggregate_id: str) -> Sequence[Any]:
        """The aggregate's events as stored, in version order (none for an unknown id)."""
        return self.store.events_of(parse_id(aggregate_id))

    def replay(self, aggregate_id: str, *, version: int | None = None,
               as_of: datetime | None = None
               ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Each event of an aggregate with the state right after it: all of them, up to
        ``version``, or those recorded at or before ``as_of``."""
        uuid = parse_id(aggregate_id)
        if version is not None and version < 1:
            raise NotFound("versions start at 1")
        if as_of is not None:
            version = self._version_at(uuid, aware("as_of", as_of), version)
        state: Any = None
        events = self.store.events_of(uuid, lte=version)
        if not events:
            raise NotFound(f"nothing has id {aggregate_id}")
        if version is not None and events[-1].originator_version < version:
            raise NotFound(f"{aggregate_id} has no version {version} "
                           f"(its last is {events[-1].originator_version})")
        for event in events:
            state = event.mutate(state)
            yield describe_event(event), state.to_dict()

    def feed(self, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """The global ordered feed after a position (positions only grow; a refused write
        can leave a gap on PostgreSQL, so never assume they are contiguous)."""
        return [describe_event(self._seen(event), position=position)
                for position, event in self.store.feed(after=after, limit=limit)]

    def _seen(self, event: Any) -> Any:
        """Learns an aggregate's identity from its first event in passing (a reader of the
        log in order then never reads it again)."""
        if event.originator_version == 1:
            self._remember(event.originator_id, event)
        return event

    def identity_from(self, first: Any) -> tuple[str, str]:
        """(type, program) of an aggregate, learnt from its first event (as ``feed`` does
        in passing, for readers of the log that decode it themselves)."""
        return self._remember(first.originator_id, first)

    def feed_at(self, positions: list[int]) -> list[dict[str, Any]]:
        """The events at these positions of the global order, as plain data."""
        return [describe_event(event, position=position)
                for position, event in self.store.feed_at(positions)]

    def resolve_external_id(self, kind: str, external_id: str,
                            program_id: str | None = None) -> dict[str, Any]:
        """What an HR-system id names: ``{kind, external_id, program_id, id}`` (and the
        mentor's ``person_id``). Raises NotFound."""
        try:
            claim = self.store.read(claim_id(kind, program_id, external_id))
        except ValueError:
            claim = None  # a program id that is not a UUID names nothing
        if not isinstance(claim, ExternalId) or claim.kind != kind:
            where = "" if kind == "program" else f" in program {program_id}"
            raise NotFound(f"no {kind} has external_id {external_id!r}{where}")
        found = claim.to_dict()
        if kind == "mentor":
            profile = self.store.read(parse_id(claim.target_id))
            found["person_id"] = getattr(profile, "person_id", None)
        return found

    def integration_feed(self, *, after: int, limit: int) -> list[IntegrationEvent]:
        """Events after a position in their public form (what webhooks and the relay send:
        personal text only as references), each with its program (None for an erasure,
        which belongs to a person)."""
        return self.public_forms(self.store.feed(after=after, limit=limit, sealed=True))

    def integration_feed_at(self, positions: list[int]) -> list[IntegrationEvent]:
        """The events at these positions of the global order, in their public form."""
        return self.public_forms(self.store.feed_at(positions, sealed=True))

    def public_forms(self, events: Iterable[tuple[int, Any]]) -> list[IntegrationEvent]:
        """(position, event) pairs, personal fields sealed, in their public form."""
        return [integration_event(event, position, self._public_program(event))
                for position, event in events]

    def _public_program(self, event: Any) -> str | None:
        kind, program = self._identity(self._seen(event).originator_id)
        return None if kind == "Erasure" else program

    def last_position(self) -> int:
        """The position of the newest stored event (0 when there is none)."""
        return self.store.last_position()

    def _identity(self, aggregate_id: str | UUID) -> tuple[str, str]:
        """(type, program) of an aggregate, from its first event; cached: neither changes."""
        uuid = parse_id(aggregate_id)
        known = self._identities.get(uuid)
        if known is None:
            first = self.store.events_of(uuid, lte=1)
            if not first:
                raise NotFound(f"nothing has id {aggregate_id}")
            known = self._remember(uuid, first[0])
        return known

    def _remember(self, uuid: UUID, first: Any) -> tuple[str, str]:
        """Caches (type, program) of an aggregate from its first event."""
        program = getattr(first, "program_id", None)
        known = (type(first).__qualname__.split(".")[0],
                 canonical_uuid(program) if program else str(uuid))
        if len(self._identities) > IDENTITY_CACHE_SIZE:
            self._identities.clear()
        self._identities[uuid] = known
        return known

    def _state(self, kind: type[A], aggregate_id: str, version: int | None,
               as_of: datetime | None) -> dict[str, Any]:
        if version is not None and version < 1:
            raise NotFound(f"{kind.__name__} versions start at 1")
        if as_of is not None:
            # A naive instant cannot be compared with stored times: refuse it, never crash.
            as_of = aware("as_of", as_of)
            version = self._version_at(parse_id(aggregate_id), as_of, version)
        aggregate = self.store.read(parse_id(aggregate_id), version)
        if not isinstance(aggregate, kind) or (version and aggregate.version != version):
            raise NotFound(f"no {kind.__name__} {aggregate_id}"
                           + (f" at version {version}" if version else ""))
        return aggregate.to_dict()

    def _version_at(self, aggregate_id: UUID, as_of: datetime, ceiling: int | None) -> int:
        """The last version recorded at or before ``as_of`` (binary search on timestamps)."""
        last = self.store.events_of(aggregate_id, desc=True, limit=1)
        if not last:
            raise NotFound(f"nothing has id {aggregate_id}")
        low, high, found = 1, min(last[0].originator_version, ceiling or 10**12), 0
        while low <= high:
            middle = (low + high) // 2
            event = self.store.events_of(aggregate_id, gt=middle - 1, lte=middle)[0]
            if event.timestamp <= as_of:
                found, low = middle, middle + 1
            else:
                high = middle - 1
        if not found:
            raise NotFound(f"{aggregate_id} did not exist yet at {as_of.isoformat()}")
        return found
