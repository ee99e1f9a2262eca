"""The installed ``mentoring`` console script, end to end, on a SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "mentoring"


def mentoring(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs the console script as a user would, with only the documented variable set."""
    executable = str(SCRIPT) if SCRIPT.exists() else shutil.which("mentoring")
    assert executable, "the mentoring console script is not installed (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
    env |= {"MENTORING_DATABASE_URL": database_url, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str]:
    """A store filled once by ``mentoring demo``: (database URL, directory, demo output)."""
    directory = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{directory / 'm.db'}"
    done = mentoring("demo", "--mentors", "5", "--mentees", "10", database_url=url,
                     cwd=directory)
    assert done.returncode == 0, done.stderr
    return url, directory, done.stdout


@pytest.fixture(scope="module")
def exported(demo_store: tuple[str, Path, str]) -> list[dict[str, object]]:
    url, directory, _ = demo_store
    done = mentoring("export", database_url=url, cwd=directory)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_help_lists_the_core_commands(tmp_path: Path) -> None:
    done = mentoring("--help", database_url=f"sqlite:///{tmp_path / 'm.db'}", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("demo", "replay", "export"):
        assert command in done.stdout


def test_demo_reports_how_many_events_it_wrote(demo_store: tuple[str, Path, str]) -> None:
    first_line = demo_store[2].splitlines()[0]
    assert first_line.startswith("wrote ")
    assert int(first_line.split()[1]) > 100
    assert "5 mentors" in first_line and "10 relationships" in first_line


def test_export_writes_every_event_in_global_order_as_json_lines(
        demo_store: tuple[str, Path, str], exported: list[dict[str, object]]) -> None:
    written = int(demo_store[2].split()[1])
    assert [record["position"] for record in exported] == list(range(1, written + 1))
    for record in exported:
        assert {"type", "aggregate", "aggregate_id", "version", "actor", "occurred_at",
                "data"} <= set(record)
    assert {record["aggregate"] for record in exported} == {
        "Program", "MentorProfile", "Relationship", "Goal"}


def test_export_after_a_position_starts_after_it(demo_store: tuple[str, Path, str]) -> None:
    url, directory, _ = demo_store
    done = mentoring("export", "--after", "100", database_url=url, cwd=directory)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["position"] == 101


def test_export_as_csv_has_a_header_and_one_row_per_event(
        demo_store: tuple[str, Path, str], exported: list[dict[str, object]]) -> None:
    url, directory, _ = demo_store
    done = mentoring("export", "--format", "csv", database_url=url, cwd=directory)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [int(row["position"]) for row in rows] == [r["position"] for r in exported]
    assert {"type", "aggregate", "actor", "data"} <= set(rows[0])
    assert json.loads(rows[0]["data"]) == exported[0]["data"]


def test_export_to_a_file(demo_store: tuple[str, Path, str],
                          exported: list[dict[str, object]]) -> None:
    url, directory, _ = demo_store
    target = directory / "events.jsonl"
    done = mentoring("export", "--output", str(target), database_url=url, cwd=directory)
    assert done.returncode == 0, done.stderr
    assert len(target.read_text().splitlines()) == len(exported)


def test_export_in_an_unknown_format_is_a_usage_error(demo_store: tuple[str, Path, str]) -> None:
    url, directory, _ = demo_store
    done = mentoring("export", "--format", "xml", database_url=url, cwd=directory)
    assert done.returncode == 2
    assert "jsonl, csv or parquet" in done.stderr


def test_replay_prints_a_relationships_events_in_order(
        demo_store: tuple[str, Path, str], exported: list[dict[str, object]]) -> None:
    url, directory, _ = demo_store
    rel = next(r["aggregate_id"] for r in exported if r["type"] == "Requested")
    done = mentoring("replay", str(rel), database_url=url, cwd=directory)
    assert done.returncode == 0, done.stderr
    event_lines = [line for line in done.stdout.splitlines() if line.startswith("v")]
    assert event_lines[0].startswith("v1 ")
    assert "Requested" in event_lines[0]
    assert [int(line.split()[0][1:]) for line in event_lines] == list(
        range(1, len(event_lines) + 1))
    assert "status = requested" in done.stdout


def test_replay_of_an_unknown_id_fails_with_a_clear_message(
        demo_store: tuple[str, Path, str]) -> None:
    url, directory, _ = demo_store
    done = mentoring("replay", "3f0c2b7e-5d1a-4c8e-9b6f-2a7d4e1c9b00", database_url=url,
                     cwd=directory)
    assert done.returncode != 0
    assert "3f0c2b7e-5d1a-4c8e-9b6f-2a7d4e1c9b00" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unsupported_database_url_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    done = mentoring("export", database_url="mysql://x", cwd=tmp_path)
    assert done.returncode == 2
    assert "MENTORING_DATABASE_URL" in done.stderr
    assert "sqlite:///" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_without_mentees_is_a_usage_error(tmp_path: Path) -> None:
    done = mentoring("demo", "--mentees", "0", database_url=f"sqlite:///{tmp_path / 'm.db'}",
                     cwd=tmp_path)
    assert done.returncode == 2
    assert "--mentees" in done.stderr
    assert not (tmp_path / "m.db").exists()


def test_verify_checks_a_trail_against_the_event_store_and_fails_on_tampering(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    for verb in (("demo", "--mentors", "2", "--mentees", "3", "--months", "2"),
                 ("rebuild", "audit_trail")):
        done = mentoring(*verb, database_url=url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in mentoring(
        "export", database_url=url, cwd=tmp_path).stdout.splitlines()]
    rel = next(str(e["aggregate_id"]) for e in events if e["type"] == "Requested")
    done = mentoring("verify", rel, database_url=url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Relationship {rel}: ") and done.stdout.endswith("valid\n")
    with sqlite3.connect(tmp_path / "m.db") as db:
        (table,) = db.execute("SELECT name FROM sqlite_master WHERE name LIKE "
                              "'audit_entries_v%' AND type = 'table'").fetchone()
        db.execute(f"UPDATE {table} SET actor = 'someone' WHERE aggregate_id = ? "
                   "AND version = 1", (rel,))
    done = mentoring("verify", rel, database_url=url, cwd=tmp_path)
    assert done.returncode == 1
    assert f"altered (actor): {rel} v1" in done.stdout
    assert "does not match the event store" in done.stderr
    done = mentoring("verify", "not-an-id", database_url=url, cwd=tmp_path)
    assert done.returncode == 1 and "not-an-id" in done.stderr


def test_replay_stops_at_a_version_or_an_instant(
        demo_store: tuple[str, Path, str], exported: list[dict[str, object]]) -> None:
    url, directory, _ = demo_store
    rel = str(next(r["aggregate_id"] for r in exported if r["type"] == "Requested"))
    events = [r for r in exported if r["aggregate_id"] == rel]
    assert len(events) >= 3

    def versions(*args: str) -> list[int]:
        done = mentoring("replay", rel, *args, database_url=url, cwd=directory)
        assert done.returncode == 0, done.stderr
        return [int(line.split()[0][1:]) for line in done.stdout.splitlines()
                if line.startswith("v")]

    assert versions("--version", "2") == [1, 2]
    second = str(events[1]["occurred_at"])
    assert versions("--as-of", second) == [1, 2]  # events at that very instant count
    assert versions("--as-of", "2999-01-01T00:00:00Z") == list(range(1, len(events) + 1))
    for args, code, says in ((["--as-of", "2000-01-01T00:00:00+00:00"], 1, "did not exist"),
                             (["--version", "9999"], 1, "has no version 9999"),
                             (["--as-of", "yesterday"], 2, "not an ISO-8601 instant"),
                             (["--as-of", "2026-01-01T00:00:00"], 2, "give a timezone")):
        done = mentoring("replay", rel, *args, database_url=url, cwd=directory)
        assert done.returncode == code and says in done.stderr, (args, done.stderr)


def test_consume_says_what_it_needs_and_refuses_unknown_views(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    done = mentoring("consume", database_url=url, cwd=tmp_path)
    assert done.returncode == 2
    assert "MENTORING_KAFKA_BOOTSTRAP_SERVERS" in done.stderr
    assert "Traceback" not in done.stderr
    done = mentoring("consume", "no_such_view", database_url=url, cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown projection" in done.stderr and "relationship_summaries" in done.stderr
    done = mentoring("consume", "--status", database_url=url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "`mentoring consume` never ran" in done.stdout
