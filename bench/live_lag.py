"""Figure 3: commit-to-visible lag in the read model at a steady command rate.

A projection worker (``mentoring project relationship_summaries``, a separate
process following LISTEN/NOTIFY) runs while commands are sent at a fixed
rate; a watcher polls the projection's committed position every millisecond
and records, for each command, when its event became visible.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

from bench.harness import Figure, percentile, runtime_on
from bench.write_path import seed_relationships

PROJECTION = "relationship_summaries"
POSITION = ("SELECT COALESCE(MAX(p.position), 0) FROM projection_positions p "
            "JOIN projection_versions v ON v.name = p.name AND v.active_version = p.version "
            "WHERE p.name = %s")


def start_worker(url: str) -> subprocess.Popen[bytes]:
    mentoring = Path(sys.executable).parent / "mentoring"
    env = {**os.environ, "MENTORING_DATABASE_URL": url}
    return subprocess.Popen([str(mentoring), "project", PROJECTION], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    rate, seconds = size["lag_rate"], size["lag_seconds"]
    with runtime_on(url) as runtime:
        ids = seed_relationships(runtime, 8)
        worker = start_worker(url)
        reader = psycopg.connect(url, autocommit=True)

        def visible() -> int:
            try:
                row = reader.execute(POSITION, (PROJECTION,)).fetchone()
            except psycopg.errors.UndefinedTable:
                return 0  # the worker has not created its tables yet
            return int(row[0]) if row else 0

        try:
            head = runtime.service.last_position()
            if not wait_for(lambda: visible() >= head, 60):
                raise RuntimeError("the projection worker did not catch up")
            committed: list[tuple[int, float]] = []
            seen: dict[int, float] = {}
            done = threading.Event()

            def watch() -> None:
                while not done.is_set() or (committed and max(seen, default=0) <
                                            committed[-1][0]):
                    position = visible()
                    now = time.perf_counter()
                    for pos, _ in committed:
                        if pos <= position and pos not in seen:
                            seen[pos] = now
                    time.sleep(0.001)
                    if done.is_set() and time.perf_counter() - stop_at > 10:
                        return

            stop_at = float("inf")
            watcher = threading.Thread(target=watch)
            watcher.start()
            interval, started = 1 / rate, time.perf_counter()
            for index in range(int(rate * seconds)):
                time.sleep(max(0.0, started + index * interval - time.perf_counter()))
                outcome = runtime.service.report_progress(
                    ids[index % len(ids)], goal_id=None,
                    note="Led the sprint review", actor="bench")
                committed.append((outcome.position or 0, time.perf_counter()))
            achieved = len(committed) / (time.perf_counter() - started)
            stop_at = time.perf_counter()
            done.set()
            watcher.join()
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            reader.close()
    lags = [(seen[pos] - at) * 1000 for pos, at in committed if pos in seen]
    if not lags:
        return [Figure(name="Live lag", unit="ms p99", value=float("nan"), met=False,
                       target="p99 <= 50 ms", notes="no command became visible")]
    p99 = percentile(lags, 0.99)
    return [Figure(
        name=f"Live lag, commit to read model ({PROJECTION})", unit="ms p99", value=p99,
        target="p99 <= 50 ms at 200 commands/s", met=p99 <= 50 and rate >= 200,
        notes=f"p50 {percentile(lags, 0.5):.1f} ms; {len(lags)} commands at "
              f"{achieved:.0f}/s; worker: `mentoring project` (LISTEN/NOTIFY + 1 s poll); "
              "watcher polls the committed position every 1 ms")]
