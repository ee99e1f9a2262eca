"""The event store as columns, a batch at a time: what ``events`` exports.

Rows come in bulk from the log reader, each decoded once (``EventDecoder``: the
mapper's own objects, made faster); types are filtered before decoding, programs
before opening; the personal fields of a whole batch are opened with one look-up of
keys; then each kept event gives one row of ``EVENT_COLUMNS``, the values
``application.records.describe_event`` gives (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from application.history import IDENTITY_CACHE_SIZE
from application.records import payload_names
from infrastructure.event_decoder import EventDecoder
from infrastructure.log_reader import NotificationReader
from infrastructure.shredding import ShreddingMapper
from mentoring.export_filters import Filters
from projections.runner import paused_cycle_collection

if TYPE_CHECKING:
    import pyarrow

    from mentoring.bootstrap import Runtime

READ_BATCH = 5_000
EVENT_COLUMNS = ("position", "aggregate", "aggregate_id", "program_id", "version", "type",
                 "occurred_at", "actor", "on_behalf_of", "summary", "data")


class Kind(NamedTuple):
    """What every event of one class shares."""

    aggregate: str
    name: str
    payload: tuple[str, ...]


@cache
def kind_of(event_class: Any) -> Kind:
    return Kind(event_class.__qualname__.split(".")[0], event_class.__name__,
                payload_names(event_class))


@dataclass
class EventColumns:
    """The kept events of one read, column by column (``data`` as the payload itself)."""

    scanned: int = 0  # positions read past, kept or not (for progress)
    position: list[int] = field(default_factory=list)
    aggregate: list[str] = field(default_factory=list)
    aggregate_id: list[str] = field(default_factory=list)
    program_id: list[str | None] = field(default_factory=list)
    version: list[int] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    occurred_at: list[datetime] = field(default_factory=list)
    actor: list[str] = field(default_factory=list)
    on_behalf_of: list[str | None] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    data: list[Any] = field(default_factory=list)  # payload dicts, or their JSON text

    def __len__(self) -> int:
        return len(self.position)

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict per event, keyed by ``EVENT_COLUMNS``."""
        columns = [getattr(self, name) for name in EVENT_COLUMNS]
        return (dict(zip(EVENT_COLUMNS, values, strict=True))
                for values in zip(*columns, strict=True))

    def arrow(self, schema: pyarrow.Schema) -> pyarrow.RecordBatch:
        """The batch as Arrow, typed by ``schema`` (read with ``data`` as text)."""
        import pyarrow as pa

        return pa.RecordBatch.from_arrays(
            [pa.array(getattr(self, f.name), f.type) for f in schema], schema=schema)


class EventLog:
    """Reads the event store of a runtime as ``EventColumns``."""

    def __init__(self, runtime: Runtime) -> None:
        self.service = runtime.service
        self.reader = NotificationReader(runtime.events, runtime.sql)
        self.decoder = EventDecoder(runtime.events.mapper)
        mapper = runtime.events.mapper
        self._open = mapper.open_sealed if isinstance(mapper, ShreddingMapper) \
            else lambda _: None
        # An export's own memory of aggregates: the UUID of each id and its program.
        self._known: dict[str, tuple[UUID, str | None]] = {}

    def batches(self, filters: Filters, *, after: int = 0, size: int = READ_BATCH,
                data_text: Callable[[dict[str, Any]], str] | None = None
                ) -> Iterator[EventColumns]:
        """Every event after ``after`` that ``filters`` keep, in global order; ``data``
        as ``data_text`` writes each payload, if given (Arrow, CSV), else as dicts."""
        position = after
        # The next rows are read (mostly waiting on the database) while these are decoded.
        with ThreadPoolExecutor(1, thread_name_prefix="export-read") as ahead:
            reading = ahead.submit(self.reader.stored_after, position, size)
            while rows := reading.result():
                reading = ahead.submit(self.reader.stored_after, rows[-1][0], size)
                with paused_cycle_collection():
                    columns = self._columns(rows, filters, data_text)
                columns.scanned = rows[-1][0] - position
                position = rows[-1][0]
                yield columns

    def _columns(self, rows: list[tuple[int, str, int, str, bytes]], filters: Filters,
                 data_text: Callable[[dict[str, Any]], str] | None) -> EventColumns:
        events, programs, positions, ids = self._kept(rows, filters)
        self._open(events)
        out = EventColumns()
        out.position, out.aggregate_id, out.program_id = positions, ids, programs
        aggregates, versions, types, times = out.aggregate, out.version, out.type, \
            out.occurred_at
        actors, acted_for, summaries, data = out.actor, out.on_behalf_of, out.summary, out.data
        for event in events:
            kind = kind_of(event.__class__)
            state = event.__dict__
            aggregates.append(kind.aggregate)
            versions.append(event.originator_version)
            types.append(kind.name)
            times.append(event.timestamp)
            actors.append(event.actor)
            acted_for.append(event.on_behalf_of)
            summaries.append(event.summary())
            payload = {name: state[name] for name in kind.payload}
            data.append(payload if data_text is None else data_text(payload))
        return out

    def _kept(self, rows: list[tuple[int, str, int, str, bytes]], filters: Filters
              ) -> tuple[list[Any], list[str | None], list[int], list[str]]:
        """The decoded, still sealed events the filters keep, with their programs,
        positions and aggregate ids."""
        events: list[Any] = []
        programs: list[str | None] = []
        positions: list[int] = []
        ids: list[str] = []
        wanted_program, timed = filters.program_id, filters.since or filters.until
        kept_topics: dict[str, bool] = {}
        for position, aggregate_id, version, topic, state in rows:
            keep = kept_topics.get(topic)
            if keep is None:
                keep = kept_topics[topic] = self._keeps_topic(filters, topic)
            known = self._known.get(aggregate_id)
            if not keep:
                if known is None and version == 1:  # learnt now, not read back later
                    self._identify(aggregate_id, self.decoder.decode(
                        UUID(aggregate_id), version, topic, state))
                continue
            if known is not None and wanted_program is not None and known[1] != wanted_program:
                continue
            event = self.decoder.decode(known[0] if known else UUID(aggregate_id), version,
                                        topic, state)
            if known is None:
                known = self._identify(aggregate_id, event)
                if wanted_program is not None and known[1] != wanted_program:
                    continue
            if timed and not filters.keeps_time(event.timestamp):
                continue
            events.append(event)
            programs.append(known[1])
            positions.append(position)
            ids.append(aggregate_id)
        return events, programs, positions, ids

    def _keeps_topic(self, filters: Filters, topic: str) -> bool:
        if not filters.types:
            return True
        kind = kind_of(self.decoder.event_class(topic))
        return filters.keeps_type(kind.aggregate, kind.name)

    def _identify(self, aggregate_id: str, event: Any) -> tuple[UUID, str | None]:
        """An aggregate's UUID and program (None for a person's erasure), from its first
        event when this is it, else from the service (which reads that first event)."""
        if event.originator_version == 1:
            kind, program = self.service.identity_from(event)
        else:
            kind = self.service.aggregate_type(aggregate_id)
            program = self.service.program_of(aggregate_id)
        if len(self._known) >= IDENTITY_CACHE_SIZE:
            self._known.clear()  # memory stays flat; a forgotten aggregate is read again
        known = self._known[aggregate_id] = (event.originator_id,
                                             None if kind == "Erasure" else program)
        return known
