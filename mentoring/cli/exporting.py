"""Writes an export source (events, a read model, the audit trail) as JSON lines, CSV or
Parquet, streamed in batches: memory stays flat whatever the size."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from mentoring.analysis import Column, Source, arrow_batches, arrow_schema, flat
from mentoring.export_filters import ExportError, Filters

if TYPE_CHECKING:
    import pyarrow

FORMATS = ("jsonl", "csv", "parquet")
ROW_GROUP = 20_000  # rows per Parquet row group
Counter = Callable[[int], None]


def _ignore(_: int) -> None:
    pass


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def to_json(value: Any) -> bytes:
    """JSON for exports: instants as ISO-8601, anything else as its text."""
    return orjson.dumps(value, default=_default)


def write(source: Source, filters: Filters, target: BinaryIO, fmt: str, *,
          scanned: Counter = _ignore, written: Counter = _ignore) -> int:
    """Writes every row of ``source`` that ``filters`` keep in ``fmt``; returns how many.
    ``scanned`` hears of positions read, ``written`` of rows written."""
    if fmt == "jsonl":
        return _jsonl(source.rows(filters, scanned), target, written)
    if fmt == "csv":
        return _csv(source.rows(filters, scanned), source.columns, target, written)
    if fmt == "parquet":
        return _parquet(source, filters, target, scanned, written)
    raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _jsonl(rows: Iterable[dict[str, Any]], target: BinaryIO, written: Counter) -> int:
    count, chunk = 0, []
    for row in rows:
        chunk.append(to_json(row))
        if len(chunk) >= 1000:
            target.write(b"\n".join(chunk) + b"\n")
            count += len(chunk)
            written(len(chunk))
            chunk = []
    if chunk:
        target.write(b"\n".join(chunk) + b"\n")
        count += len(chunk)
        written(len(chunk))
    return count


def _csv(rows: Iterable[dict[str, Any]], columns: list[Column], target: BinaryIO,
         written: Counter) -> int:
    """One header row, then one row per record; JSON columns as JSON text, instants as
    ISO-8601, empty for null."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    count = 0
    for row in rows:
        values = flat(columns, row)
        writer.writerow(["" if values[c.name] is None else
                         values[c.name].isoformat() if c.kind == "instant" else values[c.name]
                         for c in columns])
        count += 1
        if count % 1000 == 0:
            written(1000)
        if buffer.tell() > 1 << 20:
            target.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    target.write(buffer.getvalue().encode())
    written(count % 1000)
    return count


def _parquet(source: Source, filters: Filters, target: BinaryIO, scanned: Counter,
             written: Counter) -> int:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet needs pyarrow: install the analysts extra "
                          "(.venv/bin/pip install -e '.[analysts]')") from None
    batches = (source.batches(filters, scanned) if source.batches is not None else
               arrow_batches(source.columns, source.rows(filters, scanned), size=ROW_GROUP))
    schema = arrow_schema(source.columns)
    count = 0
    # Row groups are encoded and compressed (without the interpreter lock) while the next
    # rows are made; one write in flight at a time keeps memory flat.
    with pq.ParquetWriter(target, schema, compression="zstd") as writer, \
            ThreadPoolExecutor(1, thread_name_prefix="export-write") as pool:
        writing: Future[None] | None = None
        for group in row_groups(batches, schema):
            if writing is not None:
                writing.result()  # raises what the write raised
            writing = pool.submit(writer.write_table, group)
            count += group.num_rows
            written(group.num_rows)
        if writing is not None:
            writing.result()
    return count


def row_groups(batches: Iterable[pyarrow.RecordBatch], schema: pyarrow.Schema
               ) -> Iterator[pyarrow.Table]:
    """Batches gathered into tables of about ``ROW_GROUP`` rows (one row group each)."""
    import pyarrow as pa

    waiting: list[pyarrow.RecordBatch] = []
    held = 0
    for batch in batches:
        waiting.append(batch)
        held += batch.num_rows
        if held >= ROW_GROUP:
            yield pa.Table.from_batches(waiting, schema=schema)
            waiting, held = [], 0
    if waiting:
        yield pa.Table.from_batches(waiting, schema=schema)
