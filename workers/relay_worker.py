"""The Kafka relay: publishes every stored event, in global order, to one topic.

A batch of events is sent, then flushed; the relay's position moves only once the
broker acknowledged every record of the batch (``acks=all``, idempotent producer, so a
retried send is not written twice and one key's records keep their order). After a
crash or a broker outage the relay starts again from its stored position: nothing is
lost, and only what was in flight may be published twice (same ``ce_id``, which
consumers drop). One relay publishes to a topic at a time (a database lock); another
started beside it waits as a hot standby and takes over when the first dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from application.integration_events import IntegrationEvent
from infrastructure.kafka import RelayCursor, record_of
from infrastructure.sql import SqlStore

log = logging.getLogger("workers.relay")


class EventSource(Protocol):
    def integration_feed(self, *, after: int, limit: int) -> list[IntegrationEvent]: ...
    def last_position(self) -> int: ...


class Producer(Protocol):
    """What the relay needs of ``kafka.KafkaProducer``."""

    def send(self, topic: str, *, key: bytes, value: bytes,
             headers: list[tuple[str, bytes]]) -> Any: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


class Relay:
    """Publishes the event store to a topic until asked to stop."""

    def __init__(self, source: EventSource, sql: SqlStore, topic: str,
                 producer: Callable[[], Producer], *, batch_size: int = 500,
                 poll_interval: float = 0.2, ack_timeout: float = 30.0) -> None:
        self.source, self.sql, self.topic = source, sql, topic
        self.make_producer, self.batch_size = producer, batch_size
        self.poll_interval, self.ack_timeout = poll_interval, ack_timeout
        self.cursor = RelayCursor(sql, topic)
        self.stopping = threading.Event()
        self.published = 0  # records acknowledged since start (for status and tests)

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
        try:
            while not self.stopping.is_set():
                if not self.publish_once(producer):
                    self.stopping.wait(self.poll_interval)
        finally:
            producer.close(timeout=5)

    def publish_once(self, producer: Producer) -> bool:
        """Publishes the next batch and stores the position once all of it is acked;
        False when there was nothing new."""
        events = self.source.integration_feed(after=self.cursor.position(),
                                              limit=self.batch_size)
        if not events:
            return False
        futures = []
        for event in events:
            key, value, headers = record_of(event)
            futures.append(producer.send(self.topic, key=key, value=value, headers=headers))
        producer.flush(timeout=self.ack_timeout)
        for future in futures:
            future.get(timeout=self.ack_timeout)  # raises if the broker refused any
        self.cursor.advance(events[-1].position)
        self.published += len(events)
        return True

    def stop(self) -> None:
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        """Position, head and lag (events stored but not yet published)."""
        state = self.cursor.status()
        head = self.source.last_position()
        return {**state, "head": head, "lag": max(head - state["position"], 0)}
