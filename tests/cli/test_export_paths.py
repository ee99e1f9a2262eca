"""The events export (bulk read, decoded once, opened per batch, built column by column)
gives exactly the rows of describing each event of the service's own feed, one by one:
on SQLite and PostgreSQL, in every format, under every filter, with an erased person,
an event acted for someone and an old version the mapper upcasts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from domain.base import ERASED, Actor
from mentoring.analysis import EVENT_SCHEMA, History, arrow_table
from mentoring.bootstrap import build_runtime
from mentoring.cli.exporting import _csv, _jsonl, write
from mentoring.demo import DemoProgram
from mentoring.export_filters import Filters
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from tests.application.scenario import World, at
from tests.application.test_upcasting import as_version_1, stored_expectations

END = datetime(2026, 11, 25, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def history_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[str]:
    """Two demo programs, a third with an event acted for a mentee and an old version of
    an event, and one erased mentee; on SQLite, and on PostgreSQL when asked."""
    if request.param == "sqlite":
        yield fill(f"sqlite:///{tmp_path_factory.mktemp('paths') / 'm.db'}")
        return
    from tests.support import postgres

    with postgres.postgres_server() as server, postgres.fresh_database(server) as url:
        yield fill(url)


def fill(url: str) -> str:
    built = build_runtime(Settings(database_url=url))
    try:
        service = built.service
        DemoProgram(service, mentors=4, mentees=12, months=6, seed=11, now=END).run()
        DemoProgram(service, mentors=2, mentees=3, months=2, seed=12, now=END).run()
        world = World.open(service)
        rel = world.agreed("emp-acted-for")
        service.express_gratitude(rel, message="Thank you", at=at(days=5),
                                  actor=Actor("api-key:portal", "mentee", "emp-acted-for"))
        service.store.recorder.insert_events(
            [as_version_1(stored_expectations(service, rel, review_every_days=30))])
        mentee = next(e["data"]["mentee_id"] for e in service.feed(after=0, limit=500)
                      if e["type"] == "Requested")
        service.erase_person(mentee, reason="GDPR request", actor="admin")
        built.runner(READ_MODELS).catch_up_all()
    finally:
        built.close()
    return url


def described(history: History, filters: Filters, after: int = 0) -> list[dict[str, Any]]:
    """The rows as the export made them before: the service's feed, each event described
    (``describe_event``) and its program looked up, filtered row by row."""
    rows = []
    for record in history.service.feed(after=after, limit=1_000_000):
        program = history.program_of(record["aggregate_id"])
        if filters.keeps_type(record["aggregate"], record["type"]) \
                and filters.keeps_time(record["occurred_at"]) \
                and filters.program_id in (None, program):
            rows.append({**record, "program_id": program})
    return [{name: row[name] for name in (c.name for c in EVENT_SCHEMA)} for row in rows]


def programs(history: History) -> list[str]:
    return [e["aggregate_id"] for e in described(history, Filters.of(types=["Created"]))
            if e["aggregate"] == "Program"]


FILTERS: list[dict[str, Any]] = [
    {},
    {"types": ["SessionHeld", "mentoring.relationship.Concluded", "PersonalDataErased"]},
    {"since": "2026-08-01T00:00:00Z", "until": "2026-09-01T00:00:00+02:00"},
    {"program": 0},
    {"program": 1, "types": ["Requested", "GratitudeExpressed"], "since": "2026-01-01T00:00Z"},
    {"program": 2},
]


@pytest.mark.parametrize("history_url", ["sqlite", pytest.param(
    "postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("part", [0, 0.5], ids=["from-the-start", "after-half"])
@pytest.mark.parametrize("asked", FILTERS, ids=lambda f: "+".join(f) or "everything")
def test_every_format_gives_the_described_rows(history_url: str, asked: dict[str, Any],
                                               part: float) -> None:
    chosen = dict(asked)
    with History.open(history_url) as history:
        if "program" in chosen:
            chosen["program_id"] = programs(history)[chosen.pop("program")]
        after = int(history.service.last_position() * part)
    filters = Filters.of(**chosen)
    with History.open(history_url) as history:  # fresh: no aggregate known in advance
        source = history.source("events", after=after)
        scanned: list[int] = []
        rows = list(source.rows(filters, scanned.append))
        expected = described(history, filters, after)
        assert expected or after, "every filter keeps something"
        assert rows == expected
        assert sum(scanned) == history.service.last_position() - after
        assert_files_match(source, filters, expected)


def assert_files_match(source: Any, filters: Filters, expected: list[dict[str, Any]]) -> None:
    for fmt, reference in (("jsonl", _jsonl), ("csv", _csv)):
        ours, theirs = io.BytesIO(), io.BytesIO()
        assert write(source, filters, ours, fmt) == len(expected)
        if fmt == "jsonl":
            reference(iter(expected), theirs, lambda _: None)
        else:
            reference(iter(expected), EVENT_SCHEMA, theirs, lambda _: None)
        assert ours.getvalue() == theirs.getvalue(), fmt
    parquet = io.BytesIO()
    assert write(source, filters, parquet, "parquet") == len(expected)
    table = pq.read_table(io.BytesIO(parquet.getvalue()))
    assert table.equals(arrow_table(EVENT_SCHEMA, expected))


@pytest.mark.parametrize("history_url", ["sqlite", pytest.param(
    "postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_history_has_what_the_paths_must_agree_on(history_url: str) -> None:
    with History.open(history_url) as history:
        rows = described(history, Filters())
        assert any(row["on_behalf_of"] == "mentee:emp-acted-for" for row in rows)
        assert any(ERASED in row["data"].values() for row in rows)
        assert any(row["type"] == "PersonalDataErased" and row["program_id"] is None
                   for row in rows)
        upcast = [row for row in rows if row["type"] == "ExpectationsSet"][-1]
        assert upcast["data"]["review_every_days"] == 90
        parquet = io.BytesIO()
        write(history.source("events"), Filters(), parquet, "parquet")
        file = pq.ParquetFile(io.BytesIO(parquet.getvalue()))
        assert file.schema_arrow.field("position").type == pa.int64()
        assert file.schema_arrow.field("occurred_at").type == pa.timestamp("us", tz="UTC")
        assert file.metadata.row_group(0).column(0).compression == "ZSTD"
        assert history.events_table().equals(arrow_table(EVENT_SCHEMA, rows))


@pytest.mark.parametrize("history_url", ["sqlite"], indirect=True)
def test_a_filtered_export_reads_no_first_event_back(history_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Programs come from first events seen in passing, even those the filters drop:
    never one read per aggregate (there are thousands)."""
    with History.open(history_url) as history:
        reads: list[object] = []
        events_of = history.service.store.events_of
        monkeypatch.setattr(history.service.store, "events_of",
                            lambda *args, **kw: reads.append(args) or events_of(*args, **kw))
        held = list(history.events(types=["SessionHeld"]))
        mine = list(history.events(program_id=held[0]["program_id"], types=["Reviewed"]))
        assert held and mine and reads == []
