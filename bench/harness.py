"""What every benchmark shares: a throw-away database, repeated runs, percentiles."""

from __future__ import annotations

import platform
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings

SIZES: dict[str, dict[str, float]] = {
    # name: (write seconds, time-travel events, rebuild events, lag seconds, read relationships)
    "tiny": {"write_seconds": 0.5, "clients": 4, "history": 300, "rebuild_events": 2_000,
             "lag_seconds": 1.0, "lag_rate": 50, "relationships": 200, "queries": 30, "runs": 1,
             "relay_events": 1_000},
    "default": {"write_seconds": 5, "clients": 16, "history": 10_000, "rebuild_events": 100_000,
                "lag_seconds": 10, "lag_rate": 200, "relationships": 20_000, "queries": 300,
                "runs": 3, "relay_events": 20_000},
    "full": {"write_seconds": 10, "clients": 32, "history": 10_000, "rebuild_events": 1_000_000,
             "lag_seconds": 20, "lag_rate": 200, "relationships": 100_000, "queries": 500,
             "runs": 3, "relay_events": 20_000},
}


@dataclass
class Figure:
    """One benchmark result: the measured value, its baseline and the target."""

    name: str
    unit: str
    value: float
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    runs: list[float] = field(default_factory=list)
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


def median_and_spread(values: list[float]) -> tuple[float, float]:
    """Median, and the spread as (max - min) / median."""
    middle = statistics.median(values)
    return middle, (max(values) - min(values)) / middle if middle else 0.0


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def repeat(runs: int, measure: Callable[[], float]) -> list[float]:
    return [measure() for _ in range(runs)]


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database for one benchmark, dropped afterwards."""
    name = f"mentoring_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = server_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def runtime_on(url: str, pool_size: int = 20) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=url, database_pool_size=pool_size))
    try:
        yield built
    finally:
        built.close()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    def run(*command: str) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return done.stdout.strip()
        except OSError:
            return "?"

    cpu = next((line.split(":", 1)[1].strip() for line in run("cat", "/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in run("cat", "/proc/meminfo").splitlines()
                   if line.startswith("MemTotal")), "0")
    return {
        "cpu": cpu, "cores": run("nproc"), "memory_gib": round(int(memory) / 2**20, 1),
        "python": platform.python_version(), "postgres": run("psql", "--version"),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
