"""The benchmark code runs once at tiny size, so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import benchmarks, main


@pytest.mark.postgres
def test_every_benchmark_runs_at_tiny_size_and_writes_its_figures(
    tmp_path: Path, postgres_server_url: str
) -> None:
    output = tmp_path / "benchmarks.md"
    assert main(["--size", "tiny", "--postgres-url", postgres_server_url,
                 "--output", str(output)]) == 0
    text = output.read_text()
    assert "| figure | value | baseline | ratio | target | met | notes |" in text
    for expected in ("Write path, application service", "Write path, HTTP API",
                     "Projection rebuild", "Live lag", "Time travel by version",
                     "Time travel as of an instant", "Read API: program health",
                     "Write path, HTTP API vs CRUD peer", "serve --workers 2",
                     "Kafka relay throughput", "Commit-to-Kafka latency",
                     "Export: events to Parquet", "Dashboard: program health"):
        assert expected in text
    assert len(benchmarks()) == 9
