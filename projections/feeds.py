"""Read-model versions fed from Kafka (``mentoring consume``) instead of the event store.

A version is *claimed* by the topic once: from then on only consumers of that topic
write it, and the projection runner leaves it alone (``fed_versions``). The claim keeps,
per partition of the topic, the next offset to read and the position of the last event
of that partition applied: both move in the same transaction as the view rows they
account for, so a record redelivered after a crash or a rebalance is recognised (its
position is not above the partition's) and never applied twice.

Partitions hold whole programs (the relay chooses a record's partition by its program),
so each partition's events, applied in offset order, are their programs' events in global
order. The version's position in ``projection_positions`` (what readers and
``min_position`` wait on) is the lowest partition position: every event at or below it
has been applied, whichever partition it went to. A partition whose consumers have read
past the last record the relay had published in it counts as having reached the relay's
position (the relay keeps, with its position, the offset of the last record acknowledged
in each partition: ``mark_caught_up``), so an idle partition does not hold the version
back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infrastructure.sql import TranslatingCursor
from projections import tracking
from projections.sql import FOR_UPDATE

CREATE_FEEDS = """
CREATE TABLE IF NOT EXISTS projection_feeds (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    topic TEXT NOT NULL,
    partitions INTEGER NOT NULL,
    base {bigint} NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (name, version)
)"""
CREATE_PARTITIONS = """
CREATE TABLE IF NOT EXISTS projection_feed_partitions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    kafka_partition INTEGER NOT NULL,
    next_offset {bigint} NOT NULL,
    position {bigint} NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, version, kafka_partition)
)"""
SELECT_FEED = "SELECT topic, partitions FROM projection_feeds WHERE name = %s AND version = %s"
SELECT_FEEDS = "SELECT name, version FROM projection_feeds"
INSERT_FEED = """
INSERT INTO projection_feeds (name, version, topic, partitions, base, claimed_at)
VALUES (%s, %s, %s, %s, %s, %s)"""
INSERT_PARTITION = """
INSERT INTO projection_feed_partitions (name, version, kafka_partition, next_offset, position,
                                        updated_at)
