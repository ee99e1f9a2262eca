"""The notification log as projections read it: in order, by topic, decoded in bulk.

Everything here that relies on the ``eventsourcing`` library's internals (9.5.x) is in
this module, and ``tests/infrastructure/test_log_reader.py`` pins that version:

- on PostgreSQL the events table is read directly, as plain tuples, through the
  recorder's ``events_table_name`` and its datastore's ``schema``: the library's
  ``Notification`` objects and dict rows cost more than decoding the events' JSON
  in a rebuild;
- events are decoded with personal fields left sealed
  (``ShreddingMapper.to_sealed_domain_event``): no view stores personal text, and
  not decrypting it saves the time.

Views never see a NUL character: PostgreSQL text cannot hold one, and a NUL that an
earlier version let into the log must not stop a view. Such text reaches projections
with each NUL replaced by U+FFFD (found cheaply: the stored JSON spells it ``\\u0000``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from infrastructure.event_store import EventStore
from infrastructure.shredding import ShreddingMapper
from infrastructure.sql import SqlStore

SELECT_NOTIFICATIONS = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM {table} "
    "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) "
    "ORDER BY notification_id LIMIT %s")
SELECT_ALL = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM {table} "
    "WHERE notification_id > %s ORDER BY notification_id LIMIT %s")
# An export's read: ids as text (the reader keeps each aggregate's UUID once), states as
# raw bytes (binary results: no hex text to decode).
SELECT_STORED = (
    "SELECT notification_id, originator_id::text, originator_version, topic, state "
    "FROM {table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s")
SELECT_AT = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM {table} "
    "WHERE notification_id = ANY(%s) AND topic = ANY(%s) ORDER BY notification_id")


class RawNotification(NamedTuple):
    """A stored event as the mapper reads it (duck-typed ``Notification``)."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class NotificationReader:
    """Reads the global order of one event store for the projection runner."""

    def __init__(self, events: EventStore, sql: SqlStore) -> None:
        self.events, self.sql = events, sql
        recorder = events.recorder
        table = getattr(recorder, "events_table_name", None)
        schema = getattr(getattr(recorder, "datastore", None), "schema", None)
        self._table = (f'"{schema}"."{table}"' if sql.kind == "postgres" and table and schema
                       else None)

    def head(self) -> int:
        """The position of the newest stored event (0 when there is none)."""
        return self.events.recorder.max_notification_id() or 0

    def read(self, after: int, upto: int, topics: Sequence[str], limit: int) -> Sequence[Any]:
        """Up to ``limit`` notifications of ``topics`` after ``after``, up to ``upto``."""
        if self._table is None:
            return self.events.recorder.select_notifications(
                start=after, limit=limit, stop=upto, topics=topics, inclusive_of_start=False)
        with self.sql.transaction(write=False) as cursor:
            cursor.execute(SELECT_NOTIFICATIONS.format(table=self._table),
                           (after, upto, list(topics), limit))
            return [RawNotification._make(row) for row in cursor.fetchall()]

    def read_all(self, after: int, limit: int) -> Sequence[Any]:
        """Up to ``limit`` notifications of every topic after ``after`` (the relay)."""
        if self._table is None:
            return self.events.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False)
        with self.sql.transaction(write=False) as cursor:
            cursor.execute(SELECT_ALL.format(table=self._table), (after, limit))
            return [RawNotification._make(row) for row in cursor.fetchall()]

    def stored_after(self, after: int, limit: int) -> list[tuple[int, str, int, str, bytes]]:
        """Up to ``limit`` stored events after a position, as plain (position, aggregate
        id, version, topic, state) tuples, for decoding in bulk (an export)."""
        if self._table is None:
            return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                    for n in self.events.recorder.select_notifications(
                        start=after, limit=limit, inclusive_of_start=False)]
        with self.sql.transaction(write=False) as cursor:
            cursor.execute(SELECT_STORED.format(table=self._table), (after, limit),
                           binary=True)
            return cursor.fetchall()

    def read_at(self, positions: Sequence[int], topics: Sequence[str]) -> Sequence[Any]:
        """The notifications of ``topics`` at these positions (sorted), in order."""
        if not positions:
            return []
        if self._table is None:  # SQLite: the span, then only the positions asked for
            wanted = set(positions)
            span = self.events.recorder.select_notifications(
                start=positions[0], limit=positions[-1] - positions[0] + 1,
                stop=positions[-1], topics=topics)
            return [n for n in span if n.id in wanted]
        with self.sql.transaction(write=False) as cursor:
            cursor.execute(SELECT_AT.format(table=self._table), (list(positions), list(topics)))
            return [RawNotification._make(row) for row in cursor.fetchall()]

    def decode(self, notifications: Sequence[Any]) -> list[tuple[int, Any]]:
        """(position, event) pairs, personal fields left sealed, no NUL in any text."""
        mapper = self.events.mapper
        decode = (mapper.to_sealed_domain_event if isinstance(mapper, ShreddingMapper)
                  else mapper.to_domain_event)
        return [(n.id, without_nul(decode(n)) if NUL_IN_JSON in n.state else decode(n))
                for n in notifications]


NUL_IN_JSON = b"\\u0000"
REPLACEMENT = "\ufffd"


def without_nul(event: Any) -> Any:
    """The event with every NUL in its text (and lists of text) replaced."""
    for name, value in list(event.__dict__.items()):
        if isinstance(value, str):
            event.__dict__[name] = value.replace("\x00", REPLACEMENT)
        elif isinstance(value, list) and any(isinstance(item, str) for item in value):
            event.__dict__[name] = [item.replace("\x00", REPLACEMENT)
                                    if isinstance(item, str) else item for item in value]
    return event
