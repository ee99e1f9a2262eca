"""`mentoring export` and the analysts' API: every source, format and filter, checked
against the event store and the views."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from mentoring.analysis import ExportError, History
from mentoring.bootstrap import build_runtime
from mentoring.cli.exporting import to_json
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from tests.cli.test_cli import mentoring

END = datetime(2026, 11, 25, 6, tzinfo=UTC)


def filled(url: str) -> None:
    """Two programs' worth of demo history, projected."""
    built = build_runtime(Settings(database_url=url))
    try:
        DemoProgram(built.service, mentors=4, mentees=12, months=6, seed=11, now=END).run()
        DemoProgram(built.service, mentors=2, mentees=3, months=2, seed=12, now=END).run()
        built.runner(READ_MODELS).catch_up_all()
    finally:
        built.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    directory = tmp_path_factory.mktemp("export")
    url = f"sqlite:///{directory / 'm.db'}"
    filled(url)
    return url, directory


@pytest.fixture
def history(store: tuple[str, Path]) -> Iterator[History]:
    with History.open(store[0]) as opened:
        yield opened


def run(store: tuple[str, Path], *args: str) -> str:
    done = mentoring("export", *args, database_url=store[0], cwd=store[1])
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_events_in_every_format_are_the_event_store(store: tuple[str, Path],
                                                     history: History) -> None:
    feed = history.service.feed(after=0, limit=100_000)
    lines = [json.loads(line) for line in run(store).splitlines()]
    assert [r["position"] for r in lines] == [e["position"] for e in feed]
    assert [r["data"] for r in lines] == [json.loads(to_json(e["data"])) for e in feed]
    rows = list(csv.DictReader(io.StringIO(run(store, "--format", "csv"))))
    assert [int(r["position"]) for r in rows] == [e["position"] for e in feed]
    assert [json.loads(r["data"]) for r in rows] == [r["data"] for r in lines]
    assert [r["occurred_at"] for r in rows] == [r["occurred_at"] for r in lines]
    target = store[1] / "events.parquet"
    run(store, "--format", "parquet", "-o", str(target))
    table = pq.read_table(target)
    assert table.column("position").to_pylist() == [e["position"] for e in feed]
    assert table.column("occurred_at").to_pylist() == [e["occurred_at"] for e in feed]
    assert table.column("type").to_pylist() == [e["type"] for e in feed]
    assert [json.loads(d) for d in table.column("data").to_pylist()] == \
        [r["data"] for r in lines]


def test_filters_by_program_time_and_type(store: tuple[str, Path], history: History) -> None:
    every = list(history.events())
    programs = [e["aggregate_id"] for e in every if e["type"] == "Created"
                and e["aggregate"] == "Program"]
    assert len(programs) == 2
    small = programs[1]
    mine = [json.loads(line) for line in run(store, "--program", small).splitlines()]
    assert mine and {r["program_id"] for r in mine} == {small}
    assert len(mine) == sum(1 for e in every if e["program_id"] == small)

    since, until = "2026-08-01T00:00:00Z", "2026-09-01T00:00:00+00:00"
    window = [json.loads(line) for line in run(store, "--since", since, "--until", until)
              .splitlines()]
    low, high = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)
    assert len(window) == sum(1 for e in every if low <= e["occurred_at"] < high) > 0

    held = run(store, "--type", "SessionHeld", "--type",
               "mentoring.relationship.Concluded").splitlines()
    assert len(held) == sum(1 for e in every if e["type"] in ("SessionHeld", "Concluded"))
    assert {json.loads(line)["type"] for line in held} == {"SessionHeld", "Concluded"}


