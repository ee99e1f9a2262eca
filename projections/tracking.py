"""Which version of each read model is live, and how far each version has read the log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infrastructure.sql import TranslatingCursor
from projections.base import ReadModel
from projections.sql import FOR_UPDATE, SCHEMA_LOCK, TYPES, iso

CREATE_VERSIONS = """
CREATE TABLE IF NOT EXISTS projection_versions (
    name TEXT PRIMARY KEY,
    active_version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
)"""
CREATE_POSITIONS = """
CREATE TABLE IF NOT EXISTS projection_positions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    position {bigint} NOT NULL,
    events_applied {bigint} NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, version)
)"""
CREATE_PARKED = """
CREATE TABLE IF NOT EXISTS projection_parked (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    position {bigint} NOT NULL,
    aggregate_id TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    error TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    PRIMARY KEY (name, version, position)
)"""
# What each version's rows were written for (``ReadModel.fingerprint``): a version whose
# fingerprint is not the code's (or is unknown) is outdated and gets rebuilt.
CREATE_FINGERPRINTS = """
CREATE TABLE IF NOT EXISTS projection_fingerprints (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (name, version)
)"""
SAVE_FINGERPRINT = """
INSERT INTO projection_fingerprints (name, version, fingerprint) VALUES (%s, %s, %s)
ON CONFLICT (name, version) DO UPDATE SET fingerprint = excluded.fingerprint"""
SELECT_LIVE_FINGERPRINTS = """
SELECT v.name, v.active_version, f.fingerprint
FROM projection_versions v LEFT JOIN projection_fingerprints f
  ON f.name = v.name AND f.version = v.active_version"""
DELETE_FINGERPRINT = "DELETE FROM projection_fingerprints WHERE name = %s AND version = %s"
INSERT_PARKED = """
INSERT INTO projection_parked (name, version, position, aggregate_id, aggregate_version,
                               event_type, error, parked_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name, version, position) DO NOTHING"""
SELECT_PARKED = """
SELECT p.name, p.version, p.position, p.aggregate_id, p.aggregate_version, p.event_type,
       p.error, p.parked_at
FROM projection_parked p JOIN projection_versions v
  ON v.name = p.name AND v.active_version = p.version
ORDER BY p.name, p.position"""
DELETE_PARKED = "DELETE FROM projection_parked WHERE name = %s AND version = %s"
SELECT_ACTIVE_VERSIONS = "SELECT name, active_version FROM projection_versions"
SELECT_ACTIVE_VERSION = "SELECT active_version FROM projection_versions WHERE name = %s"
INSERT_VERSION = """
INSERT INTO projection_versions (name, active_version, updated_at) VALUES (%s, %s, %s)
ON CONFLICT (name) DO NOTHING"""
SWITCH_VERSION = """
UPDATE projection_versions SET active_version = %s, updated_at = %s WHERE name = %s"""
SELECT_POSITION = "SELECT position FROM projection_positions WHERE name = %s AND version = %s"
SELECT_POSITIONS = """
SELECT p.name, p.version, p.position, p.events_applied, p.updated_at,
       CASE WHEN v.active_version = p.version THEN 1 ELSE 0 END,
       (SELECT COUNT(*) FROM projection_parked k WHERE k.name = p.name AND k.version = p.version),
       f.fingerprint
