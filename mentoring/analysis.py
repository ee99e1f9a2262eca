"""The analysts' Python API: the event history and every read model as rows, Arrow tables
or pandas DataFrames, and any aggregate's state at a version or an instant.

    from mentoring.analysis import History

    with History.open("sqlite:///mentoring.db") as history:
        sessions = history.events_table(types=["SessionHeld"], since="2026-01-01T00:00:00Z")
        summaries = history.view_frame("relationship_summaries")
        then = history.state(relationship_id, as_of="2026-03-01T00:00:00Z")

The same sources feed ``mentoring export``. Events come from the event store (in global
order, personal text decrypted unless erased); views from the live version of each read
model, in key order. Arrow (``pyarrow``) and pandas are optional: install the
``analysts`` extra for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import orjson

from mentoring.bootstrap import Runtime, build_runtime
from mentoring.event_columns import EVENT_COLUMNS as EVENT_COLUMNS  # the events' columns
from mentoring.event_columns import EventLog
from mentoring.export_filters import ExportError as ExportError  # where it always was
from mentoring.export_filters import Filters as Filters
from mentoring.export_filters import instant
from mentoring.settings import Settings
from projections.catalog import BY_NAME, READ_MODELS
from projections.sql import Table, iso

if TYPE_CHECKING:
    import pandas
    import pyarrow

BATCH = 2000
# Short names for each read model's main table; every table is also ``model.table``.
MAIN_TABLES = {
    "relationship_summaries": "relationship_summaries",
    "goal_summaries": "goal_summaries",
    "program_health": "health_months",
    "at_risk": "at_risk_facts",
    "audit_trail": "audit_entries",
    "mentor_directory": "directory_mentors",
    "program_feed": "program_feed",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int, float, bool, text, json, instant


def table_columns(table: Table) -> list[Column]:
    """A view table's columns with their types, read from its DDL."""
    ddl = table.ddl[0]
    columns = []
    for name in table.all_columns:
        found = re.search(rf"(?:^|[(,])\s*{name}\s+(\{{\w+\}}|\w+)", ddl, re.MULTILINE)
        declared = found.group(1).upper() if found else "TEXT"
        kind = ("json" if name in table.json_columns else
                "bool" if name in table.bool_columns or declared == "{BOOL}" else
                "int" if declared in ("INTEGER", "{BIGINT}", "BIGINT") else
                "float" if declared in ("{REAL}", "REAL", "DOUBLE") else "text")
        columns.append(Column(name, kind))
    return columns


EVENT_SCHEMA = [Column("position", "int"), Column("aggregate", "text"),
                Column("aggregate_id", "text"), Column("program_id", "text"),
                Column("version", "int"), Column("type", "text"),
                Column("occurred_at", "instant"), Column("actor", "text"),
                Column("on_behalf_of", "text"), Column("summary", "text"),
                Column("data", "json")]


@dataclass(frozen=True)
class Source:
    """Something to export: its name, its columns, and its rows under filters."""

    name: str
    columns: list[Column]
    rows: Callable[[Filters, Callable[[int], None]], Iterator[dict[str, Any]]]
    total: Callable[[], int | None]
    # The rows as Arrow batches built column by column, where a source can (events).
    batches: Callable[[Filters, Callable[[int], None]], Iterator[pyarrow.RecordBatch]] | None \
        = None