def test_read_models_and_the_audit_trail(store: tuple[str, Path], history: History) -> None:
    summaries = [json.loads(line) for line in
                 run(store, "--source", "relationship_summaries").splitlines()]
    listed = history.views.relationship_summaries(None, limit=1000)["items"]
    assert sorted(r["relationship_id"] for r in summaries) == sorted(
        r["relationship_id"] for r in listed)

    trail = list(csv.DictReader(io.StringIO(run(
        store, "--source", "audit_trail", "--format", "csv"))))
    every = list(history.events())
    trailed = [e for e in every if e["aggregate"] != "ExternalId"]
    assert len(trail) == len(trailed)
    one = trail[0]["aggregate_id"]
    by_api = history.views.audit_trail(one, 1000)["items"]
    assert [r["hash"] for r in trail if r["aggregate_id"] == one] == \
        [entry["hash"] for entry in sorted(by_api, key=lambda e: e["version"])
         if entry["aggregate_id"] == one]

    reviewed = list(csv.DictReader(io.StringIO(run(
        store, "--source", "audit_trail", "--format", "csv", "--type", "Reviewed"))))
    assert len(reviewed) == sum(1 for e in every if e["type"] == "Reviewed") > 0

    target = store[1] / "months.parquet"
    run(store, "--source", "program_health.health_months", "--format", "parquet", "-o",
        str(target))
    months = pq.read_table(target)
    assert months.num_rows > 0 and str(months.schema.field("delta").type) == "int64"
    assert sum(months.column("delta").to_pylist()) != 0


def test_refusals_are_clear_and_leave_no_file(store: tuple[str, Path]) -> None:
    url, directory = store
    target = directory / "refused.csv"
    for args, message in (
            (("--source", "at_risk", "--since", "2026-01-01T00:00:00Z", "-o", str(target)),
             "no time to filter by"),
            (("--since", "yesterday",), "not an ISO-8601 instant"),
            (("--since", "2026-01-01T00:00:00"), "give a timezone"),
            (("--program", "not-a-program"), "must be a UUID"),
            (("--source", "nothing"), "no source 'nothing'"),
            (("--format", "parquet"), "give --output FILE"),
            (("--source", "goal_summaries", "--after", "3"), "events only"),
            (("--after", str(2**63 - 1)), "is past the newest event"),
            (("--since", "2026-02-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"),
             "until must be after since")):
        done = mentoring("export", *args, database_url=url, cwd=directory)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
    assert not target.exists() and not (directory / "refused.csv.partial").exists()


def test_the_analysts_api_gives_states_and_tables(history: History) -> None:
    relationship = next(e["aggregate_id"] for e in history.events(types=["Concluded"]))
    assert history.state(relationship, version=1)["status"] == "requested"
    concluded_at = next(e["occurred_at"] for e in history.events(types=["Concluded"])
                        if e["aggregate_id"] == relationship)
    assert history.state(relationship, as_of=concluded_at)["status"] == "concluded"
    frame = history.events_frame(types=["SessionHeld"])
    assert len(frame) == sum(1 for _ in history.events(types=["SessionHeld"])) > 0
    assert str(frame["occurred_at"].dtype) == "datetime64[us, UTC]"
    goals = history.view_table("goal_summaries")
    assert goals.num_rows == len(history.views.goal_summaries(None, limit=1000)["items"])
    assert "events" in history.sources() and "at_risk.at_risk_history" in history.sources()
    newest = history.service.last_position()
    assert list(history.events(after=newest)) == []  # nothing new: an empty export
    with pytest.raises(ExportError, match=f"after position {newest + 1} is past the newest"):
        history.events_table(after=newest + 1)


@pytest.mark.postgres
def test_exports_on_postgresql(fresh_postgres_url: str) -> None:
    filled(fresh_postgres_url)
    with History.open(fresh_postgres_url) as history:
        feed = history.service.feed(after=0, limit=100_000)
        table = history.events_table()
        assert table.column("position").to_pylist() == [e["position"] for e in feed]
        summaries = history.view_table("relationship_summaries")
        assert summaries.num_rows == len(
            history.views.relationship_summaries(None, limit=1000)["items"])
        trail = history.view_table("audit_trail", types=["Reviewed"])
        assert trail.num_rows == sum(1 for e in feed if e["type"] == "Reviewed")
