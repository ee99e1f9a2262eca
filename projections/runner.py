"""Applies the notification log to read models in batches, exactly once, and rebuilds them.

Each batch: read the model's position, fetch up to ``batch_size`` notifications after it
(only the topics the model reads), decode them, then in ONE transaction lock the
position row, check nobody moved it meanwhile, write the changed view rows and the new
position. A crash anywhere rolls the whole batch back; a restart resumes from the last
committed position, so no event is lost or applied twice.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

from eventsourcing.persistence import Mapper

from infrastructure.event_store import EventStore
from infrastructure.sql import SqlStore
from projections import tracking
from projections.base import Batch, ReadModel
from projections.sql import MISSING_TABLE_ERRORS

log = logging.getLogger("projections.runner")
DEFAULT_BATCH = 2000
Progress = Callable[[int, int], None]  # (position reached, head)


@dataclass(frozen=True)
class BatchResult:
    """How far one batch moved a model: positions advanced and events applied."""

    advanced: int
    applied: int
    position: int
    head: int
    moved: bool = False  # another runner had moved the position: nothing was applied


@dataclass(frozen=True)
class Fetched:
    """A batch read from the log: the events after ``position`` up to ``reached``."""

    position: int
    reached: int
    head: int
    events: list[tuple[int, Any]]


class RawNotification(NamedTuple):
    """A stored event as the mapper reads it (duck-typed ``Notification``)."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


SELECT_NOTIFICATIONS = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM {table} "
    "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) "
    "ORDER BY notification_id LIMIT %s")


class PositionMoved(RuntimeError):
    """A version being rebuilt was moved by someone else (two rebuilds at once)."""


class ViewGone(RuntimeError):
    """The version being written was switched off and dropped (a rebuild finished)."""


