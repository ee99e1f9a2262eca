"""What differs between SQLite and PostgreSQL views, in one place; and view tables as data.

Times are stored as ISO-8601 text in UTC with microseconds on both databases: one
format sorts in time order, compares the same everywhere, and is exactly what the
audit trail hashes. JSON values are stored as text on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from infrastructure.sql import TranslatingCursor

# Column types per database; DDL constants use these names as {placeholders}.
TYPES = {
    "sqlite": {"bigint": "INTEGER", "real": "REAL", "bool": "INTEGER"},
    "postgres": {"bigint": "BIGINT", "real": "DOUBLE PRECISION", "bool": "BOOLEAN"},
}
# Locks the row a transaction is about to update (SQLite's BEGIN IMMEDIATE already does).
FOR_UPDATE = {"sqlite": "", "postgres": " FOR UPDATE"}
# Serialises creating and dropping view tables between processes.
SCHEMA_LOCK = {"sqlite": None, "postgres": "SELECT pg_advisory_xact_lock(7301964)"}
KEY_CHUNK = 500


def iso(instant: datetime | None) -> str | None:
    """The stored form of an instant: UTC, always with microseconds."""
    if instant is None:
        return None
    return _iso(instant)


@lru_cache(maxsize=4096)
def _iso(instant: datetime) -> str:
    # Cached: every read model formats the same event times (a batch asks each one 3 times).
    if instant.tzinfo is not UTC:
        instant = instant.astimezone(UTC)
    return instant.isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def month_key(instant: datetime) -> str:
    return _iso(instant)[:7]


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, so equal values store equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def dumps_column(value: Any) -> str:
    """JSON of a view column: canonical too (sorted keys, no spaces), but with orjson, which
    is several times faster; ``dumps`` (the standard library) stays the form the audit trail
    hashes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


@dataclass(frozen=True)
class Table:
    """A view table: its key, its other columns, which of them hold JSON, and its DDL.

    ``ddl`` statements use ``{table}`` for the (versioned) table name and the type
    placeholders of ``TYPES``.
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    ddl: tuple[str, ...]
    json_columns: frozenset[str] = field(default_factory=frozenset)
    bool_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.key + self.columns

    def create_statements(self, kind: str, physical: str) -> list[str]:
        return [s.format(table=physical, **TYPES[kind]) for s in self.ddl]

    def upsert_sql(self, physical: str, select_from: str = "", *, add: bool = False) -> str:
        """Insert or update one row; or every row of a staging table ``select_from``.
        ``add``: an existing row's columns grow by the new values instead."""
        updates = ", ".join(f"{c} = {physical}.{c} + excluded.{c}" if add else
                            f"{c} = excluded.{c}" for c in self.columns)
        action = f"DO UPDATE SET {updates}" if self.columns else "DO NOTHING"
        source = self.insert_sql(physical)
        if select_from:
            names = ", ".join(self.all_columns)
            source = f"INSERT INTO {physical} ({names}) SELECT {names} FROM {select_from}"
        return f"{source} ON CONFLICT ({', '.join(self.key)}) {action}"

    def insert_sql(self, physical: str) -> str:
        marks = ", ".join(["%s"] * len(self.all_columns))
        return f"INSERT INTO {physical} ({', '.join(self.all_columns)}) VALUES ({marks})"

    def select_sql(self, physical: str, where: str = "") -> str:
        return f"SELECT {', '.join(self.all_columns)} FROM {physical}" + (
            f" WHERE {where}" if where else "")

    def encode(self, row: dict[str, Any]) -> tuple[Any, ...]:
        if not self.json_columns and not self.bool_columns:
            return tuple([row[c] for c in self.all_columns])
        return tuple(
            dumps_column(row[c]) if c in self.json_columns
            else (None if row[c] is None else bool(row[c])) if c in self.bool_columns
            else row[c]
            for c in self.all_columns
        )

    def decode(self, values: Sequence[Any]) -> dict[str, Any]:
        row = dict(zip(self.all_columns, values, strict=True))
        for c in self.json_columns:
            if row[c] is not None:
                row[c] = orjson.loads(row[c])
        for c in self.bool_columns:
            if row[c] is not None:
                row[c] = bool(row[c])
        return row

    def key_of(self, row: dict[str, Any]) -> Any:
        return row[self.key[0]] if len(self.key) == 1 else tuple(row[k] for k in self.key)


