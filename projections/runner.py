"""Applies the notification log to read models in batches, exactly once, and rebuilds them.

Each batch: read the models' position, fetch up to ``batch_size`` notifications after it
(only the topics the models read), decode them once, then in ONE transaction lock each
model's position row, check nobody moved it meanwhile, write the changed view rows and
the new positions. A crash anywhere rolls the whole batch back; a restart resumes from
the last committed position, so no event is lost or applied twice. One model is simply
a group of one.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from infrastructure.log_reader import NotificationReader
from infrastructure.sql import UNAVAILABLE, SqlStore, TableMissing
from projections import feeds, tracking, versions
from projections.base import Batch, ReadModel
from projections.feeds import FedByKafka
from projections.versions import Target

log = logging.getLogger("projections.runner")
DEFAULT_BATCH = 2000
Progress = Callable[[int, int], None]  # (position reached, head)
Caches = dict[str, dict[str, dict[Any, Any]]]


@dataclass(frozen=True)
class BatchResult:
    """How far one batch moved its models: positions advanced and events applied."""

    advanced: int
    applied: int
    position: int
    head: int
    moved: bool = False  # another runner had moved a position: nothing was applied


@dataclass(frozen=True)
class Fetched:
    """A batch read from the log: the events after ``position`` up to ``reached``."""

    position: int
    reached: int
    head: int
    events: list[tuple[int, Any]]


class PositionMoved(RuntimeError):
    """Versions read together no longer stand at one position (two rebuilds at once)."""


class ViewGone(RuntimeError):
    """The version being written was switched off and dropped (a rebuild finished)."""


class ProjectionRunner:
    """Keeps read models up to date from one event store."""

    def __init__(self, reader: NotificationReader, sql: SqlStore, models: Sequence[ReadModel],
                 *, batch_size: int = DEFAULT_BATCH) -> None:
        self.reader, self.sql, self.models = reader, sql, list(models)
        self.batch_size = batch_size
        self._ready = False
        self._upgraded = False
        self._fed_logged: set[str] = set()

    def setup(self) -> None:
        """Creates the control tables and the first version of every model (idempotent)."""
        versions.setup(self.sql, self.models)
        self._ready = True

    # ---- following the log --------------------------------------------------

    def position_of(self, model: ReadModel, version: int | None = None) -> tuple[int, int]:
        """(version, position) of ``version`` or, by default, of the live version."""
        if not self._ready:
            self.setup()
        with self.sql.transaction(write=False) as cursor:
            version = version or tracking.active_version(cursor, model.name)
            position = tracking.read_position(cursor, self.sql.kind, model.name, version or 0)
        if version is None or position is None:
            raise ViewGone(f"{model.name} v{version} has no position")
        return version, position

    def run_batch(self, model: ReadModel, version: int | None = None) -> BatchResult:
        """Applies the next batch to ``version`` (default: the live one) of a model."""
        version, position = self.position_of(model, version)
        head = self.reader.head()
        if position >= head:
            return BatchResult(0, 0, position, head)
        return self.commit([(model, version)], self.fetch([model], position, head))

    def fetch(self, models: Sequence[ReadModel], position: int, head: int) -> Fetched:
        """The next events after ``position`` (up to ``head``) that any of the models reads,
        decoded once for all of them."""
        topics = sorted({topic for model in models for topic in model.topics})
        notifications = self.reader.read(position, head, topics, self.batch_size)
        # A short page means nothing else of interest exists up to the head we read first.
        reached = notifications[-1].id if len(notifications) == self.batch_size else head
        return Fetched(position, reached, head, self.reader.decode(notifications))

    def commit(self, targets: Sequence[Target], fetched: Fetched,
               caches: Caches | None = None, *, isolated: bool = False) -> BatchResult:
        """Writes a fetched batch to every target and saves their positions, in ONE
        transaction, unless another runner moved one of them meanwhile. A batch that
        fails for what is in it (not because the database is away) is applied again event
        by event; ``isolated`` is that second pass, whose failures are the caller's."""
        kind = self.sql.kind
        try:
            with self.sql.transaction() as cursor:
                if caches is not None and kind == "postgres":
                    # A private rebuild's batch lost in a crash is simply built again (its
                    # position is lost with it), so it need not wait for the WAL flush.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    # A rebuild's batch is large and owns its tables: no request timeout.
                    cursor.execute("SET LOCAL statement_timeout TO 0")
                for model, version in targets:
                    locked = tracking.read_position(cursor, kind, model.name, version, lock=True)
                    if locked != fetched.position:
                        return BatchResult(0, 0, locked or 0, fetched.head, moved=True)
                fed = feeds.fed_versions(cursor)
                if fed.intersection((model.name, version) for model, version in targets):
                    raise FedByKafka(f"{', '.join(sorted(n for n, _ in fed))} are fed from "
                                     "Kafka (mentoring consume)")
                applied = 0
                for model, version in targets:
                    events = fetched.events if len(targets) == 1 else [
                        pair for pair in fetched.events if type(pair[1]) in model.handlers]
                    cache = None if caches is None else caches.setdefault(model.name, {})
                    model.apply(Batch(cursor, kind, model.table_names(version), cache), events)
                    tracking.save_position(cursor, model.name, version, fetched.reached,
                                           len(events))
                    applied += len(events)
        except TableMissing as error:
            names = ", ".join(f"{model.name} v{version}" for model, version in targets)
            raise ViewGone(f"{names}: a table was dropped") from error
        except UNAVAILABLE:
            raise  # the database, not the events: the worker retries the batch later
        except FedByKafka:
            raise
        except Exception as error:
            if isolated:
                raise
            log.warning("a batch failed (%s); applying it event by event", error)
            if caches is not None:
                caches.clear()  # the rows kept in memory may hold what was rolled back
            return self._isolate(targets, fetched)
        return BatchResult(fetched.reached - fetched.position, applied, fetched.reached,
                           fetched.head)

    def _isolate(self, targets: Sequence[Target], fetched: Fetched) -> BatchResult:
        """Applies a batch that failed one event at a time, model by model: an event that
        still fails is parked (recorded with its error in ``projection_parked``) and
        stepped over, so that no single event can stop a view. Positions end where the
        batch would have left them."""
        applied = 0
        for model, version in targets:
            position = fetched.position
            for event_position, event in fetched.events:
                if type(event) not in model.handlers:
                    continue
                one = Fetched(position, event_position, fetched.head,
                              [(event_position, event)])
                result = self._apply_or_park(model, version, one)
                if result.moved:
                    return result
                position, applied = event_position, applied + result.applied
            rest = self.commit([(model, version)], Fetched(position, fetched.reached,
                                                           fetched.head, []))
            if rest.moved:
                return rest
        return BatchResult(fetched.reached - fetched.position, applied, fetched.reached,
                           fetched.head)

    def _apply_or_park(self, model: ReadModel, version: int, one: Fetched) -> BatchResult:
        try:
            return self.commit([(model, version)], one, isolated=True)
        except (ViewGone, FedByKafka):
            raise
        except Exception as error:
            if isinstance(error, UNAVAILABLE):
                raise
            position, event = one.events[0]
            log.error("%s v%s parks event %s v%s at position %s: %s", model.name, version,
                      event.originator_id, event.originator_version, position, error)
            with self.sql.transaction() as cursor:
                locked = tracking.read_position(cursor, self.sql.kind, model.name, version,
                                                lock=True)
                if locked != one.position:
                    return BatchResult(0, 0, locked or 0, one.head, moved=True)
                tracking.park(cursor, model.name, version, position, event, error)
                tracking.save_position(cursor, model.name, version, position, 0)
            return BatchResult(position - one.position, 0, position, one.head)

    def catch_up(self, model: ReadModel, *, version: int | None = None,
                 stop: threading.Event | None = None, progress: Progress | None = None,
                 until: int | None = None) -> int:
        """Runs batches until the model has read the log (up to ``until`` if given; else to
        the newest event, however many arrive meanwhile); returns positions advanced."""
        target = (model, self.position_of(model, version)[0])
        return self.catch_up_group([target], stop=stop, progress=progress, until=until)

    def catch_up_group(self, targets: Sequence[Target], *, stop: threading.Event | None = None,
                       progress: Progress | None = None, until: int | None = None,
                       private: bool = False) -> int:
        """Runs model versions that stand at one position to the newest event (or
        ``until``) together: each batch is read and decoded once and applied to all, and
        the next batch is fetched in a second thread while the current one is written.

        ``private``: nobody else writes these versions (a rebuild before its switch), so
        the rows each batch commits are kept in memory for the next batches instead of
        being read back. A failed batch ends the call, and the memory with it."""
        with paused_cycle_collection(paused=private, collect_after=True):
            return self._follow(targets, stop, progress, until, {} if private else None)

    def _follow(self, targets: Sequence[Target], stop: threading.Event | None,
                progress: Progress | None, until: int | None, caches: Caches | None) -> int:
        newest = self.reader.head if until is None else lambda: until
        models = [model for model, _ in targets]
        position, total = self._common_position(targets), 0
        with ThreadPoolExecutor(1, thread_name_prefix="fetch") as pool:
            pending: Future[Fetched] | None = None
            while stop is None or not stop.is_set():
                if pending is None:
                    head = newest()
                    if position >= head:
                        break
                    pending = pool.submit(self.fetch, models, position, head)
                fetched = pending.result()
                head = fetched.head if fetched.reached < fetched.head else newest()
                pending = (pool.submit(self.fetch, models, fetched.reached, head)
                           if fetched.reached < head else None)
                result = self.commit(targets, fetched, caches)
                if result.moved:
                    # Another runner moved a position meanwhile: start again from where
                    # it left the versions (if they still stand together).
                    pending, position = None, self._common_position(targets)
                    continue
                position, total = result.position, total + result.advanced
                if progress is not None:
                    progress(result.position, head)
        return total

    def _common_position(self, targets: Sequence[Target]) -> int:
        positions = {self.position_of(model, version)[1] for model, version in targets}
        if len(positions) != 1:
            raise PositionMoved(f"{[m.name for m, _ in targets]} are not at one position")
        return positions.pop()

    def catch_up_all(self, stop: threading.Event | None = None) -> int:
        """One pass: every model up to the newest event as the pass starts.

        Fixing the target per pass keeps models fair under a steady stream of writes (the
        first would otherwise chase the head forever). Returns positions advanced.
        """
        if not self._upgraded:
            self.upgrade()
        total, target = 0, self.reader.head()
        fed = self.fed_models()
        for model in self.models:
            if stop is not None and stop.is_set():
                break
            if model.name in fed:
                continue  # ``mentoring consume`` writes it
            try:
                total += self.catch_up(model, stop=stop, until=target)
            except ViewGone:
                log.info("%s switched to a new version; continuing there", model.name)
            except FedByKafka:
                log.info("%s is now fed from Kafka; leaving it to the consumers", model.name)
        return total

    def fed_models(self) -> set[str]:
        """The models whose live version Kafka consumers write (``mentoring consume``)."""
        with self.sql.transaction(write=False) as cursor:
            live = tracking.active_versions(cursor)
            fed = feeds.fed_versions(cursor)
        names = {name for name, version in fed if live.get(name) == version}
        if names and names != self._fed_logged:
            log.warning("%s are fed from Kafka by mentoring consume: this worker leaves "
                        "them alone", ", ".join(sorted(names)))
        self._fed_logged = names
        return names

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
        targets = versions.create_next(self.sql, models)
        # Built together to the head as it was, then each to the newest event on its own.
        self.catch_up_group(targets, progress=progress, until=self.reader.head(), private=True)
        for model, version in targets:
            self.catch_up(model, version=version)
        versions.switch(self.sql, targets)
        # Readers that looked up the old version just before the switch finish on it first.
        time.sleep(drop_after)
        for model, version in targets:
            versions.drop_all_but(self.sql, model, keep=version)
        versions.analyze(self.sql, models)
        return {model.name: version for model, version in targets}

    def upgrade(self, progress: Progress | None = None) -> list[str]:
        """Rebuilds the models whose live version other code wrote (their tables changed
        shape, or their handlers' revision): readers keep the old version, answering "being
        rebuilt", until the new one is caught up and switched in. One process does it at a
        time; the others wait, then find nothing left to do. Returns the models rebuilt."""
        if not self._ready:
            self.setup()
        rebuilt: list[str] = []
        if versions.outdated(self.sql, self.models):
            with self.sql.exclusive("projection-upgrade"):
                outdated = versions.outdated(self.sql, self.models)  # another may have done it
                if outdated:
                    log.warning("rebuilding %s for this version of the service",
                                ", ".join(m.name for m in outdated))
                    self.rebuild_many(outdated, progress=progress)
                    rebuilt = [m.name for m in outdated]
        self._upgraded = True
        return rebuilt

    # ---- status -------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        """Every model version's position, its lag behind the newest event, whether this
        code wrote it (``current``; an outdated version is rebuilt) and whether Kafka
        consumers write it (``fed``)."""
        if not self._ready:
            self.setup()
        head = self.reader.head()
        with self.sql.transaction(write=False) as cursor:
            rows = tracking.all_positions(cursor)
            fed = feeds.fed_versions(cursor)
        models = {m.name: m for m in self.models}
        return [{**row, "head": head, "lag": max(head - row["position"], 0),
                 "fed": (row["name"], row["version"]) in fed,
                 "current": row["name"] in models
                 and row["fingerprint"] == models[row["name"]].fingerprint(self.sql.kind)}
                for row in rows]

    def parked(self) -> list[dict[str, Any]]:
        """The events the live versions stepped over, with their errors."""
        if not self._ready:
            self.setup()
        with self.sql.transaction(write=False) as cursor:
            return tracking.parked(cursor)


@contextmanager
def paused_cycle_collection(*, paused: bool = True, collect_after: bool = False
                            ) -> Iterator[None]:
    """Pauses the cycle collector while a batch of many new objects is alive (a private
    rebuild's rows, an export's decoded events); ``collect_after`` runs one collection
    when it ends.

    Such a batch holds tens of thousands of live objects and no cycles to speak of: the
    collector's passes would scan them again and again to find next to nothing
    (measured: 15% of a 1M-event rebuild, half of an export's decoding). Reference
    counting still frees everything."""
    collecting = paused and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
            if collect_after:
                gc.collect()


def select(models: Iterable[ReadModel], names: Sequence[str]) -> list[ReadModel]:
    """The models with these names (all of them when no name is given)."""
    by_name = {m.name: m for m in models}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown projection(s): {', '.join(unknown)}; "
                       f"known: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names] if names else list(by_name.values())
