"""The Kafka relay: publishes every stored event, in global order, to one topic.

Batches of events are sent back to back (a few in flight at once; on PostgreSQL read and
encoded a batch ahead by a child process, ``workers/relay_reader.py``); the relay's position
moves past a batch only once the broker acknowledged every record of it (``acks=all``,
idempotent producer, so a retried send is not written twice and one partition's records
keep their order). Each record goes to its program's partition
(``infrastructure.kafka.partition_for``). After a
crash or a broker outage the relay starts again from its stored position: nothing is
lost, and only what was in flight may be published twice (same ``ce_id``, which
consumers drop). One relay publishes to a topic at a time (a database lock); another
started beside it waits as a hot standby and takes over when the first dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from application.integration_events import IntegrationEvent
from infrastructure.kafka import RelayCursor, partition_for
from infrastructure.sql import SqlStore
from workers.projection_worker import Listener
from workers.relay_reader import LocalReader, Reader

log = logging.getLogger("workers.relay")
PIPELINE = 4  # batches sent but not yet acknowledged, at most (plus the one being sent)


class EventSource(Protocol):
    def integration_feed(self, *, after: int, limit: int) -> list[IntegrationEvent]: ...
    def last_position(self) -> int: ...


class Producer(Protocol):
    """What the relay needs of ``kafka.KafkaProducer``."""

    def send(self, topic: str, *, key: bytes, value: bytes,
             headers: list[tuple[str, bytes]], partition: int) -> Any: ...
    def partitions_for(self, topic: str) -> set[int]: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


class Relay:
    """Publishes the event store to a topic until asked to stop."""

    def __init__(self, source: EventSource, sql: SqlStore, topic: str,
                 producer: Callable[[], Producer], *, batch_size: int = 500,
                 poll_interval: float = 0.2, ack_timeout: float = 30.0,
                 listener: Listener | None = None,
                 reader: Callable[[], Reader] | None = None) -> None:
        self.source, self.sql, self.topic = source, sql, topic
        self.make_producer, self.batch_size = producer, batch_size
        self.make_reader = reader or (lambda: LocalReader(source.integration_feed, batch_size))
        self.poll_interval, self.ack_timeout = poll_interval, ack_timeout
        self.listener = listener  # PostgreSQL: woken by the event store's NOTIFY
        self.cursor = RelayCursor(sql, topic)
        self.stopping = threading.Event()
        self._sent = 0  # the position of the last event handed to the producer
        self._in_flight: deque[tuple[int, int, list[Any]]] = deque()
        self.published = 0  # records acknowledged since start (for status and tests)
        self._reader: Reader = LocalReader(source.integration_feed, batch_size)
        self.ready_at: float | None = None

    def run(self) -> None:
        """Waits for the relay lock (standby), then publishes until stopped; after an error
        (the broker or the database went away) lets go, waits, and starts again."""
        self.cursor.ensure_schema()
        backoff = self.poll_interval
        while not self.stopping.is_set():
            try:
                with self.sql.exclusive(f"kafka-relay:{self.topic}", wait=False) as taken:
                    if not taken:
                        self.stopping.wait(max(self.poll_interval, 0.5))
                        continue
                    log.info("relaying to %s from position %d", self.topic,
                             self.cursor.position())
                    self._publish_until_stopped()
                    backoff = self.poll_interval
            except Exception:
                log.exception("relay pass failed; retrying in %.1fs", backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _publish_until_stopped(self) -> None:
        producer = self.make_producer()
        connection = self.listener.connect() if self.listener is not None else None
        self._sent = self.cursor.position()
        self._in_flight.clear()
        self._reader = self.make_reader()
        self.ready_at = time.perf_counter()  # for benchmarks: publishing starts now
        try:
            while not self.stopping.is_set():
                if not self.publish_once(producer):
                    if connection is None:
                        self.stopping.wait(self.poll_interval)
                    else:  # until the next commit, or the poll interval at most
                        for _ in connection.notifies(timeout=self.poll_interval,
                                                     stop_after=1):
                            pass
            self._settle(wait=True)  # a clean stop leaves nothing to send again
        finally:
            self._reader.close()
            producer.close(timeout=5)
            if connection is not None:
                connection.close()

    def publish_once(self, producer: Producer) -> bool:
        """Sends the next batch while earlier ones are being acknowledged (at most
        ``PIPELINE`` batches in flight), and stores the position of every batch whose
        records are all acked, oldest first. False when nothing is new and nothing in flight."""
        events = self._reader.batch_after(self._sent)
        if events:
            futures = []
            partitions = len(producer.partitions_for(self.topic))
            for event in events:
                futures.append(producer.send(self.topic, key=event.key, value=event.value,
                                             headers=event.headers,
                                             partition=partition_for(event.owner, partitions)))
            self._in_flight.append((events[-1].position, len(events), futures))
            self._sent = events[-1].position
        self._settle(wait=not events or len(self._in_flight) > PIPELINE)
        return bool(events or self._in_flight)

    def _settle(self, *, wait: bool) -> None:
        """Stores the position of acknowledged batches, oldest first; with ``wait``, waits
        for the oldest. A refused record raises: the position stays before its batch."""
        while self._in_flight:
            position, count, futures = self._in_flight[0]
            if not all(future.is_done for future in futures) and not wait:
                return
            last_offsets: dict[int, int] = {}
            for future in futures:
                acked = future.get(timeout=self.ack_timeout)  # raises if the broker refused it
                if acked.offset > last_offsets.get(acked.partition, -1):
                    last_offsets[acked.partition] = acked.offset
            self._in_flight.popleft()
            self.cursor.advance(position, last_offsets)
            self.published += count
            wait = False

    def stop(self) -> None:
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        """Position, head and lag (events stored but not yet published)."""
        state = self.cursor.status()
        head = self.source.last_position()
        return {**state, "head": head, "lag": max(head - state["position"], 0)}
