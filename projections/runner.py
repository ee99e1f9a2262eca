"""Applies the notification log to read models in batches, exactly once, and rebuilds them.

Each batch: read the model's position, fetch up to ``batch_size`` notifications after it
(only the topics the model reads), decode them, then in ONE transaction lock the
position row, check nobody moved it meanwhile, write the changed view rows and the new
position. A crash anywhere rolls the whole batch back; a restart resumes from the last
committed position, so no event is lost or applied twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Mapper

from domain.application import MentoringService
from projections import tracking
from projections.base import Batch, ReadModel
from projections.sql import MISSING_TABLE_ERRORS
from projections.storage import SqlStore

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


class ViewGone(RuntimeError):
    """The version being written was switched off and dropped (a rebuild finished)."""


class ProjectionRunner:
    """Keeps read models up to date from one event store."""

    def __init__(self, service: MentoringService, store: SqlStore, models: Sequence[ReadModel],
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

    def fetch(self, model: ReadModel, position: int, head: int) -> Fetched:
        """The model's next events after ``position`` (up to ``head``), decoded."""
        notifications = self.service.recorder.select_notifications(
            start=position, limit=self.batch_size, stop=head, topics=model.topics,
            inclusive_of_start=False,
        )
        # A short page means nothing else of interest exists up to the head we read first.
        reached = notifications[-1].id if len(notifications) == self.batch_size else head
        return Fetched(position, reached, head, self.decode(model, notifications))

    def decode(self, model: ReadModel, notifications: Sequence[Any]) -> list[tuple[int, Any]]:
        """Events of the notifications; personal fields opened only where the model reads them."""
        mapper, personal = self.service.mapper, model.personal_topics
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
        if not self._ready:
            self.setup()
        kind = self.store.kind
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, kind)
            old = tracking.active_version(cursor, model.name) or 0
            new = max([old, *tracking.versions_of(cursor, model.name)]) + 1
            for statement in [*model.drop_statements(new), *model.create_statements(kind, new)]:
                cursor.execute(statement)
            cursor.execute(tracking.INSERT_POSITION, (model.name, new, tracking.now_text()))
        self.catch_up(model, version=new, progress=progress)
        with self.store.transaction() as cursor:
            tracking.lock_schema(cursor, kind)
            cursor.execute(tracking.SWITCH_VERSION, (new, tracking.now_text(), model.name))
        # Readers that looked up the old version just before the switch finish on it first.
        time.sleep(drop_after)
        self.drop_versions(model, keep=new)
        return new

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
