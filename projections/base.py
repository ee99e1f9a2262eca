"""What every read model shares: its tables, its event handlers, and how a batch is applied.

A read model is the batched form of ``eventsourcing``'s ``Projection``: instead of one
``process_event`` per event and transaction, it gets a batch of (position, event) pairs
and a ``Batch`` holding the rows the batch touches in memory; the runner writes those
rows and the new position in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from domain.base import MentoringCreated, MentoringEvent
from domain.mentor_profile import MentorProfile
from infrastructure.sql import TranslatingCursor
from projections.sql import Rows, Table, write_rows

Handler = Callable[[Any, "Batch", Any, int], None]
Positioned = tuple[int, Any]


class ProjectionOutOfOrder(RuntimeError):
    """An event reached a view out of its aggregate's order: skipped or applied twice."""


def on(*event_classes: type) -> Callable[[Handler], Handler]:
    """Marks a read model method as the handler of these event classes."""

    def mark(handler: Handler) -> Handler:
        handler.handles = event_classes  # type: ignore[attr-defined]
        return handler

    return mark


def events_of(aggregate: type) -> tuple[type, ...]:
    """Every event class defined on an aggregate class."""
    return tuple(
        value for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, MentoringEvent | MentoringCreated)
    )


def advance(row: dict[str, Any], event: Any) -> None:
    """Moves a row that follows every event of one aggregate to the event's version."""
    if row["version"] != event.originator_version - 1:
        raise ProjectionOutOfOrder(
            f"{type(event).__qualname__} v{event.originator_version} of "
            f"{event.originator_id} reached a row at v{row['version']}"
        )
    row["version"] = event.originator_version


def apply_mentor_load(row: dict[str, Any], event: Any) -> None:
    """Capacity, retirement and active mentees of a mentor row (shared by two views)."""
    if isinstance(event, MentorProfile.CapacityChanged):
        row["capacity"] = event.capacity
    elif isinstance(event, MentorProfile.Retired):
        row["retired"] = True
    elif isinstance(event, MentorProfile.MenteeAssigned):
        row["active_mentees"] += 1
    elif isinstance(event, MentorProfile.MenteeReleased):
        row["active_mentees"] -= 1


