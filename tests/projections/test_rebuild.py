"""Incremental views equal views rebuilt from zero; rebuilding never takes reads down."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from mentoring.bootstrap import Runtime
from mentoring.demo import DemoProgram
from projections import tracking
from projections.catalog import BY_NAME, READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.conftest import dump_views

DEMO_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def play_demo(runtime: Runtime, runner: ProjectionRunner, *, mentees: int,
              project_every: int = 0, seed: int = 11) -> None:
    """A random program history; projects every ``project_every`` commands if asked."""
    done = 0

    def follow(count: int) -> None:
        nonlocal done
        done += count
        if project_every and done % project_every == 0:
            runner.catch_up_all()

    DemoProgram(runtime.service, mentors=6, mentees=mentees, months=5, seed=seed,
                now=DEMO_NOW).run(follow)
    runner.catch_up_all()


def test_views_built_while_events_arrive_equal_views_rebuilt_from_zero(
    runtime: Runtime, runner: ProjectionRunner
) -> None:
    play_demo(runtime, runner, mentees=24, project_every=13)
    live = dump_views(runtime.sql)
    assert sum(len(rows) for rows in live.values()) > 500
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    assert dump_views(runtime.sql) == live
    for row in runner.status():
        assert (row["version"], row["lag"]) == (2, 0)


def test_reads_answer_from_the_old_version_during_a_rebuild_then_from_the_new(
    runtime: Runtime, runner: ProjectionRunner
) -> None:
    play_demo(runtime, runner, mentees=20)
    program_id = runtime.read_models().relationship_summaries(limit=1)["items"][0]["program_id"]
    before = runtime.read_models().program_health(program_id, DEMO_NOW)
    model = BY_NAME["program_health"]
    slow = runtime.runner([model], batch_size=25)
    reached: list[int] = []
    done = threading.Event()
    answers, failures = [], []

    def keep_reading() -> None:
        while not done.is_set():
            try:
                answers.append(runtime.read_models().program_health(program_id, DEMO_NOW))
            except Exception as error:  # any failure is a downtime
                failures.append(error)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        new_version = slow.rebuild(model, progress=lambda p, h: reached.append(p),
                                   drop_after=0.2)
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert len(reached) > 5 and len(answers) > 5
    assert all(answer == before for answer in answers)
    with runtime.sql.transaction(write=False) as cursor:
        assert tracking.active_version(cursor, "program_health") == new_version == 2
        assert tracking.versions_of(cursor, "program_health") == [2]
    assert runtime.read_models().program_health(program_id, DEMO_NOW) == before


def test_events_arriving_during_a_rebuild_reach_the_new_version(
    runtime: Runtime, runner: ProjectionRunner
) -> None:
    play_demo(runtime, runner, mentees=12)
    program_id = runtime.read_models().relationship_summaries(limit=1)["items"][0]["program_id"]
    model = BY_NAME["relationship_summaries"]
    rebuilding = runtime.runner([model], batch_size=10)
    arrived: list[str] = []

    def request_once(position: int, head: int) -> None:
        if not arrived:  # a live write and the live worker, in the middle of the rebuild
            arrived.append(runtime.service.request_relationship(
                program_id=program_id, mentor_id="emp-m0000", mentee_id="late-mentee",
                message="Hello", actor="late-mentee").id)
            runner.catch_up(model)

    rebuilding.rebuild(model, progress=request_once, drop_after=0)
    found = runtime.read_models().relationship_summaries(mentee_id="late-mentee")["items"]
    assert [item["relationship_id"] for item in found] == arrived
    assert {r["name"]: r["lag"] for r in runner.status()}["relationship_summaries"] == 0


def test_several_models_rebuilt_in_one_pass_equal_the_live_views(
    runtime: Runtime, runner: ProjectionRunner
) -> None:
    play_demo(runtime, runner, mentees=16, project_every=11)
    live = dump_views(runtime.sql)
    names = ("relationship_summaries", "program_health", "audit_trail")
    versions = runner.rebuild_many([BY_NAME[name] for name in names], drop_after=0)
    assert versions == dict.fromkeys(names, 2)
    assert dump_views(runtime.sql) == live
    for row in runner.status():
        assert (row["version"], row["lag"]) == (2 if row["name"] in names else 1, 0)
