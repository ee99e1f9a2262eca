"""The HR events consumer: the HR system's topic in, commands out, bad messages aside.

Each record is parsed (``application/hr_events.py``) and applied; its id is then
recorded, and the consumer group's offset committed after each poll's records. A
redelivered message (same id) is skipped; one that was applied but not yet recorded when
the process died is applied again, which changes nothing (every HR command is idempotent
by state: a concluded relationship is not concluded twice, an erased key stays erased).
A malformed or refused message goes to the dead-letter topic with the error in its
headers, and the partition moves on. If the database is unreachable, the consumer
rewinds to the record and tries again later: nothing is skipped.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from application.hr_events import HrCommands, MalformedMessage, apply, parse
from domain.errors import DomainError
from infrastructure.kafka import ProcessedMessages, header_map
from infrastructure.sql import UNAVAILABLE

log = logging.getLogger("workers.hr_consumer")


class HrConsumer:
    """Consumes the HR topic until asked to stop."""

    def __init__(self, commands: HrCommands, processed: ProcessedMessages, consumer: Any,
                 dead_letters: Any, dead_letter_topic: str, *,
                 poll_interval: float = 0.5) -> None:
        self.commands, self.processed = commands, processed
        self.consumer, self.dead_letters = consumer, dead_letters
        self.dead_letter_topic, self.poll_interval = dead_letter_topic, poll_interval
        self.stopping = threading.Event()
        self.applied = self.skipped = self.dead = 0

    def run(self) -> None:
        self.processed.ensure_schema()
        try:
            while not self.stopping.is_set():
                self.consume_once()
        finally:
            self.consumer.close()
            self.dead_letters.flush(timeout=10)

    def consume_once(self) -> None:
        batches = self.consumer.poll(timeout_ms=int(self.poll_interval * 1000))
        for partition, records in batches.items():
            for record in records:
                try:
                    self._handle(record)
                except UNAVAILABLE:
                    log.exception("database unavailable; retrying from offset %d",
                                  record.offset)
                    self.consumer.seek(partition, record.offset)
                    self.stopping.wait(self.poll_interval)
                    break
        if batches:
            self.consumer.commit()

    def stop(self) -> None:
        self.stopping.set()

    def _handle(self, record: Any) -> None:
        headers = header_map(record.headers)
        try:
            event = parse(headers, record.value)
        except MalformedMessage as error:
            self._dead_letter(record, "malformed", str(error))
            return
        if self.processed.seen(event.id):
            self.skipped += 1
            return
        try:
            apply(event, self.commands)
        except DomainError as error:
            self._dead_letter(record, "refused", error.detail)
            return
        self.processed.record(event.id, event.type)
        self.applied += 1

    def _dead_letter(self, record: Any, kind: str, error: str) -> None:
        log.warning("HR message at %s/%d offset %d to the dead-letter topic: %s",
                    record.topic, record.partition, record.offset, error)
        headers = [*(record.headers or []),
                   ("dlq_error_kind", kind.encode()), ("dlq_error", error[:1000].encode()),
                   ("dlq_topic", record.topic.encode()),
                   ("dlq_partition", str(record.partition).encode()),
                   ("dlq_offset", str(record.offset).encode())]
        self.dead_letters.send(self.dead_letter_topic, key=record.key, value=record.value,
                               headers=headers).get(timeout=30)
        self.dead += 1
