"""Streams the event store in global order, in batches, as JSON lines or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

import orjson

from application.service import MentoringService

BATCH = 1000
CSV_COLUMNS = ("position", "aggregate", "aggregate_id", "version", "type", "occurred_at",
               "actor", "summary", "data")


def _default(value: Any) -> str:
    if isinstance(value, set | frozenset):
        return sorted(value)  # type: ignore[return-value]
    return str(value)


def to_json(value: Any) -> bytes:
    """JSON for exports: dates as ISO-8601, anything else as its text."""
    return orjson.dumps(value, default=_default)


def export_events(service: MentoringService, target: BinaryIO, *, after: int = 0,
                  fmt: str = "jsonl") -> int:
    """Writes every event after ``after``; returns how many were written."""
    count, position = 0, after
    writer = None
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
    while True:
        batch = service.feed(after=position, limit=BATCH)
        if not batch:
            break
        for record in batch:
            if writer is None:
                target.write(to_json(record) + b"\n")
            else:
                row = {**record, "occurred_at": record["occurred_at"].isoformat(),
                       "data": to_json(record["data"]).decode()}
                writer.writerow([row[c] for c in CSV_COLUMNS])
        if writer is not None:
            target.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
        count += len(batch)
        position = batch[-1]["position"]
    if writer is not None and count == 0:
        target.write(buffer.getvalue().encode())
    target.flush()
    return count
