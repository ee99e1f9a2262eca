"""Events exported to Parquet per second, against a raw ``COPY (SELECT ...) TO STDOUT`` of
the same stored rows in the same run."""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pyarrow.parquet as pq

from bench.bulk import load_demo_events
from bench.harness import Figure, median_and_spread, runtime_on
from infrastructure.database import parse_database_url
from mentoring.analysis import Filters, History
from mentoring.cli.exporting import write

RAW_COPY = ("COPY (SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM mentoring_events ORDER BY notification_id) TO STDOUT")


def raw_copy(dsn: str, target: Path) -> tuple[int, float]:
    """(rows, seconds) of copying every stored event row out of PostgreSQL into a file."""
    started, rows = time.perf_counter(), 0
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor, target.open("wb") as out, \
            cursor.copy(RAW_COPY) as copy:
        for block in copy:
            out.write(block)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT count(*) FROM mentoring_events").fetchone()[0]  # type: ignore[index]
    return int(rows), time.perf_counter() - started


def parquet_export(url: str, target: Path, fmt: str = "parquet") -> tuple[int, float]:
    """(rows, seconds) of ``mentoring export --format parquet`` of every event."""
    with runtime_on(url) as runtime:
        history = History(runtime)
        source = history.source("events")
        started = time.perf_counter()
        with target.open("wb") as out:
            count = write(source, Filters(), out, fmt)
        return count, time.perf_counter() - started


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    events = int(size["rebuild_events"])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        stored = pool.submit(load_demo_events, url, events).result()
    dsn = parse_database_url(url).postgres_dsn
    assert dsn
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for _ in range(int(size["runs"])):
            rows, seconds = raw_copy(dsn, folder / "raw.copy")
            theirs.append(rows / seconds)
            count, seconds = parquet_export(url, folder / "events.parquet")
            assert count == rows == pq.read_metadata(folder / "events.parquet").num_rows
            ours.append(count / seconds)
        size_raw = (folder / "raw.copy").stat().st_size
        size_parquet = (folder / "events.parquet").stat().st_size
    rate, spread = median_and_spread(ours)
    baseline, _ = median_and_spread(theirs)
    return [Figure(
        name="Export: events to Parquet", unit="events/s", value=rate, baseline=baseline,
        baseline_name="raw COPY (SELECT ...) TO STDOUT of the same rows",
        target=">= 0.5 x raw COPY", met=rate >= 0.5 * baseline, runs=ours,
        notes=f"{stored:,} events (demo generator, bulk-loaded); the export reads them in "
              f"bulk, decodes each once (personal text decrypted, keys looked up per "
              f"batch), adds its program and summary and writes zstd Parquet from columns: "
              f"{size_parquet / 2**20:.1f} MiB against {size_raw / 2**20:.1f} MiB of raw "
              f"COPY text; spread {spread:.0%}")]
