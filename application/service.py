"""The application service: every command of the mentoring domain, and time travel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Transcoding
from eventsourcing.utils import Environment, EnvType

from application.records import describe_event
from domain.base import PERSON_FIELDS, MentoringAggregate, aware, now
from domain.erasure import Erasure
from domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    DomainError,
    NotFound,
    VersionMismatch,
)
from domain.goal import Goal
from domain.mentor_profile import MentorProfile, mentor_profile_id
from domain.program import Program
from domain.relationship import Relationship
from infrastructure.group_commit import GroupCommit
from infrastructure.shredding import PersonalDataVault, ShreddingMapper

A = TypeVar("A", bound=MentoringAggregate)
P = ParamSpec("P")
R = TypeVar("R")
SNAPSHOT_EVERY = 100
COMMAND_CACHE_SIZE = 10_000


def mutate_all(aggregate: Any, events: Any) -> Any:
    """Applies events in order (the library's version asserts a slow runtime protocol)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class DateAsISO(Transcoding):
    """Stores calendar dates (goal target dates) as ISO text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class StaleRead(Exception):
    """A command ran on a cached aggregate that another writer had moved on."""


def command(method: Callable[P, R]) -> Callable[P, R]:
    """Runs a command on cached aggregates; if the cache was stale, once more on fresh ones."""

    @wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        service: MentoringService = args[0]  # type: ignore[assignment]
        service._local.trusted = False
        try:
            return method(*args, **kwargs)
        except (StaleRead, DomainError) as error:
            # A refusal decided on a cached copy may be wrong: another process may have
            # moved the aggregate on (paused -> resumed, say). Only the store can tell.
            if not isinstance(error, StaleRead) and not getattr(service._local, "trusted", False):
                raise
            service._local.trusted = False
            service._local.fresh = True
            try:
                return method(*args, **kwargs)
            finally:
                service._local.fresh = False

    return run


@dataclass(frozen=True)
class Outcome:
    """What a command answers: the aggregate, its new version and status."""

    id: str
    version: int
    status: str | None = None
    extra: dict[str, Any] | None = None
    position: int | None = None  # the global position of the command's last event


class MentoringService(Application[UUID]):
    """All mentoring commands and queries over one event store."""

    name = "mentoring"
    snapshotting_intervals = {
        Relationship: SNAPSHOT_EVERY,
        Goal: SNAPSHOT_EVERY,
        MentorProfile: SNAPSHOT_EVERY,
        Program: SNAPSHOT_EVERY,
    }
    snapshotting_projectors = dict.fromkeys(snapshotting_intervals, mutate_all)

    def __init__(self, env: EnvType | None = None,
                 vault: PersonalDataVault | None = None) -> None:
        self.vault = vault
        self._local = threading.local()
        self._identities: dict[UUID, tuple[str, str]] = {}
        super().__init__(env)
        self._group = GroupCommit(self._save_now, IntegrityError)
        # Queries read through an uncached repository: a cached aggregate keeps decrypted
        # text in memory, which must never be served after its person was erased.
        self.reader: Repository[UUID] = Repository(self.events, snapshot_store=self.snapshots)

    def construct_mapper(self) -> Mapper[UUID]:
        # Personal fields are sealed per person, so erasing a person is deleting a key.
        return ShreddingMapper(transcoder=self.construct_transcoder(), vault=self.vault)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from the composition root, never from os.environ.
        settings = dict(type(self).env)
        settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        # Commands load from an LRU cache, fast-forwarded from the store on every load.
        settings["AGGREGATE_CACHE_MAXSIZE"] = str(COMMAND_CACHE_SIZE)
        settings.update(env or {})
        return Environment(name, settings)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- programs -----------------------------------------------------------

    def create_program(self, *, name: str, description: str | None, actor: str,
                       at: datetime | None = None) -> Outcome:
        program = Program.create(name=name, description=description, actor=actor, at=at)
        return self._commit(program)

    @command
    def update_program(self, program_id: str, *, actor: str, expected_version: int | None = None,
                       **changes: Any) -> Outcome:
        program = self._load(Program, program_id, expected_version)
        program.update(actor=actor, **changes)
        return self._commit(program)

    @command
    def close_program(self, program_id: str, *, reason: str | None, actor: str,
                      expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        program = self._load(Program, program_id, expected_version)
        program.close(reason=reason, actor=actor, at=at)
        return self._commit(program)

    # ---- mentors ------------------------------------------------------------

    def register_mentor(self, *, program_id: str, person_id: str, actor: str,
                        at: datetime | None = None, **profile: Any) -> Outcome:
        self._open_program(program_id)
        if self._exists(mentor_profile_id(program_id, person_id)):
            raise AlreadyExists(f"{person_id} is already a mentor in program {program_id}")
        mentor = MentorProfile.register(
            program_id=program_id, person_id=person_id, actor=actor, at=at, **profile
        )
        return self._commit(mentor)

    @command
    def mentor_command(self, program_id: str, person_id: str, command: str, *,
                       expected_version: int | None = None, **kwargs: Any) -> Outcome:
        """Runs ``update``, ``change_capacity`` or ``retire`` on a mentor profile."""
        mentor = self._load(MentorProfile, mentor_profile_id(program_id, person_id),
                            expected_version)
        getattr(mentor, command)(**kwargs)
        return self._commit(mentor)

    # ---- relationships ------------------------------------------------------

    def request_relationship(self, *, program_id: str, mentor_id: str, mentee_id: str,
                             message: str, actor: str, at: datetime | None = None) -> Outcome:
        self._open_program(program_id)
        relationship = Relationship.request(program_id=program_id, mentor_id=mentor_id,
                                            mentee_id=mentee_id, message=message,
                                            actor=actor, at=at)
        mentor = self._mentor_of(relationship, write=False)
        mentor.check_not_retired()
        return self._commit(relationship)

    @command
    def accept_relationship(self, relationship_id: str, *, actor: str,
                            expected_version: int | None = None,
                            at: datetime | None = None) -> Outcome:
        relationship = self._load(Relationship, relationship_id, expected_version)
        mentor = self._mentor_of(relationship)
        relationship.accept(actor=actor, at=at)
        mentor.assign_mentee(relationship_id=str(relationship.id),
                             mentee_id=relationship.mentee_id, actor=actor, at=at)
        # One transaction: the place is taken if and only if the connection is made.
        return self._commit(relationship, mentor)

    @command
    def conclude_relationship(self, relationship_id: str, *, reason: str, outcome: str,
                              actor: str, expected_version: int | None = None,
                              at: datetime | None = None) -> Outcome:
        relationship = self._load(Relationship, relationship_id, expected_version)
        mentor = self._mentor_of(relationship)
        relationship.conclude(reason=reason, outcome=outcome, actor=actor, at=at)
        mentor.release_mentee(relationship_id=str(relationship.id), actor=actor, at=at)
        return self._commit(relationship, mentor)

    @command
    def relationship_command(self, relationship_id: str, command: str, *,
                             expected_version: int | None = None, **kwargs: Any) -> Outcome:
        """Runs one of the relationship's own commands (those that touch nothing else)."""
        if command not in RELATIONSHIP_COMMANDS:
            raise ValueError(f"not a relationship command: {command}")
        relationship = self._load(Relationship, relationship_id, expected_version)
        result = getattr(relationship, command)(**kwargs)
        extra = {RELATIONSHIP_COMMANDS[command]: result} if result else None
        return self._commit(relationship, extra=extra)

    # ---- goals --------------------------------------------------------------

    def define_goal(self, *, program_id: str, mentee_id: str, actor: str,
                    relationship_id: str | None = None, at: datetime | None = None,
                    **goal: Any) -> Outcome:
        self._open_program(program_id)
        if relationship_id:
            self._check_goal_fits(relationship_id, program_id, mentee_id)
        created = Goal.define(program_id=program_id, mentee_id=mentee_id, actor=actor, at=at,
                              relationship_id=relationship_id, **goal)
        return self._commit(created)

    @command
    def link_goal(self, goal_id: str, *, relationship_id: str, actor: str,
                  expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        goal = self._load(Goal, goal_id, expected_version)
        self._check_goal_fits(relationship_id, goal.program_id, goal.mentee_id)
        goal.link_to(relationship_id=relationship_id, actor=actor, at=at)
        return self._commit(goal)

    @command
    def goal_command(self, goal_id: str, command: str, *, expected_version: int | None = None,
                     **kwargs: Any) -> Outcome:
        """Runs ``revise``, ``record_progress``, ``achieve`` or ``abandon`` on a goal."""
        if command not in GOAL_COMMANDS:
            raise ValueError(f"not a goal command: {command}")
        goal = self._load(Goal, goal_id, expected_version)
        getattr(goal, command)(**kwargs)
        return self._commit(goal)

    # ---- personal data ------------------------------------------------------

    def erase_person(self, person_id: str, *, reason: str | None, actor: str) -> dict[str, Any]:
        """Destroys the person's key (idempotent) and records who erased, when and why."""
        vault = self._vault()
        past = vault.erasures_of(person_id)
        if not vault.has_key(person_id):
            if past:
                erasure_id, erased_at = past[-1]
                return {"person_id": person_id, "erasure_id": erasure_id,
                        "erased_at": erased_at, "already_erased": True}
            if not vault.aggregates_of(person_id):
                raise NotFound(f"no personal data about {person_id}")
        erasure = Erasure.record(person_id=person_id, reason=reason, actor=actor)
        self._commit(erasure)
        erased_at = erasure.created_on.isoformat()
        vault.destroy_key(person_id, str(erasure.id), erased_at)
        for aggregate_id in vault.aggregates_of(person_id):
            self._forget(parse_id(aggregate_id))  # no decrypted copy left in memory
        return {"person_id": person_id, "erasure_id": str(erasure.id),
                "erased_at": erased_at, "already_erased": False}

    def subject_access(self, person_id: str) -> dict[str, Any]:
        """Everything held about a person: the events that name them or carry their data."""
        vault = self._vault()
        aggregate_ids = vault.aggregates_of(person_id)
        erasures = vault.erasures_of(person_id)
        if not aggregate_ids and not erasures:
            raise NotFound(f"no data about {person_id}")
        records = []
        for aggregate_id in aggregate_ids:
            events = [
                _only_their_data(describe_event(event), event, person_id)
                for event in self._events(parse_id(aggregate_id))
                if person_id in (event.__dict__.get(name) for name in PERSON_FIELDS)
            ]
            if events:
                records.append({"aggregate": events[0]["aggregate"], "id": aggregate_id,
                                "events": events})
        return {"person_id": person_id, "generated_at": now(),
                "personal_data_readable": vault.has_key(person_id),
                "erasures": [{"erasure_id": e, "erased_at": at} for e, at in erasures],
                "aggregates": records}

    def _vault(self) -> PersonalDataVault:
        if self.vault is None:
            raise NotFound("personal data is not sealed in this deployment")
        return self.vault

    # ---- queries ------------------------------------------------------------

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
        return self._state(Program, program_id, version, as_of)

    def mentor(self, program_id: str, person_id: str, *, version: int | None = None,
               as_of: datetime | None = None) -> dict[str, Any]:
        return self._state(MentorProfile, str(mentor_profile_id(program_id, person_id)),
                           version, as_of)

    def program_of(self, aggregate_id: str) -> str:
        """The program an aggregate belongs to (its id for a program). Raises NotFound."""
        return self._identity(aggregate_id)[1]

    def aggregate_type(self, aggregate_id: str) -> str:
        """``Relationship``, ``Goal``, ``MentorProfile``, ``Program`` or ``Erasure``."""
        return self._identity(aggregate_id)[0]

    def _identity(self, aggregate_id: str) -> tuple[str, str]:
        """(type, program) of an aggregate, from its first event; cached: neither changes."""
        uuid = parse_id(aggregate_id)
        known = self._identities.get(uuid)
        if known is None:
            first = self._events(uuid, lte=1)
            if not first:
                raise NotFound(f"nothing has id {aggregate_id}")
            known = (type(first[0]).__qualname__.split(".")[0],
                     getattr(first[0], "program_id", None) or str(uuid))
            if len(self._identities) > COMMAND_CACHE_SIZE * 10:
                self._identities.clear()
            self._identities[uuid] = known
        return known

    def history(self, aggregate_id: str) -> list[dict[str, Any]]:
        """Every event of one aggregate, in order, as plain data."""
        events = self._events(parse_id(aggregate_id))
        if not events:
            raise NotFound(f"nothing has id {aggregate_id}")
        return [describe_event(e) for e in events]

    def replay(self, aggregate_id: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Each event of an aggregate with the state right after it."""
        state: Any = None
        events = self._events(parse_id(aggregate_id))
        if not events:
            raise NotFound(f"nothing has id {aggregate_id}")
        for event in events:
            state = event.mutate(state)
            yield describe_event(event), state.to_dict()

    def feed(self, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """The global ordered feed after a position (positions only grow; a refused write
        can leave a gap on PostgreSQL, so never assume they are contiguous)."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        return [
            describe_event(self.mapper.to_domain_event(n), position=n.id) for n in notifications
        ]

    def close(self) -> None:
        self._group.close()
        super().close()

    def last_position(self) -> int:
        """The position of the newest stored event (0 when there is none)."""
        return self.recorder.max_notification_id() or 0

    # ---- plumbing -----------------------------------------------------------

    def _commit(self, *aggregates: MentoringAggregate,
                extra: dict[str, Any] | None = None) -> Outcome:
        trusted = getattr(self._local, "trusted", False)
        self._local.trusted = False
        try:
            position = self._group.save(*aggregates)
        except IntegrityError as error:
            for aggregate in aggregates:
                self._forget(aggregate.id)
            if trusted and not getattr(self._local, "fresh", False):
                raise StaleRead from error
            raise ConcurrentUpdate(
                "another writer changed this first; reload and try again"
            ) from error
        main = aggregates[0]
        return Outcome(str(main.id), main.version, getattr(main, "status", None), extra,
                       position)

    def _save_now(self, *aggregates: MentoringAggregate) -> list[tuple[Any, int | None]]:
        """Saves in the committer thread, then keeps the new versions for the next command.

        Returns each aggregate with the global position of its last event."""
        recordings = self.save(*aggregates)
        if self.repository.cache is not None:
            for aggregate in aggregates:
                self.repository.cache.put(aggregate.id, aggregate)
        last = {r.domain_event.originator_id: r.notification.id for r in recordings}
        return [(aggregate, last.get(aggregate.id)) for aggregate in aggregates]

    def _forget(self, aggregate_id: UUID) -> None:
        if self.repository.cache is not None:
            with suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def _load(self, kind: type[A], aggregate_id: str | UUID,
              expected_version: int | None = None, *, write: bool = True) -> A:
        """An aggregate to change (cached) or, with ``write=False``, to check (fresh)."""
        uuid = parse_id(aggregate_id)
        aggregate: Any = None
        if write and self.repository.cache is not None and not getattr(self._local, "fresh", False):
            try:
                cached = self.repository.cache.get(uuid)
            except KeyError:
                cached = None
            if cached is not None:
                # Trusted without a read: a stale copy fails on save and the command reruns.
                aggregate, self._local.trusted = deepcopy(cached), True
        if aggregate is None:
            repository = self.repository if write else self.reader
            try:
                aggregate = repository.get(uuid, projector_func=mutate_all)
            except AggregateNotFoundError:
                raise NotFound(f"no {kind.__name__} {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        if expected_version is not None and aggregate.version != expected_version:
            if getattr(self._local, "trusted", False) and not getattr(self._local, "fresh", False):
                raise StaleRead  # the cache may be behind: check against the store
            raise VersionMismatch(expected_version, aggregate.version)
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self._events(aggregate_id, lte=1))

    def _open_program(self, program_id: str) -> Program:
        program = self._load(Program, program_id, write=False)
        program.check_open()
        return program

    def _mentor_of(self, relationship: Relationship, *, write: bool = True) -> MentorProfile:
        mentor_id = mentor_profile_id(relationship.program_id, relationship.mentor_id)
        try:
            return self._load(MentorProfile, mentor_id, write=write)
        except NotFound:
            raise NotFound(
                f"{relationship.mentor_id} is not a mentor in program {relationship.program_id}"
            ) from None

    def _check_goal_fits(self, relationship_id: str, program_id: str, mentee_id: str) -> None:
        relationship = self._load(Relationship, relationship_id, write=False)
        if relationship.program_id != program_id or relationship.mentee_id != mentee_id:
            raise NotFound(f"no relationship {relationship_id} of mentee {mentee_id}")

    def _events(self, aggregate_id: UUID, **bounds: Any) -> list[Any]:
        return list(self.events.get(aggregate_id, **bounds))

    def _state(self, kind: type[A], aggregate_id: str, version: int | None,
               as_of: datetime | None) -> dict[str, Any]:
        if version is not None and version < 1:
            raise NotFound(f"{kind.__name__} versions start at 1")
        if as_of is not None:
            # A naive instant cannot be compared with stored times: refuse it, never crash.
            as_of = aware("as_of", as_of)
            version = self._version_at(parse_id(aggregate_id), as_of, version)
        try:
            aggregate = self.reader.get(parse_id(aggregate_id), version=version,
                                        projector_func=mutate_all)
        except AggregateNotFoundError:
            raise NotFound(f"no {kind.__name__} {aggregate_id} at that version") from None
        if not isinstance(aggregate, kind) or (version and aggregate.version != version):
            raise NotFound(f"no {kind.__name__} {aggregate_id} at version {version}")
        return aggregate.to_dict()

    def _version_at(self, aggregate_id: UUID, as_of: datetime, ceiling: int | None) -> int:
        """The last version recorded at or before ``as_of`` (binary search on timestamps)."""
        last = self._events(aggregate_id, desc=True, limit=1)
        if not last:
            raise NotFound(f"nothing has id {aggregate_id}")
        low, high, found = 1, min(last[0].originator_version, ceiling or 10**12), 0
        while low <= high:
            middle = (low + high) // 2
            event = self._events(aggregate_id, gt=middle - 1, lte=middle)[0]
            if event.timestamp <= as_of:
                found, low = middle, middle + 1
            else:
                high = middle - 1
        if not found:
            raise NotFound(f"{aggregate_id} did not exist yet at {as_of.isoformat()}")
        return found


def _only_their_data(record: dict[str, Any], event: Any, person_id: str) -> dict[str, Any]:
    """Hides personal fields that are about someone else."""
    if event.__dict__.get("subject_id", person_id) != person_id:
        hidden = dict.fromkeys(getattr(type(event), "PERSONAL_FIELDS", ()), "[another person]")
        record["data"] = {**record["data"], **hidden}
    return record


def parse_id(aggregate_id: str | UUID) -> UUID:
    """Turns an id from outside into a UUID; anything else is simply not found."""
    if isinstance(aggregate_id, UUID):
        return aggregate_id
    try:
        return UUID(str(aggregate_id))
    except ValueError:
        raise NotFound(f"no aggregate has id {aggregate_id!r}") from None


# Command name -> name of the value it returns (the new session's or feedback's id).
RELATIONSHIP_COMMANDS = {
    "decline": "",
    "set_expectations": "",
    "schedule_session": "session_id",
    "hold_session": "",
    "cancel_session": "",
    "miss_session": "",
    "receive_feedback": "feedback_id",
    "acknowledge_feedback": "",
    "share_experience": "",
    "apply_advice": "",
    "report_progress": "",
    "express_gratitude": "",
    "review": "",
    "pause": "",
    "resume": "",
}
GOAL_COMMANDS = ("revise", "record_progress", "achieve", "abandon")