FROM projection_positions p LEFT JOIN projection_versions v ON v.name = p.name
LEFT JOIN projection_fingerprints f ON f.name = p.name AND f.version = p.version
ORDER BY p.name, p.version"""
SELECT_VERSIONS_OF = "SELECT version FROM projection_positions WHERE name = %s"
INSERT_POSITION = """
INSERT INTO projection_positions (name, version, position, events_applied, updated_at)
VALUES (%s, %s, 0, 0, %s) ON CONFLICT (name, version) DO NOTHING"""
SAVE_POSITION = """
UPDATE projection_positions
SET position = %s, events_applied = events_applied + %s, updated_at = %s
WHERE name = %s AND version = %s"""
DELETE_POSITION = "DELETE FROM projection_positions WHERE name = %s AND version = %s"


def now_text() -> str:
    return iso(datetime.now(tz=UTC)) or ""


def lock_schema(cursor: TranslatingCursor, kind: str) -> None:
    """Serialises table creation and version switches between processes."""
    statement = SCHEMA_LOCK[kind]
    if statement:
        cursor.execute(statement)


def create_control_tables(cursor: TranslatingCursor, kind: str) -> None:
    cursor.execute(CREATE_VERSIONS)
    cursor.execute(CREATE_POSITIONS.format(**TYPES[kind]))
    cursor.execute(CREATE_PARKED.format(**TYPES[kind]))
    cursor.execute(CREATE_FINGERPRINTS)


def ensure_model(cursor: TranslatingCursor, kind: str, model: ReadModel) -> int:
    """Creates version 1 of a model's tables the first time; returns the live version."""
    cursor.execute(SELECT_ACTIVE_VERSION, (model.name,))
    row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    for statement in model.create_statements(kind, 1):
        cursor.execute(statement)
    cursor.execute(INSERT_VERSION, (model.name, 1, now_text()))
    cursor.execute(INSERT_POSITION, (model.name, 1, now_text()))
    cursor.execute(SAVE_FINGERPRINT, (model.name, 1, model.fingerprint(kind)))
    return 1


def live_fingerprint(cursor: TranslatingCursor, name: str) -> tuple[int | None, str | None]:
    """A model's live version and its fingerprint (None, None before it exists)."""
    cursor.execute(SELECT_LIVE_FINGERPRINTS + " WHERE v.name = %s", (name,))
    row = cursor.fetchone()
    return (None, None) if row is None else (int(row[1]), row[2])


def live_fingerprints(cursor: TranslatingCursor) -> dict[str, tuple[int, str | None]]:
    """Each model's live version and the fingerprint it was written for (None: unknown)."""
    cursor.execute(SELECT_LIVE_FINGERPRINTS)
    return {name: (int(version), fingerprint) for name, version, fingerprint
            in cursor.fetchall()}


def active_versions(cursor: TranslatingCursor) -> dict[str, int]:
    cursor.execute(SELECT_ACTIVE_VERSIONS)
    return {name: int(version) for name, version in cursor.fetchall()}


def active_version(cursor: TranslatingCursor, name: str) -> int | None:
    cursor.execute(SELECT_ACTIVE_VERSION, (name,))
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def read_position(cursor: TranslatingCursor, kind: str, name: str, version: int, *,
                  lock: bool = False) -> int | None:
    """The version's position (None if the version is gone); ``lock`` holds its row."""
    cursor.execute(SELECT_POSITION + (FOR_UPDATE[kind] if lock else ""), (name, version))
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def save_position(cursor: TranslatingCursor, name: str, version: int, position: int,
                  applied: int) -> None:
    cursor.execute(SAVE_POSITION, (position, applied, now_text(), name, version))


def park(cursor: TranslatingCursor, name: str, version: int, position: int, event: Any,
         error: BaseException) -> None:
    """Records that an event could not be applied to a view (and was stepped over)."""
    detail = f"{type(error).__name__}: {error}"[:2000].replace("\x00", "\\x00")
    cursor.execute(INSERT_PARKED, (
        name, version, position, str(event.originator_id), event.originator_version,
        type(event).__qualname__, detail, now_text()))


def parked(cursor: TranslatingCursor) -> list[dict[str, Any]]:
    """The events each live view stepped over, oldest first."""
    cursor.execute(SELECT_PARKED)
    columns = ("name", "version", "position", "aggregate_id", "aggregate_version",
               "event_type", "error", "parked_at")
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def all_positions(cursor: TranslatingCursor) -> list[dict[str, Any]]:
    cursor.execute(SELECT_POSITIONS)
    return [
        {"name": name, "version": int(version), "position": int(position),
         "events_applied": int(applied), "updated_at": updated, "active": bool(active),
         "parked": int(parked), "fingerprint": fingerprint}
        for name, version, position, applied, updated, active, parked, fingerprint
        in cursor.fetchall()
    ]


def versions_of(cursor: TranslatingCursor, name: str) -> list[int]:
    cursor.execute(SELECT_VERSIONS_OF, (name,))
    return sorted(int(v) for (v,) in cursor.fetchall())
