"""Events on Kafka: CloudEvents 1.0 in binary content mode, and the relay's cursor.

Each stored event becomes one record on the topic: key = aggregate id (so one
aggregate's events share a partition and keep their order), value = the event's public
JSON data (``application/integration_events.py``: personal text only as references),
and the CloudEvents attributes as headers: ``ce_specversion``, ``ce_id`` (``<aggregate
id>:<version>``, stable across retries), ``ce_source``, ``ce_type``
(``mentoring.<aggregate>.<EventName>``), ``ce_time``, ``ce_subject`` (the aggregate id),
``content-type: application/json``, and two extension attributes: ``ce_position`` (the
global position) and ``ce_programid`` (absent for a person's erasure). CloudEvents
extension names are lower-case letters and digits only, hence ``programid``.

A record's partition is chosen by its program (``partition_owner``, ``partition_for``),
not by its key: all the events of one program, whatever their aggregate, share a
partition in global order.
Per-key order holds as before (an aggregate never changes program), and a consumer group
that builds program-wide views (``mentoring consume``) sees every program's events in
the order they happened. The hash is the Java client's default partitioner (murmur2 of
the program id's bytes), so any client can compute where a program's events are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from kafka.partitioner.default import murmur2

from application.integration_events import IntegrationEvent
from infrastructure.sql import SqlStore, TableMissing, create_table

SOURCE = "urn:mentoring:event-store"
SPEC_VERSION = b"1.0"

CREATE_PROCESSED = """
CREATE TABLE IF NOT EXISTS hr_messages (
    message_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    processed_at TEXT NOT NULL
)
"""
CREATE_CURSOR = """
CREATE TABLE IF NOT EXISTS kafka_relay (
    topic TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL
)
"""

# The offset of the last record the broker acknowledged in each partition, moved with the
# position: a consumer that has read past it has read every event up to the position.
CREATE_RELAY_PARTITIONS = """
CREATE TABLE IF NOT EXISTS kafka_relay_partitions (
    topic TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    last_offset BIGINT NOT NULL,
    PRIMARY KEY (topic, kafka_partition)
)
"""


def record_of(event: IntegrationEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of the event's Kafka record."""
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", event.id.encode()),
        ("ce_source", SOURCE.encode()),
        ("ce_type", event.type.encode()),
        ("ce_time", event.time.astimezone(UTC).isoformat().encode()),
        ("ce_subject", event.subject.encode()),
        ("content-type", b"application/json"),
        ("ce_position", str(event.position).encode()),
    ]
    if event.program_id is not None:
        headers.append(("ce_programid", event.program_id.encode()))
    return event.subject.encode(), orjson.dumps(event.data, default=str), headers


def partition_owner(event: IntegrationEvent) -> str:
    """What picks the event's partition: its program (its subject for a person's
    erasure, which belongs to no program)."""
    return event.program_id if event.program_id is not None else event.subject


def partition_for(owner: str, partitions: int) -> int:
    """The partition of a program's events: the Java client's default for that key."""
    return _partition(owner, partitions)


@lru_cache(maxsize=65_536)
def _partition(owner: str, partitions: int) -> int:
    # Programs are few and murmur2 is pure Python (5 us): hashed once per program.
    return int(murmur2(owner.encode()) & 0x7FFFFFFF) % partitions


def header_map(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """A record's headers as text (for readers and tests)."""
    return {name: value.decode() for name, value in headers or []}


class RelayCursor:
    """How far the relay has published to a topic: moved only after the broker acked."""

    def __init__(self, store: SqlStore, topic: str) -> None:
        self.store, self.topic = store, topic

    def ensure_schema(self) -> None:
        create_table(self.store, CREATE_CURSOR)
        create_table(self.store, CREATE_RELAY_PARTITIONS)

    def position(self) -> int:
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute("SELECT position FROM kafka_relay WHERE topic = %s",
                                 (self.topic,)).fetchone()
        return 0 if row is None else int(row[0])

    def advance(self, position: int, last_offsets: dict[int, int] | None = None) -> None:
        """Records that every event up to ``position`` is on the topic, the last of them
        in each partition at ``last_offsets`` (partition: offset)."""
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            cursor.execute(
                "INSERT INTO kafka_relay (topic, position, updated_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (topic) DO UPDATE SET position = excluded.position, "
                "updated_at = excluded.updated_at WHERE kafka_relay.position < excluded.position",
                (self.topic, position, now))
            for partition, offset in sorted((last_offsets or {}).items()):
                cursor.execute(
                    "INSERT INTO kafka_relay_partitions (topic, kafka_partition, last_offset) "
                    "VALUES (%s, %s, %s) ON CONFLICT (topic, kafka_partition) DO UPDATE "
                    "SET last_offset = excluded.last_offset "
                    "WHERE kafka_relay_partitions.last_offset < excluded.last_offset",
                    (self.topic, partition, offset))

    def published(self) -> tuple[int, dict[int, int]]:
        """The position published through, and the offset of the last record acknowledged
        in each partition then (a partition never written to is absent)."""
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute("SELECT position FROM kafka_relay WHERE topic = %s",
                                 (self.topic,)).fetchone()
            offsets = cursor.execute(
                "SELECT kafka_partition, last_offset FROM kafka_relay_partitions "
                "WHERE topic = %s", (self.topic,)).fetchall()
        return (0 if row is None else int(row[0]),
                {int(partition): int(offset) for partition, offset in offsets})

    def status(self) -> dict[str, Any]:
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute("SELECT position, updated_at FROM kafka_relay WHERE topic = %s",
                                 (self.topic,)).fetchone()
        return {"topic": self.topic, "position": 0 if row is None else int(row[0]),
                "updated_at": None if row is None else row[1]}


def relay_positions(store: SqlStore) -> list[dict[str, Any]]:
    """Each topic's published position (none if no relay ever ran here)."""
    try:
        with store.transaction(write=False) as cursor:
            rows = cursor.execute("SELECT topic, position, updated_at FROM kafka_relay "
                                  "ORDER BY topic").fetchall()
    except TableMissing:
        return []
    return [{"topic": topic, "position": int(position), "updated_at": updated_at}
            for topic, position, updated_at in rows]


class ProcessedMessages:
    """Ids of the HR messages applied, so that a redelivered one is skipped."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def ensure_schema(self) -> None:
        create_table(self.store, CREATE_PROCESSED)

    def seen(self, message_id: str) -> bool:
        with self.store.transaction(write=False) as cursor:
            return cursor.execute("SELECT 1 FROM hr_messages WHERE message_id = %s",
                                  (message_id,)).fetchone() is not None

    def record(self, message_id: str, kind: str) -> None:
        with self.store.transaction() as cursor:
            cursor.execute("INSERT INTO hr_messages (message_id, type, processed_at) "
                           "VALUES (%s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
                           (message_id, kind, datetime.now(UTC).isoformat()))