class ProjectionRunner:
    """Keeps read models up to date from one event store."""

    def __init__(self, service: EventStore, store: SqlStore, models: Sequence[ReadModel],
                 *, batch_size: int = DEFAULT_BATCH) -> None:
        self.service, self.store, self.models = service, store, list(models)
        self.batch_size = batch_size
        self._ready = False

    def setup(self) -> None:
        """Creates the control tables and the first version of every model (idempotent)."""
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, self.store.kind)
            tracking.create_control_tables(cursor, self.store.kind)
            for model in self.models:
                tracking.ensure_model(cursor, self.store.kind, model)
        self._ready = True

    # ---- following the log --------------------------------------------------

    def run_batch(self, model: ReadModel, version: int | None = None) -> BatchResult:
        """Applies the next batch to ``version`` (default: the live one) of a model."""
        version, position = self.position_of(model, version)
        head = self.service.last_position()
        if position >= head:
            return BatchResult(0, 0, position, head)
        return self.commit(model, version, self.fetch(model, position, head))

    def position_of(self, model: ReadModel, version: int | None = None) -> tuple[int, int]:
        """(version, position) of ``version`` or, by default, of the live version."""
        if not self._ready:
            self.setup()
        with self.store.transaction(write=False) as cursor:
            version = version or tracking.active_version(cursor, model.name)
            position = tracking.read_position(cursor, self.store.kind, model.name, version or 0)
        if version is None or position is None:
            raise ViewGone(f"{model.name} v{version} has no position")
        return version, position

    def fetch(self, model: ReadModel | Sequence[ReadModel], position: int, head: int) -> Fetched:
        """The next events after ``position`` (up to ``head``) that a model (or any of a group
        of models) reads, decoded once."""
        models = [model] if isinstance(model, ReadModel) else list(model)
        topics = sorted({topic for m in models for topic in m.topics})
        notifications = self.select(position, head, topics)
        # A short page means nothing else of interest exists up to the head we read first.
        reached = notifications[-1].id if len(notifications) == self.batch_size else head
        return Fetched(position, reached, head, self.decode(models, notifications))

    def select(self, position: int, head: int, topics: list[str]) -> Sequence[Any]:
        """Up to ``batch_size`` notifications after ``position`` up to ``head`` of ``topics``.

        On PostgreSQL, read as plain tuples: the library's frozen ``Notification`` objects
        and dict rows cost more than decoding the events' JSON in a rebuild."""
        recorder = self.service.recorder
        table = getattr(recorder, "events_table_name", None)
        schema = getattr(getattr(recorder, "datastore", None), "schema", None)
        if self.store.kind != "postgres" or not table or not schema:
            return recorder.select_notifications(
                start=position, limit=self.batch_size, stop=head, topics=topics,
                inclusive_of_start=False)
        with self.store.transaction(write=False) as cursor:
            cursor.execute(
                SELECT_NOTIFICATIONS.format(table=f'"{schema}"."{table}"'),
                (position, head, topics, self.batch_size))
            return [RawNotification._make(row) for row in cursor.fetchall()]

    def decode(self, model: ReadModel | Sequence[ReadModel],
               notifications: Sequence[Any]) -> list[tuple[int, Any]]:
        """Events of the notifications; personal fields opened only where a model reads them."""
        models = [model] if isinstance(model, ReadModel) else list(model)
        mapper = self.service.mapper
        personal = frozenset().union(*(m.personal_topics for m in models))
        if not personal:
            to_event = Mapper.to_domain_event
            return [(n.id, to_event(mapper, n)) for n in notifications]
        return [
            (n.id, mapper.to_domain_event(n) if n.topic in personal
             else Mapper.to_domain_event(mapper, n))
            for n in notifications
        ]

    def commit(self, model: ReadModel, version: int, fetched: Fetched) -> BatchResult:
        """Writes a fetched batch and its position in one transaction, if nobody moved it."""
        kind, events = self.store.kind, fetched.events
        try:
            with self.store.transaction() as cursor:
                locked = tracking.read_position(cursor, kind, model.name, version, lock=True)
                if locked != fetched.position:
                    # Another runner moved this version meanwhile: drop the batch, re-read.
                    return BatchResult(0, 0, locked or 0, fetched.head, moved=True)
                model.apply(Batch(cursor, kind, model.table_names(version)), events)
                tracking.save_position(cursor, model.name, version, fetched.reached,
                                       len(events))
        except Exception as error:
            if any(text in str(error) for text in MISSING_TABLE_ERRORS):
                raise ViewGone(f"{model.name} v{version} was dropped") from error
            raise
        return BatchResult(fetched.reached - fetched.position, len(events), fetched.reached,
                           fetched.head)

    def commit_group(self, versions: Sequence[tuple[ReadModel, int]], fetched: Fetched,
                     caches: dict[str, dict[str, dict[Any, Any]]] | None = None) -> BatchResult:
        """Applies one fetched batch to several models (each its own version) and saves every
        position, all in one transaction; the batch was read and decoded once for all."""
        kind = self.store.kind
        try:
            with self.store.transaction() as cursor:
                if caches is not None and kind == "postgres":
                    # A rebuild's batch lost in a crash is simply built again (its position
                    # is lost with it), so it need not wait for the WAL flush.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                for model, version in versions:
                    locked = tracking.read_position(cursor, kind, model.name, version, lock=True)
                    if locked != fetched.position:
                        raise PositionMoved(f"{model.name} v{version} moved to {locked}")
                applied = 0
                for model, version in versions:
                    handled = model.handlers
                    events = [pair for pair in fetched.events if type(pair[1]) in handled]
                    cache = None if caches is None else caches.setdefault(model.name, {})
                    model.apply(Batch(cursor, kind, model.table_names(version), cache), events)
                    tracking.save_position(cursor, model.name, version, fetched.reached,
                                           len(events))
                    applied += len(events)
        except Exception as error:
            if any(text in str(error) for text in MISSING_TABLE_ERRORS):
                raise ViewGone(f"a version of {[m.name for m, _ in versions]} was dropped"
                               ) from error
            raise
        return BatchResult(fetched.reached - fetched.position, applied, fetched.reached,
                           fetched.head)

    def catch_up_group(self, versions: Sequence[tuple[ReadModel, int]], *,
                       progress: Progress | None = None, until: int | None = None,
                       private: bool = False) -> int:
        """Runs several model versions that stand at the same position to the newest event
        (or ``until``) together: each batch is read and decoded once and applied to all.
        The next batch is fetched in a second thread while the current one is written.

        ``private``: nobody else writes these versions (a rebuild before its switch), so the
        rows each batch commits are kept in memory for the next batches instead of being
        read back. A failed batch ends the call, and the memory with it."""
        caches: dict[str, dict[str, dict[Any, Any]]] | None = {} if private else None
        collecting = gc.isenabled()
        if private:
            # The rows kept in memory only grow, and a batch holds tens of thousands of live
            # events: the cycle collector's passes would scan them again and again (measured:
            # 15% of a 1M-event rebuild) to find next to nothing. Reference counting still
            # frees everything; one collection at the end catches any cycle.
            gc.disable()
        try:
            return self._catch_up_group(versions, progress, until, caches)
        finally:
            if private and collecting:
                gc.enable()
                gc.collect()

    def _catch_up_group(self, versions: Sequence[tuple[ReadModel, int]],
                        progress: Progress | None, until: int | None,
                        caches: dict[str, dict[str, dict[Any, Any]]] | None) -> int:
        newest = self.service.last_position if until is None else lambda: until
        models = [model for model, _ in versions]
        positions = {self.position_of(model, version)[1] for model, version in versions}
        if len(positions) != 1:
            raise PositionMoved(f"{[m.name for m in models]} are not at one position")
        (position,) = positions
        total = 0
        with ThreadPoolExecutor(1, thread_name_prefix="fetch-group") as pool:
            pending: Future[Fetched] | None = None
            while True:
                if pending is None:
                    head = newest()
                    if position >= head:
                        break
                    pending = pool.submit(self.fetch, models, position, head)
                fetched = pending.result()
                head = fetched.head if fetched.reached < fetched.head else newest()
                pending = (pool.submit(self.fetch, models, fetched.reached, head)
                           if fetched.reached < head else None)
                result = self.commit_group(versions, fetched, caches)
                position, total = result.position, total + result.advanced
                if progress is not None:
                    progress(result.position, head)
        return total

    def catch_up(self, model: ReadModel, *, version: int | None = None,
                 stop: threading.Event | None = None, progress: Progress | None = None,
                 until: int | None = None) -> int:
        """Runs batches until the model has read the log (up to ``until`` if given; else
        to the newest event, however many arrive meanwhile); returns positions advanced.

        The next batch is fetched and decoded in a second thread while the current one is
        written, so reading the log and writing the views overlap.
        """
        newest = self.service.last_position if until is None else lambda: until
        total = 0
        with ThreadPoolExecutor(1, thread_name_prefix=f"fetch-{model.name}") as pool:
            version, position = self.position_of(model, version)
            pending: Future[Fetched] | None = None
            while stop is None or not stop.is_set():
                if pending is None:
                    head = newest()
                    if position >= head:
                        break
                    pending = pool.submit(self.fetch, model, position, head)
                fetched = pending.result()
                head = fetched.head if fetched.reached < fetched.head else newest()
                pending = (pool.submit(self.fetch, model, fetched.reached, head)
                           if fetched.reached < head else None)
                result = self.commit(model, version, fetched)
                if result.moved:
                    pending = None  # start again from where the other runner left it
                    version, position = self.position_of(model, version)
                    continue
                position, total = result.position, total + result.advanced
                if progress is not None:
                    progress(result.position, head)
        return total

    def catch_up_all(self, stop: threading.Event | None = None) -> int:
        """One pass: every model up to the newest event as the pass starts.

        Fixing the target per pass keeps models fair under a steady stream of writes (the
        first would otherwise chase the head forever). Returns positions advanced.
        """
        total, target = 0, self.service.last_position()
        for model in self.models:
            if stop is not None and stop.is_set():
                break
            try:
                total += self.catch_up(model, stop=stop, until=target)
            except ViewGone:
                log.info("%s switched to a new version; continuing there", model.name)
        return total

    # ---- rebuilding without downtime ----------------------------------------

    def rebuild(self, model: ReadModel, *, progress: Progress | None = None,
                drop_after: float = 1.0) -> int:
        """Builds a new version from the first event, switches readers to it, drops the old."""
        return self.rebuild_many([model], progress=progress, drop_after=drop_after)[model.name]

    def rebuild_many(self, models: Sequence[ReadModel], *, progress: Progress | None = None,
                     drop_after: float = 1.0) -> dict[str, int]:
        """Builds a new version of each model from the first event in ONE pass over the log
        (each batch read and decoded once, applied to every model, all positions committed
        with the rows), switches readers to all of them at once, then drops the old versions.
        Returns each model's new version."""
        if not self._ready:
            self.setup()
        if len({m.name for m in models}) != len(models):
            raise ValueError("a model is named twice")
        kind = self.store.kind
        versions: list[tuple[ReadModel, int]] = []
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, kind)
            for model in models:
                old = tracking.active_version(cursor, model.name) or 0
                new = max([old, *tracking.versions_of(cursor, model.name)]) + 1
                for statement in [*model.drop_statements(new),
                                  *model.create_statements(kind, new)]:
                    cursor.execute(statement)
                cursor.execute(tracking.INSERT_POSITION, (model.name, new, tracking.now_text()))
                versions.append((model, new))
        # Built together to the head as it was, then each to the newest event on its own.
        self.catch_up_group(versions, progress=progress, until=self.service.last_position(),
                            private=True)
        for model, version in versions:
            self.catch_up(model, version=version)
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, kind)
            for model, version in versions:
                cursor.execute(tracking.SWITCH_VERSION, (version, tracking.now_text(),
                                                         model.name))
        # Readers that looked up the old version just before the switch finish on it first.
        time.sleep(drop_after)
        for model, version in versions:
            self.drop_versions(model, keep=version)
        self.analyze(models)
        return {model.name: version for model, version in versions}

    def analyze(self, models: Sequence[ReadModel]) -> None:
        """Refreshes the planner's statistics of freshly built tables (PostgreSQL)."""
        if self.store.kind != "postgres":
            return
        with self.store.transaction() as cursor:
            versions = tracking.active_versions(cursor)
            for model in models:
                for physical in model.table_names(versions[model.name]).values():
                    cursor.execute(f"ANALYZE {physical}")

    def drop_versions(self, model: ReadModel, *, keep: int) -> list[int]:
        """Drops every version of a model but ``keep`` (old ones, failed rebuilds)."""
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, self.store.kind)
            dropped = [v for v in tracking.versions_of(cursor, model.name) if v != keep]
            for version in dropped:
                for statement in model.drop_statements(version):
                    cursor.execute(statement)
                cursor.execute(tracking.DELETE_POSITION, (model.name, version))
        return dropped

    # ---- status -------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        """Every model version's position and its lag behind the newest event."""
        if not self._ready:
            self.setup()
        head = self.service.last_position()
        with self.store.transaction(write=False) as cursor:
            rows = tracking.all_positions(cursor)
        return [{**row, "head": head, "lag": max(head - row["position"], 0)} for row in rows]


def select(models: Iterable[ReadModel], names: Sequence[str]) -> list[ReadModel]:
    """The models with these names (all of them when no name is given)."""
    by_name = {m.name: m for m in models}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown projection(s): {', '.join(unknown)}; "
                       f"known: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names] if names else list(by_name.values())