class History:
    """The event store and read models of one database, for analysts."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.service = runtime.service
        self.views = runtime.read_models()
        self.log = EventLog(runtime)

    @classmethod
    def open(cls, database_url: str | None = None) -> History:
        """The database at ``database_url`` (default: ``MENTORING_DATABASE_URL``)."""
        settings = Settings() if database_url is None else Settings(database_url=database_url)
        return cls(build_runtime(settings))

    def project(self) -> int:
        """Brings every view up to the newest event, here and now (for a local copy or
        the embedded store; on a shared database the projection workers do it).
        Returns the position reached."""
        self.runtime.runner(READ_MODELS).catch_up_all()
        return self.service.last_position()

    def close(self) -> None:
        self.runtime.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # ---- sources -------------------------------------------------------------------

    def sources(self) -> list[str]:
        """Every name ``source()`` takes: events, the short names, ``model.table``."""
        names = ["events", *MAIN_TABLES]
        names += [f"{m.name}.{t.name}" for m in READ_MODELS for t in m.tables]
        return names

    def source(self, name: str, *, after: int = 0) -> Source:
        """A source by name; ``after`` (events only) starts after a global position, at
        most the newest one (nothing new is an empty export; a position past the newest
        is a mistake, refused as the API refuses a ``min_position`` past it)."""
        if name == "events":
            self._check_after(after)

            def events(filters: Filters, progress: Callable[[int], None]
                       ) -> Iterator[dict[str, Any]]:
                return self._event_rows(filters, progress, after=after)

            def batches(filters: Filters, progress: Callable[[int], None]
                        ) -> Iterator[pyarrow.RecordBatch]:
                return self._event_batches(filters, progress, after=after)

            return Source("events", EVENT_SCHEMA, events, self.service.last_position, batches)
        model_name, _, table_name = name.partition(".")
        if not table_name:
            table_name = MAIN_TABLES.get(model_name, "")
        model = BY_NAME.get(model_name)
        table = next((t for t in model.tables if t.name == table_name), None) if model else None
        if model is None or table is None:
            raise ExportError(f"no source {name!r}: one of {', '.join(self.sources())}")

        def rows(filters: Filters, progress: Callable[[int], None]) -> Iterator[dict[str, Any]]:
            return self._table_rows(model_name, table, filters, progress)

        return Source(name, table_columns(table), rows, lambda: None)

    # ---- rows ----------------------------------------------------------------------

    def events(self, *, program_id: str | None = None, since: datetime | str | None = None,
               until: datetime | str | None = None, types: Iterable[str] = (),
               after: int = 0) -> Iterator[dict[str, Any]]:
        """Events in global order as plain data (``EVENT_COLUMNS``), filtered."""
        self._check_after(after)
        return self._event_rows(Filters.of(program_id, since, until, types),
                                lambda _: None, after=after)

    def rows(self, name: str, *, program_id: str | None = None,
             since: datetime | str | None = None, until: datetime | str | None = None,
             types: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """The rows of a source (``sources()``), filtered."""
        return self.source(name).rows(Filters.of(program_id, since, until, types),
                                      lambda _: None)

    def state(self, aggregate_id: str, *, version: int | None = None,
              as_of: datetime | str | None = None) -> dict[str, Any]:
        """Any aggregate's state now, at a version, or as of an instant (from the log)."""
        at = instant("as_of", as_of)
        kind = self.service.aggregate_type(aggregate_id)
        if kind == "Relationship":
            return self.service.relationship(aggregate_id, version=version, as_of=at)
        if kind == "Goal":
            return self.service.goal(aggregate_id, version=version, as_of=at)
        if kind == "Program":
            return self.service.program(aggregate_id, version=version, as_of=at)
        states = [state for _, state in self.service.replay(aggregate_id, version=version,
                                                             as_of=at)]
        return states[-1]

    # ---- Arrow and pandas ----------------------------------------------------------

    def events_table(self, *, program_id: str | None = None,
                     since: datetime | str | None = None, until: datetime | str | None = None,
                     types: Iterable[str] = (), after: int = 0) -> pyarrow.Table:
        """``events()`` as an Arrow table (``data`` as JSON text)."""
        import pyarrow as pa

        self._check_after(after)
        batches = self._event_batches(Filters.of(program_id, since, until, types),
                                      lambda _: None, after=after)
        return pa.Table.from_batches(list(batches), schema=arrow_schema(EVENT_SCHEMA))

    def view_table(self, name: str, **filters: Any) -> pyarrow.Table:
        """A read model's rows as an Arrow table (JSON columns as JSON text)."""
        return arrow_table(self.source(name).columns, self.rows(name, **filters))

    def events_frame(self, **filters: Any) -> pandas.DataFrame:
        return self.events_table(**filters).to_pandas()

    def view_frame(self, name: str, **filters: Any) -> pandas.DataFrame:
        return self.view_table(name, **filters).to_pandas()

    # ---- internals -----------------------------------------------------------------

    def program_of(self, aggregate_id: str) -> str | None:
        """The program of an aggregate (None for a person's erasure), from the service's
        identity cache (which reading the feed fills from each first event)."""
        if self.service.aggregate_type(aggregate_id) == "Erasure":
            return None
        return self.service.program_of(aggregate_id)

    def _check_after(self, after: int) -> None:
        newest = self.service.last_position()
        if after > newest:
            raise ExportError(f"after position {after} is past the newest event "
                              f"(position {newest})")

    def _event_rows(self, filters: Filters, progress: Callable[[int], None], *,
                    after: int = 0) -> Iterator[dict[str, Any]]:
        for columns in self.log.batches(filters, after=after):
            yield from columns.rows()
            progress(columns.scanned)

    def _event_batches(self, filters: Filters, progress: Callable[[int], None], *,
                       after: int = 0) -> Iterator[pyarrow.RecordBatch]:
        """The same events as Arrow batches, built column by column (no row dicts)."""
        schema = arrow_schema(EVENT_SCHEMA)
        for columns in self.log.batches(filters, after=after, data_text=json_text):
            if len(columns):
                yield columns.arrow(schema)
            progress(columns.scanned)

    def _table_rows(self, model: str, table: Table, filters: Filters,
                    progress: Callable[[int], None]) -> Iterator[dict[str, Any]]:
        columns = set(table.all_columns)
        if filters.types and "type" not in columns:
            raise ExportError(f"{model}.{table.name} has no event types to filter by")
        timed = "occurred_at" in columns
        if (filters.since or filters.until) and not timed:
            raise ExportError(f"{model}.{table.name} has no time to filter by "
                              "(since/until apply to events and the audit trail)")
        by_program = filters.program_id if "program_id" in columns else None
        after: tuple[Any, ...] | None = None
        since, until = iso(filters.since), iso(filters.until)
        while True:
            rows = self.views.table_rows(model, table.name, after=after, limit=BATCH,
                                         program_id=by_program)
            if not rows:
                return
            for row in rows:
                if timed and ((since and row["occurred_at"] < since)
                              or (until and row["occurred_at"] >= until)):
                    continue
                if filters.types and not filters.keeps_type(str(row.get("aggregate_type", "")),
                                                            row["type"]):
                    continue
                if filters.program_id is not None and by_program is None:
                    owner = row.get("aggregate_id") or row.get("relationship_id")
                    if owner is None or self.program_of(str(owner)) != filters.program_id:
                        continue
                yield row
            progress(len(rows))
            after = tuple(rows[-1][k] for k in table.key)


def arrow_schema(columns: Sequence[Column]) -> pyarrow.Schema:
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
             "text": pa.string(), "json": pa.string(),
             "instant": pa.timestamp("us", tz="UTC")}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


def json_text(value: Any) -> str:
    """A JSON column's value as Arrow and CSV carry it."""
    return orjson.dumps(value, default=str).decode()


def flat(columns: Sequence[Column], row: dict[str, Any]) -> dict[str, Any]:
    """A row as Arrow and CSV take it: JSON columns as JSON text."""
    return {c.name: (json_text(row[c.name])
                     if c.kind == "json" and row[c.name] is not None else row[c.name])
            for c in columns}


def arrow_batches(columns: Sequence[Column], rows: Iterable[dict[str, Any]],
                  size: int = 10_000) -> Iterator[pyarrow.RecordBatch]:
    """Rows in record batches of ``size``, typed by ``columns``."""
    import pyarrow as pa

    schema = arrow_schema(columns)
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(flat(columns, row))
        if len(chunk) >= size:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def arrow_table(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> pyarrow.Table:
    import pyarrow as pa

    return pa.Table.from_batches(list(arrow_batches(columns, rows)),
                                 schema=arrow_schema(columns))
