"""The event store: the ``eventsourcing`` application that persists every aggregate.

Persistence is chosen by the environment the composition root passes in (SQLite,
PostgreSQL or the library's in-memory store), never by ``os.environ``. Commands load
aggregates through an LRU cache, queries bypass it (a cached aggregate holds decrypted
personal text, which must never be served after its person was erased), and saves go
through one committer thread (group commit). A command may run on the event loop
(``loop_bridge``): whatever reads the database then runs in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import suppress
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Transcoder
from eventsourcing.utils import Environment, EnvType

from application.ports import WriteConflict
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship
from infrastructure.group_commit import DirectCommit, GroupCommit
from infrastructure.loop_bridge import off_loop
from infrastructure.shredding import Sealer, ShreddingMapper
from infrastructure.transcoding import DateAsISO, OrjsonTranscoder

SNAPSHOT_EVERY = 100
COMMAND_CACHE_SIZE = 10_000
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


SHARED = frozenset({str, int, float, bool, type(None), datetime, date, UUID, Decimal, bytes,
                    frozenset})


def private_copy(value: Any) -> Any:
    """A copy a command may change without touching the cached original: containers are
    copied, immutable values shared, anything else deep-copied (10x faster than
    ``deepcopy`` on a relationship's state, which is containers of immutables)."""
    kind = type(value)
    if kind in SHARED:
        return value
    if kind is dict:
        return {key: private_copy(item) for key, item in value.items()}
    if kind is list:
        return [private_copy(item) for item in value]
    if kind is tuple:
        return tuple([private_copy(item) for item in value])
    if kind is set:
        return set(value)  # members are hashable: immutable
    return deepcopy(value)


def copy_aggregate(aggregate: Any) -> Any:
    """An aggregate's private copy (its attributes copied with ``private_copy``)."""
    if hasattr(type(aggregate), "__slots__") and not hasattr(aggregate, "__dict__"):
        return deepcopy(aggregate)
    clone = object.__new__(type(aggregate))
    clone.__dict__.update({name: private_copy(item) for name, item in vars(aggregate).items()})
    return clone


def mutate_all(aggregate: Any, events: Any) -> Any:
    """Applies events in order (the library's version asserts a slow runtime protocol)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class EventStore(Application[UUID]):
    """Aggregates in, aggregates and events out; implements ``application.ports.EventStorePort``."""

    # The library names its PostgreSQL tables after the application: ``mentoring_events``.
    name = "mentoring"
    snapshotting_intervals = {
        Relationship: SNAPSHOT_EVERY,
        Goal: SNAPSHOT_EVERY,
        MentorProfile: SNAPSHOT_EVERY,
        Program: SNAPSHOT_EVERY,
    }
    snapshotting_projectors = dict.fromkeys(snapshotting_intervals, mutate_all)

    def __init__(self, env: EnvType | None = None, sealer: Sealer | None = None, *,
                 group_commit: bool = True) -> None:
        self.sealer = sealer
        super().__init__(env)
        committer = GroupCommit if group_commit else DirectCommit
        self._group: GroupCommit | DirectCommit = committer(self._save_now)
        self._appended = 0
        self.reader: Repository[UUID] = Repository(self.events, snapshot_store=self.snapshots)

    def construct_mapper(self) -> Mapper[UUID]:
        # Personal fields are sealed per person, so erasing a person is deleting a key.
        return ShreddingMapper(transcoder=self.construct_transcoder(), vault=self.sealer)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from the composition root, never from os.environ.
        settings = dict(type(self).env)
        settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        settings["AGGREGATE_CACHE_MAXSIZE"] = str(COMMAND_CACHE_SIZE)
        settings.update(env or {})
        return Environment(name, settings)

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- the port -------------------------------------------------------------

    def load(self, aggregate_id: UUID, *, trust_cache: bool) -> tuple[Any, bool] | None:
        """A copy to change: from the cache without a read when trusted, else fast-forwarded
        from the store (the library's cached repository reads the newer events)."""
        cache = self.repository.cache
        if trust_cache and cache is not None:
            with suppress(KeyError):
                return copy_aggregate(cache.get(aggregate_id)), True
        return off_loop(self._fetch, aggregate_id)

    def _fetch(self, aggregate_id: UUID) -> tuple[Any, bool] | None:
        try:
            return self.repository.get(aggregate_id, projector_func=mutate_all), False
        except AggregateNotFoundError:
            return None

    def read(self, aggregate_id: UUID, version: int | None = None) -> Any | None:
        return off_loop(self._read, aggregate_id, version)

    def _read(self, aggregate_id: UUID, version: int | None) -> Any | None:
        try:
            return self.reader.get(aggregate_id, version=version, projector_func=mutate_all)
        except AggregateNotFoundError:
            return None

    def commit(self, *aggregates: Any) -> int | None:
        try:
            return self._group.save(*aggregates)
        except IntegrityError as error:
            for aggregate in aggregates:
                self.forget(aggregate.id)
            raise WriteConflict(str(error)) from error

    def forget(self, aggregate_id: UUID) -> None:
        if self.repository.cache is not None:
            with suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def back_off(self, seconds: float) -> None:
        off_loop(time.sleep, seconds)

    def events_of(self, aggregate_id: UUID, *, gt: int | None = None, lte: int | None = None,
                  desc: bool = False, limit: int | None = None) -> Sequence[Any]:
        return off_loop(lambda: list(self.events.get(aggregate_id, gt=gt, lte=lte, desc=desc,
                                                     limit=limit)))

    def feed(self, *, after: int, limit: int, sealed: bool = False
             ) -> Sequence[tuple[int, Any]]:
        notifications = off_loop(self.recorder.select_notifications,
                                 start=after, limit=limit, inclusive_of_start=False)
        mapper = self.mapper
        decode = (mapper.to_sealed_domain_event if sealed and isinstance(mapper, ShreddingMapper)
                  else mapper.to_domain_event)
        return [(n.id, decode(n)) for n in notifications]

    def feed_at(self, positions: Sequence[int], *, sealed: bool = False
                ) -> Sequence[tuple[int, Any]]:
        return off_loop(self._feed_at, positions, sealed)

    def _feed_at(self, positions: Sequence[int], sealed: bool) -> Sequence[tuple[int, Any]]:
        mapper = self.mapper
        decode = (mapper.to_sealed_domain_event if sealed and isinstance(mapper, ShreddingMapper)
                  else mapper.to_domain_event)
        found = []
        for position in positions:  # each an indexed lookup of one row
            (notification, *_) = self.recorder.select_notifications(
                start=position, limit=1) or (None,)
            if notification is not None and notification.id == position:
                found.append((position, decode(notification)))
        return found

    def last_position(self) -> int:
        return off_loop(self.recorder.max_notification_id) or 0

    def appended(self) -> int:
        return self._appended

    def close(self) -> None:
        self._group.close()
        super().close()

    # ---- the committer thread --------------------------------------------------

    def _save_now(self, *aggregates: Any) -> list[tuple[Any, int | None]]:
        """Saves in the committer thread, then keeps the new versions for the next command.

        Returns each aggregate with the global position of its last event."""
        recordings = self.save(*aggregates)
        self._appended += len(recordings)  # only the committer thread writes it
        if self.repository.cache is not None:
            for aggregate in aggregates:
                self.repository.cache.put(aggregate.id, aggregate)
        last = {r.domain_event.originator_id: r.notification.id for r in recordings}
        return [(aggregate, last.get(aggregate.id)) for aggregate in aggregates]