def write_rows(cursor: TranslatingCursor, kind: str, table: Table, physical: str,
               rows: Sequence[dict[str, Any]], *, upsert: bool, add: bool = False) -> None:
    """Writes many rows at once: ``executemany`` on SQLite, COPY on PostgreSQL.

    PostgreSQL upserts COPY into a temporary staging table, then move the rows with one
    ``INSERT ... SELECT ... ON CONFLICT``: two round trips for the whole batch.
    """
    if not rows:
        return
    values = [table.encode(row) for row in rows]
    if kind == "sqlite":
        sql = table.upsert_sql(physical, add=add) if upsert else table.insert_sql(physical)
        cursor.executemany(sql, values)
        return
    columns = ", ".join(table.all_columns)
    if not upsert:
        cursor.copy_rows(f"COPY {physical} ({columns}) FROM STDIN", values)
        return
    stage = f"stage_{physical}"
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                   f"(LIKE {physical} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    cursor.copy_rows(f"COPY {stage} ({columns}) FROM STDIN", values)
    cursor.execute(table.upsert_sql(physical, select_from=stage, add=add))


def in_clause(kind: str, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``: ``= ANY(%s)`` on PostgreSQL, ``IN (...)`` on SQLite."""
    if kind == "postgres":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def chunks(values: Sequence[Any], size: int = KEY_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class Rows:
    """The rows of one table touched by a batch, kept in memory and written back at once.

    Rows are loaded in bulk (``preload``) or one by one on a miss, changed in place by the
    event handlers, and upserted in one ``executemany`` by ``flush``.
    """

    def __init__(self, cursor: TranslatingCursor, kind: str, table: Table, physical: str,
                 cache: dict[Any, dict[str, Any] | None] | None = None) -> None:
        self.cursor, self.kind, self.table, self.physical = cursor, kind, table, physical
        self._rows: dict[Any, dict[str, Any] | None] = {}
        self._dirty: set[Any] = set()
        # Rows as committed by earlier batches, for a writer that owns the table (a rebuild):
        # read from memory instead of the database. Never shared with other writers.
        self._cache = cache

    def preload(self, keys: Iterable[Any]) -> None:
        """Reads the rows of ``keys`` (single-column keys) in a few queries."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._rows]
        cache = self._cache
        if cache is not None:
            missing = []
            for key in wanted:
                if key in cache:
                    self._rows[key] = cache[key]
                else:
                    missing.append(key)
            wanted = missing
        for part in chunks(wanted):
            where, params = in_clause(self.kind, self.table.key[0], part)
            self.cursor.execute(self.table.select_sql(self.physical, where), params)
            for values in self.cursor.fetchall():
                row = self.table.decode(values)
                self._rows[self.table.key_of(row)] = row
            for key in part:
                self._rows.setdefault(key, None)

    def get(self, key: Any) -> dict[str, Any] | None:
        """The row with this key (changes to it are written back), or None."""
        if key not in self._rows and self._cache is not None and key in self._cache:
            self._rows[key] = self._cache[key]
        if key not in self._rows:
            keys = key if isinstance(key, tuple) else (key,)
            where = " AND ".join(f"{k} = %s" for k in self.table.key)
            self.cursor.execute(self.table.select_sql(self.physical, where), list(keys))
            found = self.cursor.fetchone()
            self._rows[key] = None if found is None else self.table.decode(found)
        row = self._rows[key]
        if row is not None:
            self._dirty.add(key)
        return row

    def put(self, row: dict[str, Any]) -> dict[str, Any]:
        key = self.table.key_of(row)
        self._rows[key] = row
        self._dirty.add(key)
        return row

    def loaded(self) -> dict[Any, dict[str, Any] | None]:
        """Every row read or put so far by key (None: known not to exist)."""
        return self._rows

    def dirty(self) -> list[dict[str, Any]]:
        """The rows changed or added so far (written by ``flush``)."""
        return [row for k in self._dirty if (row := self._rows.get(k)) is not None]

    def flush(self) -> int:
        rows = self.dirty()
        write_rows(self.cursor, self.kind, self.table, self.physical, rows, upsert=True)
        self._dirty.clear()
        if self._cache is not None:
            self._cache.update(self._rows)
        return len(rows)


def read_rows(cursor: TranslatingCursor, table: Table, physical: str, where: str = "",
              params: Sequence[Any] = (), order: str = "") -> list[dict[str, Any]]:
    """Rows of a view table as dicts, JSON decoded."""
    sql = table.select_sql(physical, where) + (f" ORDER BY {order}" if order else "")
    cursor.execute(sql, params)
    return [table.decode(values) for values in cursor.fetchall()]