class Batch:
    """One transaction's worth of view changes for one read model."""

    def __init__(self, cursor: TranslatingCursor, kind: str, tables: dict[str, str],
                 cache: dict[str, dict[Any, Any]] | None = None) -> None:
        self.cursor, self.kind, self.tables = cursor, kind, tables
        self._cache = cache  # rows committed by earlier batches, when this writer owns them
        self._rows: dict[str, Rows] = {}
        self._inserts: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
        self._sums: dict[str, tuple[Table, dict[tuple[Any, ...], int]]] = {}
        self._updates: dict[str, tuple[Table, dict[tuple[Any, ...], dict[str, Any]]]] = {}

    def rows(self, table: Table) -> Rows:
        if table.name not in self._rows:
            cache = None if self._cache is None else self._cache.setdefault(table.name, {})
            self._rows[table.name] = Rows(self.cursor, self.kind, table, self.tables[table.name],
                                          cache)
        return self._rows[table.name]

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Queues a row to insert (never update): a second insert of a key fails the batch."""
        self._inserts.setdefault(table.name, (table, []))[1].append(row)

    def update(self, table: Table, key: tuple[Any, ...], values: dict[str, Any]) -> None:
        """Sets columns of an existing row without reading it (written after the inserts)."""
        self._updates.setdefault(table.name, (table, {}))[1].setdefault(key, {}).update(values)

    def add(self, table: Table, key: tuple[Any, ...], amount: int) -> None:
        """Adds to the one value column of a row (made at 0 if missing), without reading it."""
        sums = self._sums.setdefault(table.name, (table, {}))[1]
        sums[key] = sums.get(key, 0) + amount

    def flush(self) -> None:
        for rows in self._rows.values():
            rows.flush()
        for table, new_rows in self._inserts.values():
            write_rows(self.cursor, self.kind, table, self.tables[table.name], new_rows,
                       upsert=False)
        self._inserts.clear()
        for table, updates in self._updates.values():
            physical = self.tables[table.name]
            for columns, keys in group_by_columns(updates).items():
                sets = ", ".join(f"{c} = %s" for c in columns)
                where = " AND ".join(f"{k} = %s" for k in table.key)
                self.cursor.executemany(f"UPDATE {physical} SET {sets} WHERE {where}",
                                        [(*values, *key) for key, values in keys])
        self._updates.clear()
        for table, sums in self._sums.values():
            (column,) = table.columns
            write_rows(self.cursor, self.kind, table, self.tables[table.name],
                       # Zero sums are written too: the rows do not depend on the batching.
                       [{**dict(zip(table.key, key, strict=True)), column: amount}
                        for key, amount in sums.items()], upsert=True, add=True)
        self._sums.clear()


def group_by_columns(updates: dict[tuple[Any, ...], dict[str, Any]]
                     ) -> dict[tuple[str, ...], list[tuple[tuple[Any, ...], tuple[Any, ...]]]]:
    """Row updates grouped by the columns they set, for one statement per group."""
    grouped: dict[tuple[str, ...], list[tuple[tuple[Any, ...], tuple[Any, ...]]]] = {}
    for key, values in updates.items():
        columns = tuple(sorted(values))
        grouped.setdefault(columns, []).append((key, tuple(values[c] for c in columns)))
    return grouped


class ReadModel:
    """A named set of view tables kept up to date from the notification log."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    handlers: ClassVar[dict[type, Handler]]
    # Bump when the handlers change what they write into unchanged tables: the workers then
    # rebuild the model (as they do when its tables change shape).
    revision: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = {}
        for value in vars(cls).values():
            for event_class in getattr(value, "handles", ()):
                cls.handlers[event_class] = value

    @property
    def topics(self) -> list[str]:
        """The event topics this model reads; the runner fetches only those."""
        return sorted(get_topic(c) for c in self.handlers)

    def table_names(self, version: int) -> dict[str, str]:
        return {t.name: f"{t.name}_v{version}" for t in self.tables}

    def create_statements(self, kind: str, version: int) -> list[str]:
        names = self.table_names(version)
        return [s for t in self.tables for s in t.create_statements(kind, names[t.name])]

    def fingerprint(self, kind: str) -> str:
        """What a version's rows depend on: the tables' shape and the handlers' revision."""
        return _fingerprint(type(self), kind)

    def drop_statements(self, version: int) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}" for name in self.table_names(version).values()]

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        """Loads, in bulk, the rows the batch will touch (optional, for speed)."""

    def before_batch(self, batch: Batch) -> Any:
        """Called after ``preload``, before the handlers; what it returns goes to
        ``after_batch`` (the rows as they were, say)."""
        return None

    def after_batch(self, batch: Batch, before: Any) -> None:
        """Called after the handlers, before the rows are written: figures that depend on
        the whole batch (totals, derived columns) are settled here."""

    def apply(self, batch: Batch, events: Iterable[Positioned]) -> None:
        """Applies a batch of (position, event) pairs: each to its handler, in order.

        The events were decoded with personal fields left sealed: views never hold
        personal text."""
        events = list(events)
        self.preload(batch, events)
        before = self.before_batch(batch)
        handlers = self.handlers
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, batch, event, position)
        self.after_batch(batch, before)
        batch.flush()


_fingerprints: dict[tuple[type[ReadModel], str], str] = {}


def _fingerprint(model: type[ReadModel], kind: str) -> str:
    key = (model, kind)
    if key not in _fingerprints:
        shape = "\n".join(model().create_statements(kind, 0)) + f"\nrevision {model.revision}"
        _fingerprints[key] = hashlib.sha256(shape.encode()).hexdigest()[:16]
    return _fingerprints[key]


@lru_cache(maxsize=1 << 16)
def id_text(value: Any) -> str:
    """``str`` of an aggregate id, cached: every read model asks for the same ids (a UUID's
    ``__str__`` is written in Python)."""
    return str(value)


def ids_of(events: Iterable[Positioned], *classes: type, attribute: str = "") -> list[str]:
    """The aggregate ids (or an attribute's values) of the events of some classes."""
    if not attribute:
        if not classes:
            return [id_text(event.originator_id) for _, event in events]
        wanted = _exact_classes(classes)
        return [id_text(event.originator_id) for _, event in events if type(event) in wanted]
    found = []
    for _, event in events:
        if not classes or isinstance(event, classes):
            value = getattr(event, attribute)
            if value is not None:
                found.append(str(value))
    return found


_EXACT: dict[tuple[type, ...], frozenset[type]] = {}


def _exact_classes(classes: tuple[type, ...]) -> frozenset[type]:
    """The event classes (and their subclasses) that count as ``classes``, for set lookups."""
    found = _EXACT.get(classes)
    if found is None:
        def subclasses(cls: type) -> set[type]:
            found: set[type] = {cls}
            subs: list[type] = cls.__subclasses__()
            for sub in subs:
                found |= subclasses(sub)
            return found
        found = _EXACT[classes] = frozenset(s for c in classes for s in subclasses(c))
    return found