VALUES (%s, %s, %s, 0, %s, %s)"""
SELECT_PARTITION = """
SELECT next_offset, position FROM projection_feed_partitions
WHERE name = %s AND version = %s AND kafka_partition = %s"""
UPDATE_PARTITION = """
UPDATE projection_feed_partitions SET next_offset = %s, position = %s, updated_at = %s
WHERE name = %s AND version = %s AND kafka_partition = %s"""
CAUGHT_UP = """
UPDATE projection_feed_partitions SET position = %s, updated_at = %s
WHERE name = %s AND version = %s AND kafka_partition = %s AND next_offset >= %s
  AND position < %s"""
LOWEST = "SELECT MIN(position) FROM projection_feed_partitions WHERE name = %s AND version = %s"
SELECT_STATUS = """
SELECT p.name, p.version, f.topic, p.kafka_partition, p.next_offset, p.position, p.updated_at
FROM projection_feed_partitions p
JOIN projection_feeds f ON f.name = p.name AND f.version = p.version
JOIN projection_versions v ON v.name = p.name AND v.active_version = p.version
ORDER BY p.name, p.kafka_partition"""
DELETE_FEED = "DELETE FROM projection_feeds WHERE name = %s AND version = %s"
DELETE_PARTITIONS = "DELETE FROM projection_feed_partitions WHERE name = %s AND version = %s"


class FedByKafka(RuntimeError):
    """The version is written by Kafka consumers; the event-store runner must not."""


class VersionDropped(RuntimeError):
    """The version was dropped (a rebuild switched readers to a newer one)."""


class FeedMismatch(RuntimeError):
    """The version is already fed from another topic, or one of another partition count."""


def create_tables(cursor: TranslatingCursor, types: dict[str, str]) -> None:
    cursor.execute(CREATE_FEEDS.format(**types))
    cursor.execute(CREATE_PARTITIONS.format(**types))


def fed_versions(cursor: TranslatingCursor) -> set[tuple[str, int]]:
    """Every (model, version) that Kafka consumers write."""
    cursor.execute(SELECT_FEEDS)
    return {(name, int(version)) for name, version in cursor.fetchall()}


def claim(cursor: TranslatingCursor, kind: str, name: str, version: int, topic: str,
          partitions: int) -> bool:
    """Makes the version fed by ``topic`` from where the event-store runner left it (its
    position, the same for every partition). False if it already was."""
    base = tracking.read_position(cursor, kind, name, version, lock=True)
    if base is None:
        raise VersionDropped(f"{name} v{version} was dropped")
    cursor.execute(SELECT_FEED, (name, version))
    row = cursor.fetchone()
    if row is not None:
        if (row[0], int(row[1])) != (topic, partitions):
            raise FeedMismatch(f"{name} v{version} is fed by {row[0]} ({row[1]} partitions), "
                               f"not {topic} ({partitions} partitions): rebuild it first")
        return False
    now = tracking.now_text()
    cursor.execute(INSERT_FEED, (name, version, topic, partitions, base, now))
    for partition in range(partitions):
        cursor.execute(INSERT_PARTITION, (name, version, partition, base, now))
    return True


def lock_partition(cursor: TranslatingCursor, kind: str, name: str, version: int,
                   partition: int) -> tuple[int, int]:
    """(next offset, position) of one partition of a fed version, its row held."""
    cursor.execute(SELECT_PARTITION + FOR_UPDATE[kind], (name, version, partition))
    row = cursor.fetchone()
    if row is None:
        raise VersionDropped(f"{name} v{version} was dropped")
    return int(row[0]), int(row[1])


def advance(cursor: TranslatingCursor, name: str, version: int, partition: int,
            next_offset: int, position: int) -> None:
    cursor.execute(UPDATE_PARTITION, (next_offset, position, tracking.now_text(), name,
                                      version, partition))


def mark_caught_up(cursor: TranslatingCursor, name: str, version: int, partition: int,
                   end_offset: int, published: int) -> None:
    """If the partition was read to ``end_offset``, the offset after the last record the
    relay had published in it when it had published through ``published``, every event
    up to there in it is applied."""
    cursor.execute(CAUGHT_UP, (published, tracking.now_text(), name, version, partition,
                               end_offset, published))


def settle(cursor: TranslatingCursor, kind: str, name: str, version: int,
           applied: int) -> int:
    """Moves the version's position to its lowest partition position (never back) and
    counts ``applied`` events. The position row is locked last and briefly, so that
    consumers of other partitions wait for each other only here."""
    current = tracking.read_position(cursor, kind, name, version, lock=True)
    if current is None:
        raise VersionDropped(f"{name} v{version} was dropped")
    cursor.execute(LOWEST, (name, version))
    row = cursor.fetchone()
    lowest = current if row is None or row[0] is None else int(row[0])
    reached = max(current, lowest)
    if reached != current or applied:
        tracking.save_position(cursor, name, version, reached, applied)
    return reached


def next_offsets(cursor: TranslatingCursor, targets: Sequence[tuple[str, int]],
                 partition: int) -> int | None:
    """Where to start reading a partition: the lowest next offset of these versions."""
    offsets = []
    for name, version in targets:
        cursor.execute(SELECT_PARTITION, (name, version, partition))
        row = cursor.fetchone()
        if row is not None:
            offsets.append(int(row[0]))
    return min(offsets) if offsets else None


def forget(cursor: TranslatingCursor, name: str, version: int) -> None:
    """Drops a version's claim (the version itself is being dropped)."""
    cursor.execute(DELETE_PARTITIONS, (name, version))
    cursor.execute(DELETE_FEED, (name, version))


def status(cursor: TranslatingCursor) -> list[dict[str, Any]]:
    """Each live fed version's partitions: next offset and position."""
    cursor.execute(SELECT_STATUS)
    columns = ("name", "version", "topic", "partition", "next_offset", "position",
               "updated_at")
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
