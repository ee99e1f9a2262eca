"""``mentoring consume``: read models built by a Kafka consumer group, one share of the
topic's partitions per process.

The relay puts all the events of a program in one partition, in global order
(``infrastructure.kafka.partition_for``), and every view row belongs to one program (or to
one aggregate), so processes that own different partitions write different rows and each
sees its programs' events in the order a rebuild would apply them: the views they build
together equal a rebuild from the event store.

A record carries the event's global position (``ce_position``); the event itself is read
from the store at that position and decoded as the projection runner decodes it (personal
fields sealed), so the views are written by the same code from the same events whatever
feeds them. Per poll and partition, ONE transaction locks the partition's row of every
view version (``projections.feeds``), applies the records whose position is above it,
moves the row to the last record's offset and position, and settles the version's
position: a crash anywhere rolls all of it back, and a record delivered again (after a
crash, a rebalance, or a relay's retry) is below the row's position and is skipped.
Offsets are also committed to the group afterwards, for the broker's lag tools only: the
database's are the ones read on assignment.

An event that a view cannot apply is parked, as the runner parks it, and the partition
moves on. If the database goes away, the consumer seeks back to the stored offsets and
tries again later: nothing is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from infrastructure.sql import UNAVAILABLE
from projections import feeds, tracking
from projections.base import Batch, ReadModel
from projections.runner import ProjectionRunner

log = logging.getLogger("workers.projection_consumer")
Target = tuple[ReadModel, int]
Item = tuple[int, int]  # (offset, position) of one record


class ProjectionConsumer:
    """Applies the records of the partitions this process is given until asked to stop."""

    def __init__(self, runner: ProjectionRunner, consumer: Callable[[], Any], topic: str, *,
                 published: Callable[[], tuple[int, dict[int, int]]], batch_size: int = 500,
                 poll_interval: float = 0.5) -> None:
        self.runner, self.sql, self.reader = runner, runner.sql, runner.reader
        self.make_consumer, self.topic, self.published = consumer, topic, published
        self.batch_size, self.poll_interval = batch_size, poll_interval
        self.stopping = threading.Event()
        self.targets: list[Target] = []
        self.partitions = 0
        self.applied = self.skipped = self.parked = 0
        self._consumer: Any = None
        self._marked = 0.0

    # ---- the loop ------------------------------------------------------------

    def run(self) -> None:
        """Rebuilds outdated views from the store first (as ``project`` does), joins the
        group, then applies what it is given until ``stop()``."""
        from kafka import ConsumerRebalanceListener

        self.runner.setup()
        self.runner.upgrade()
        consumer = self._consumer = self.make_consumer()
        worker = self

        class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
            def on_partitions_revoked(self, revoked: Any) -> None:
                log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

            def on_partitions_assigned(self, assigned: Any) -> None:
                log.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))
                worker.rewind(assigned)

        try:
            self.partitions = self._partition_count(consumer)
            self.claim()
            consumer.subscribe([self.topic], listener=Rebalance())
            while not self.stopping.is_set():
                try:
                    self.consume_once()
                except UNAVAILABLE:
                    log.exception("database unavailable; retrying from the stored offsets")
                    self.stopping.wait(self.poll_interval)
                    self.rewind(consumer.assignment())
        finally:
            consumer.close()

    def stop(self) -> None:
        self.stopping.set()

    def consume_once(self) -> None:
        """One poll: each partition's records in one transaction, then the group's
        offsets; now and then, the idle partitions marked caught up."""
        consumer = self._consumer
        if self.claim():
            self.rewind(consumer.assignment())  # a new version starts from the beginning
        polled = consumer.poll(timeout_ms=int(self.poll_interval * 1000),
                               max_records=self.batch_size)
        for partition, records in polled.items():
            if not self.targets:  # a version was dropped: claim the new one, read again
                break
            self.apply(partition.partition, [item for item in map(self._item, records)
                                             if item is not None])
        if polled:
            self._commit_group(consumer, polled)
        if not polled or time.monotonic() - self._marked > self.poll_interval:
            self.mark_caught_up()

    # ---- versions and partitions --------------------------------------------

    def claim(self) -> bool:
        """Takes the live version of every model (a new one after a rebuild). True if a
        version was claimed now: its partitions must be read from the beginning."""
        with self.sql.transaction(write=False) as cursor:
            live = tracking.active_versions(cursor)
        targets = [(model, live[model.name]) for model in self.runner.models]
        if targets == self.targets:
            return False
        claimed = []
        with self.sql.transaction() as cursor:
            for model, version in targets:
                if feeds.claim(cursor, self.sql.kind, model.name, version, self.topic,
                               self.partitions):
                    claimed.append(f"{model.name} v{version}")
        if claimed:
            log.info("fed from %s from now on: %s", self.topic, ", ".join(claimed))
        self.targets = targets
        return True

    def rewind(self, assigned: Any) -> None:
        """Seeks each partition to the lowest offset any live version still needs."""
        consumer = self._consumer
        names = [(model.name, version) for model, version in self.targets]
        with self.sql.transaction(write=False) as cursor:
            offsets = {tp: feeds.next_offsets(cursor, names, tp.partition) for tp in assigned}
        for tp, offset in offsets.items():
            consumer.seek(tp, offset or 0)

    def _partition_count(self, consumer: Any) -> int:
        deadline = time.monotonic() + 60
        while not (partitions := consumer.partitions_for_topic(self.topic)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {self.topic} has no partitions")
            time.sleep(0.2)
        return len(partitions)

    @staticmethod
    def _item(record: Any) -> Item | None:
        for name, value in record.headers or []:
            if name == "ce_position":
                return record.offset, int(value)
        log.warning("record at offset %d of %s/%d has no ce_position: skipped",
                    record.offset, record.topic, record.partition)
        return None

    # ---- applying ------------------------------------------------------------

    def apply(self, partition: int, items: Sequence[Item]) -> None:
        """Applies one partition's records to every live version in ONE transaction; if
        an event fails, again version by version and event by event, parking what fails."""
        if not items:
            return
        try:
            self._commit(partition, items, self.targets)
        except UNAVAILABLE:
            raise
        except feeds.VersionDropped as error:
            log.info("%s; claiming the live versions and reading again", error)
            self.targets = []  # the next poll claims them and seeks to their offsets
        except Exception as error:
            log.warning("partition %d: a batch failed (%s); applying it event by event",
                        partition, error)
            for target in self.targets:
                for item in items:
                    try:
                        self._commit(partition, [item], [target])
                    except UNAVAILABLE:
                        raise
                    except Exception as failure:
                        self._park(partition, item, target, failure)

    def _commit(self, partition: int, items: Sequence[Item], targets: Sequence[Target]) -> None:
        kind = self.sql.kind
        with self.sql.transaction() as cursor:
            after = {}
            for model, version in targets:
                after[model.name] = feeds.lock_partition(cursor, kind, model.name, version,
                                                         partition)
            lowest = min(position for _, position in after.values())
            wanted = [position for _, position in items if position > lowest]
            events = self._load(wanted, targets)
            last_offset = items[-1][0]
            for model, version in targets:
                next_offset, position = after[model.name]
                mine = [pair for pair in events
                        if pair[0] > position and type(pair[1]) in model.handlers]
                if mine:
                    model.apply(Batch(cursor, kind, model.table_names(version), None), mine)
                reached = max(position, max(p for _, p in items))
                feeds.advance(cursor, model.name, version, partition,
                              max(next_offset, last_offset + 1), reached)
                feeds.settle(cursor, kind, model.name, version, len(mine))
                self.applied += len(mine)
            self.skipped += len(items) - len(wanted)

    def _load(self, positions: Sequence[int], targets: Sequence[Target]) -> list[Any]:
        if not positions:
            return []
        topics = sorted({topic for model, _ in targets for topic in model.topics})
        return self.reader.decode(self.reader.read_at(sorted(positions), topics))

    def _park(self, partition: int, item: Item, target: Target, error: Exception) -> None:
        (offset, position), (model, version) = item, target
        kind = self.sql.kind
        with self.sql.transaction() as cursor:
            next_offset, reached = feeds.lock_partition(cursor, kind, model.name, version,
                                                        partition)
            if position <= reached:
                return
            for _, event in self._load([position], [target]):
                log.error("%s v%s parks event %s v%s at position %s: %s", model.name,
                          version, event.originator_id, event.originator_version, position,
                          error)
                tracking.park(cursor, model.name, version, position, event, error)
            feeds.advance(cursor, model.name, version, partition,
                          max(next_offset, offset + 1), position)
            feeds.settle(cursor, kind, model.name, version, 0)
            self.parked += 1

    # ---- progress ------------------------------------------------------------

    def mark_caught_up(self) -> None:
        """Partitions read past the last record the relay had published in them have
        reached the relay's position: the versions' positions may move past them. (The
        relay records both in one transaction; asking the broker for its end offsets
        would rely on the broker's idea of the end, and on timing.)"""
        self._marked = time.monotonic()
        if not self.targets:
            return
        published, last_offsets = self.published()
        try:
            self._mark(published, last_offsets)
        except feeds.VersionDropped:
            self.targets = []

    def _mark(self, published: int, last_offsets: dict[int, int]) -> None:
        kind = self.sql.kind
        with self.sql.transaction() as cursor:
            # Partition rows first, then positions, each in one order: as ``_commit``
            # takes them, so that two transactions never wait for each other in a circle.
            for model, version in self.targets:
                for partition in range(self.partitions):
                    feeds.mark_caught_up(cursor, model.name, version, partition,
                                         last_offsets.get(partition, -1) + 1, published)
            for model, version in self.targets:
                feeds.settle(cursor, kind, model.name, version, 0)

    @staticmethod
    def _commit_group(consumer: Any, polled: dict[Any, list[Any]]) -> None:
        from kafka import OffsetAndMetadata
        from kafka.errors import KafkaError

        offsets = {tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                   for tp, records in polled.items()}
        try:
            consumer.commit(offsets)
        except KafkaError as error:  # a rebalance: the database's offsets are what count
            log.info("group commit skipped: %s", error)

    def status(self) -> list[dict[str, Any]]:
        """Each live fed version's partitions (next offset, position) from the database."""
        self.runner.setup()
        with self.sql.transaction(write=False) as cursor:
            return feeds.status(cursor)
