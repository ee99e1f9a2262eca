"""How every command runs: load, change, commit; once more on fresh state if the cache lied.

Commands first run on aggregates taken from the event store's cache without a read
(most of the time they are current, and a read per command halves the write path).
A stale copy shows up either as a failed commit (another writer stored that version
first) or as a refusal that the current state might not justify; in both cases the
command runs a second time on aggregates read from the store, and that answer stands.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from application.ports import EventStorePort, PersonalDataVault, WriteConflict
from domain.base import ActorLike, MentoringAggregate, bookkeeping
from domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    DomainError,
    NotFound,
    VersionMismatch,
)
from domain.external_id import ExternalId, Kind, claim_id
from domain.mentor_profile import MentorProfile, mentor_profile_id
from domain.program import Program
from domain.relationship import Relationship

A = TypeVar("A", bound=MentoringAggregate)
CONFLICT_RETRIES = 5  # a command without If-Match decided again after losing a race
CONFLICT_BACKOFF = 0.005  # seconds, at most, before deciding again


@dataclass(frozen=True)
class Outcome:
    """What a command answers: the aggregate, its new version and status."""

    id: str
    version: int
    status: str | None = None
    extra: dict[str, Any] | None = None
    position: int | None = None  # the global position of the command's last event


class Change:
    """The aggregates a command changed (saved together), and what it answers besides."""

    def __init__(self, *aggregates: MentoringAggregate, **extra: Any) -> None:
        self.aggregates, self.extra = aggregates, extra or None


class StaleCache(Exception):
    """A command ran on a cached aggregate that another writer had moved on."""


class Attempt:
    """One try at a command: the aggregates it loads, and whether it trusted the cache."""

    def __init__(self, store: EventStorePort, *, trust_cache: bool) -> None:
        self.store, self.trust_cache = store, trust_cache
        self.trusted = False  # some aggregate came from the cache without a read

    def load(self, kind: type[A], aggregate_id: str | UUID,
             expected_version: int | None = None) -> A:
        """An aggregate to change; ``expected_version`` is the caller's If-Match."""
        found = self.store.load(parse_id(aggregate_id), trust_cache=self.trust_cache)
        if found is None or not isinstance(found[0], kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        aggregate: A = found[0]
        cached = found[1]
        self.trusted = self.trusted or cached
        if expected_version is not None and aggregate.version != expected_version:
            if cached:
                raise StaleCache  # the cache may be behind: check against the store
            raise VersionMismatch(expected_version, aggregate.version)
        return aggregate

    def check(self, kind: type[A], aggregate_id: str | UUID) -> A:
        """An aggregate the command reads but does not change: always read from the store."""
        aggregate = self.store.read(parse_id(aggregate_id))
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        return aggregate


Command = Callable[[Attempt], Change]


class UseCases:
    """The base of every group of use cases: the store, the vault, and running commands."""

    def __init__(self, store: EventStorePort, vault: PersonalDataVault | None = None) -> None:
        self.store, self.vault = store, vault

    def _run(self, command: Command, *, expected_version: int | None = None) -> Outcome:
        """Runs a command on cached aggregates; if the cache was stale, once more on fresh.

        Without an expected version the caller asked for "whatever the current state is",
        so a command that lost a race with another writer is decided again on the new
        state (a few times at most) instead of failing with ``ConcurrentUpdate``."""
        attempt = Attempt(self.store, trust_cache=True)
        conflicts_left = CONFLICT_RETRIES if expected_version is None else 0
        while True:
            try:
                return self._commit(attempt, command(attempt))
            except StaleCache:
                pass
            except ConcurrentUpdate:
                if not conflicts_left:
                    raise
                conflicts_left -= 1
                self.store.back_off(random.uniform(0, CONFLICT_BACKOFF))  # out of lockstep
            except DomainError:
                # A refusal decided on a cached copy may be wrong: another process may
                # have moved the aggregate on (paused -> resumed, say). The store decides.
                if not attempt.trusted:
                    raise
            attempt = Attempt(self.store, trust_cache=False)

    def _commit(self, attempt: Attempt, change: Change) -> Outcome:
        try:
            position = self.store.commit(*change.aggregates)
        except WriteConflict as error:
            if attempt.trusted:
                raise StaleCache from error
            raise ConcurrentUpdate(
                "another writer changed this first; reload and try again") from error
        main = change.aggregates[0]
        return Outcome(str(main.id), main.version, getattr(main, "status", None), change.extra,
                       position)

    def _change(self, kind: type[A], aggregate_id: str | UUID, expected_version: int | None,
                mutate: Callable[[A], object], *, answer: str = "") -> Outcome:
        """Runs a command that changes one aggregate; ``answer`` names what it returns."""
        def command(attempt: Attempt) -> Change:
            aggregate = attempt.load(kind, aggregate_id, expected_version)
            result = mutate(aggregate)
            return Change(aggregate, **{answer: result}) if answer else Change(aggregate)

        return self._run(command, expected_version=expected_version)

    @staticmethod
    def _mentor_of(attempt: Attempt, relationship: Relationship, *,
                   change: bool = True) -> MentorProfile:
        """The relationship's mentor profile, to change (or only to check)."""
        profile_id = mentor_profile_id(relationship.program_id, relationship.mentor_id)
        try:
            if change:
                return attempt.load(MentorProfile, profile_id)
            return attempt.check(MentorProfile, profile_id)
        except NotFound:
            raise NotFound(f"{relationship.mentor_id} is not a mentor in program "
                           f"{relationship.program_id}") from None

    def _open_program(self, attempt: Attempt, program_id: str) -> Program:
        """The program, checked open (read from the store: the command does not change it)."""
        program = attempt.check(Program, program_id)
        program.check_open()
        return program

    def _create(self, aggregate: MentoringAggregate) -> Outcome:
        """Stores a new aggregate (its id is new, so there is no cache to distrust)."""
        try:
            return self._commit(Attempt(self.store, trust_cache=False), Change(aggregate))
        except ConcurrentUpdate:
            # Ids that follow from the content (a person's mentor profile in a program):
            # another request created the same aggregate first.
            raise AlreadyExists(f"{type(aggregate).__name__} {aggregate.id} exists already"
                                ) from None


class NamedCreation:
    """Creating an aggregate with an external id: the claim is stored in the same commit."""

    def __init__(self, cases: UseCases, kind: Kind, external_id: str | None,
                 program_id: str) -> None:
        self.cases, self.kind, self.external_id = cases, kind, external_id
        self.program_id = program_id

    def check_free(self) -> None:
        """Refuses an external id another resource has (before deciding anything else)."""
        if self.external_id is not None and self.cases.store.events_of(
                claim_id(self.kind, self.program_id, self.external_id), lte=1):
            raise AlreadyExists(self.taken())

    def create(self, aggregate: MentoringAggregate, actor: ActorLike,
               at: datetime | None) -> Outcome:
        if self.external_id is None:
            return self.cases._create(aggregate)
        program = str(aggregate.id) if self.kind == "program" else self.program_id
        claim = ExternalId.claim(kind=self.kind, external_id=self.external_id,
                                 program_id=program, target_id=str(aggregate.id),
                                 actor=bookkeeping(actor), at=at)
        try:
            return self.cases._commit(Attempt(self.cases.store, trust_cache=False),
                                      Change(aggregate, claim))
        except ConcurrentUpdate:
            self.check_free()  # the claim lost the race ...
            raise AlreadyExists(  # ... or the aggregate's own id was taken
                f"{type(aggregate).__name__} {aggregate.id} exists already") from None

    def taken(self) -> str:
        where = "" if self.kind == "program" else f" in program {self.program_id}"
        return f"external_id {self.external_id!r} already names another {self.kind}{where}"


def profile_id(program_id: str, person_id: str) -> UUID:
    """The id of a person's mentor profile in a program, whatever spelling of the program's
    id was given (an id that is not a UUID names no program: not found)."""
    return mentor_profile_id(str(parse_id(program_id)), person_id)


def parse_id(aggregate_id: str | UUID) -> UUID:
    """Turns an id from outside into a UUID; anything else is simply not found."""
    if isinstance(aggregate_id, UUID):
        return aggregate_id
    try:
        return UUID(str(aggregate_id))
    except ValueError:
        raise NotFound(f"no aggregate has id {aggregate_id!r}") from None
