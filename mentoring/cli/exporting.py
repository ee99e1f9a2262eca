"""Writes an export source (events, a read model, the audit trail) as JSON lines, CSV or
Parquet, streamed in batches: memory stays flat whatever the size."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

import orjson

from mentoring.analysis import Column, ExportError, arrow_batches, arrow_schema, flat

FORMATS = ("jsonl", "csv", "parquet")


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def to_json(value: Any) -> bytes:
    """JSON for exports: instants as ISO-8601, anything else as its text."""
    return orjson.dumps(value, default=_default)


def write(rows: Iterable[dict[str, Any]], columns: list[Column], target: BinaryIO, fmt: str,
          on_row: Callable[[], None] = lambda: None) -> int:
    """Writes every row in ``fmt``; returns how many were written."""
    if fmt == "jsonl":
        return _jsonl(rows, target, on_row)
    if fmt == "csv":
        return _csv(rows, columns, target, on_row)
    if fmt == "parquet":
        return _parquet(rows, columns, target, on_row)
    raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _jsonl(rows: Iterable[dict[str, Any]], target: BinaryIO, on_row: Callable[[], None]) -> int:
    count, chunk = 0, []
    for row in rows:
        chunk.append(to_json(row))
        count += 1
        on_row()
        if len(chunk) >= 1000:
            target.write(b"\n".join(chunk) + b"\n")
            chunk = []
    if chunk:
        target.write(b"\n".join(chunk) + b"\n")
    return count


def _csv(rows: Iterable[dict[str, Any]], columns: list[Column], target: BinaryIO,
         on_row: Callable[[], None]) -> int:
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
        on_row()
        if buffer.tell() > 1 << 20:
            target.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    target.write(buffer.getvalue().encode())
    return count


def _parquet(rows: Iterable[dict[str, Any]], columns: list[Column], target: BinaryIO,
             on_row: Callable[[], None]) -> int:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet needs pyarrow: install the analysts extra "
                          "(.venv/bin/pip install -e '.[analysts]')") from None

    def counted() -> Iterable[dict[str, Any]]:
        for row in rows:
            on_row()
            yield row

    count = 0
    with pq.ParquetWriter(target, arrow_schema(columns), compression="zstd") as writer:
        for batch in arrow_batches(columns, counted(), size=20_000):
            writer.write_batch(batch)
            count += batch.num_rows
    return count
