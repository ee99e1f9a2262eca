"""`mentoring consume` against a real Kafka-protocol broker: views built from the topic by
a consumer group equal a rebuild from the event store, every event applied once, across a
SIGKILL of one member, a rebuild, and the projection worker running beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.service import MentoringService
from domain.program import Program
from infrastructure.kafka import RelayCursor, partition_for
from infrastructure.key_vault import KeyEncryptionKey
from mentoring.bootstrap import Runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from projections import feeds, versions
from projections.base import ReadModel
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.kafka.streams import many_more_events, relay_until_caught_up
from workers.projection_consumer import ProjectionConsumer

pytestmark = pytest.mark.slow
PARTITIONS = 3


@pytest.fixture
def settings(fresh_postgres_url: str, kafka_servers: str, topic: str) -> Settings:
    return Settings(database_url=fresh_postgres_url, kafka_bootstrap_servers=kafka_servers,
                    kafka_topic=topic, kafka_partitions=PARTITIONS, database_pool_size=6,
                    consumer_group=f"views-{uuid.uuid4().hex[:8]}",
                    key_encryption_key=KeyEncryptionKey.generate())


def programs(service: MentoringService, count: int = 3, mentees: int = 8) -> None:
    """Demo programs, at least ``count`` and as many as every partition needs to hold
    one (a program's events all go to one partition)."""
    covered: set[int] = set()
    seed = 0
    while seed < count or len(covered) < PARTITIONS:
        DemoProgram(service, mentors=3, mentees=mentees, months=5, seed=seed).run()
        covered = {partition_for(str(event.originator_id), PARTITIONS)
                   for _, event in service.store.feed(after=0, limit=10**9)
                   if isinstance(event, Program.Created)}
        seed += 1


def rows_of(runner: ProjectionRunner, model: ReadModel, version: int) -> dict[str, list[Any]]:
    """Every row of every table of one version of a model, in a stable order."""
    tables: dict[str, list[Any]] = {}
    with runner.sql.transaction(write=False) as cursor:
        for logical, physical in model.table_names(version).items():
            cursor.execute(f"SELECT * FROM {physical}")
            tables[logical] = sorted(cursor.fetchall(), key=repr)
    return tables


def assert_equal_to_a_rebuild(runtime: Runtime) -> None:
    """Each model's live version (fed from Kafka) against a version built here from the
    event store, table by table; and each event applied exactly once."""
    runner = runtime.runner()
    head = runner.reader.head()
    with runtime.sql.transaction(write=False) as cursor:
        fed = feeds.fed_versions(cursor)
    for model in READ_MODELS:
        live, position = runner.position_of(model)
        assert (model.name, live) in fed
        assert position == head, f"{model.name} at {position} of {head}"
        [(_, rebuilt)] = versions.create_next(runtime.sql, [model])
        runner.catch_up_group([(model, rebuilt)], until=head)
        expected = rows_of(runner, model, rebuilt)
        assert any(expected.values()), f"{model.name}: nothing to compare"
        built = rows_of(runner, model, live)
        differing = {name: [(i, a, b) for x, y in zip(
                            sorted(set(built[name]) - set(rows), key=repr)[:2],
                            sorted(set(rows) - set(built[name]), key=repr)[:2], strict=False)
                            for i, (a, b) in enumerate(zip(x, y, strict=True)) if a != b]
                     for name, rows in expected.items() if built[name] != rows}
        assert not differing, f"{model.name}: (built, rebuilt) {differing}"
        relevant = [e for _, e in runner.reader.decode(
            runner.reader.read(0, head, model.topics, 10**9)) if type(e) in model.handlers]
        [status] = [row for row in runner.status()
                    if row["name"] == model.name and row["version"] == live]
        assert status["events_applied"] == len(relevant), model.name  # none twice
        assert status["parked"] == 0


def wait_until_caught_up(runtime: Runtime, seconds: float = 120) -> None:
    runner = runtime.runner()
    deadline = time.monotonic() + seconds
    while True:
        head = runner.reader.head()
        behind = {m.name: head - runner.position_of(m)[1] for m in READ_MODELS}
        if not any(behind.values()):
            return
        assert time.monotonic() < deadline, f"views behind the head by {behind}"
        time.sleep(0.1)


@pytest.fixture
def consumer(runtime: Runtime) -> Iterator[ProjectionConsumer]:
    # The broker's group join waits for the rebalance timeout: keep it short in tests.
    worker = runtime.projection_consumer(batch_size=100, poll_interval=0.1,
                                         max_poll_interval_ms=3000, session_timeout_ms=3000)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(timeout=30)


def test_views_built_from_the_topic_equal_a_rebuild_and_project_leaves_them_alone(
    runtime: Runtime, settings: Settings, consumer: ProjectionConsumer
) -> None:
    programs(runtime.service)
    relay_until_caught_up(runtime)
    wait_until_caught_up(runtime)
    assert consumer.applied > 0
    # The projection worker beside it finds every view fed from Kafka and writes nothing.
    before = {(r["name"], r["version"]): r["events_applied"] for r in runtime.runner().status()}
    assert runtime.runner().catch_up_all() == 0
    assert {(r["name"], r["version"]): r["events_applied"]
            for r in runtime.runner().status()} == before

    # A rebuild from the store switches readers to a new version: the consumers take it
    # over from the rebuild's position and keep it current.
    rebuilt = runtime.runner().rebuild(READ_MODELS[0], drop_after=0)
    many_more_events(runtime.service, 60)
    relay_until_caught_up(runtime)
    wait_until_caught_up(runtime)
    assert runtime.runner().position_of(READ_MODELS[0])[0] == rebuilt
    consumer.stop()
    assert_equal_to_a_rebuild(runtime)

    def run(*args: str) -> str:
        done = subprocess.run([MENTORING, *args], env=environment(settings),
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    status = run("consume", "--status")
    head = runtime.runner().reader.head()
    for model in READ_MODELS:  # every partition of every live version, none behind
        assert status.count(f" {model.name} ") == PARTITIONS, status
    assert all(line.split("│")[8].strip() == "0" for line in status.splitlines()
               if line.count("│") > 8 and str(head) in line), status
    assert "(built by `consume`)" in run("project", "--status")


MENTORING = str(Path(sys.executable).parent / "mentoring")


def environment(settings: Settings) -> dict[str, str]:
    assert settings.key_encryption_key is not None
    return {**os.environ, "MENTORING_DATABASE_URL": settings.database_url,
            "MENTORING_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
            "MENTORING_KAFKA_TOPIC": settings.kafka_topic,
            "MENTORING_KAFKA_PARTITIONS": str(PARTITIONS),
            "MENTORING_CONSUMER_GROUP": settings.consumer_group,
            "MENTORING_KEY_ENCRYPTION_KEY": settings.key_encryption_key.get_secret_value()}


def start_consumer(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as stderr:
        return subprocess.Popen([MENTORING, "consume", "--batch-size", "5",
                                 "--poll-interval", "0.1", "--max-poll-interval", "3",
                                 "--session-timeout", "3"],
                                env=environment(settings), stdout=subprocess.DEVNULL,
                                stderr=stderr)


def partitions_moved(runtime: Runtime) -> dict[int, int]:
    """How far each partition has been applied (offsets of the first model)."""
    with runtime.sql.transaction(write=False) as cursor:
        rows = feeds.status(cursor)
    return {row["partition"]: row["next_offset"] for row in rows
            if row["name"] == READ_MODELS[0].name}


def assignments(log: Path) -> list[str]:
    return [line.rsplit(": ", 1)[1] for line in log.read_text().splitlines()
            if "partitions assigned" in line]


def test_two_consumers_share_the_partitions_and_survive_a_sigkill(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    programs(runtime.service, mentees=10)
    many_more_events(runtime.service, 2500)
    relay_until_caught_up(runtime)
    runtime.runner().setup()
    logs = tmp_path / "first.log", tmp_path / "second.log"
    first = start_consumer(settings, logs[0])
    second = None
    try:
        deadline = time.monotonic() + 60
        while sum(partitions_moved(runtime).values()) == 0:
            assert time.monotonic() < deadline and first.poll() is None, "first never applied"
            time.sleep(0.05)
        second = start_consumer(settings, logs[1])
        while not assignments(logs[1]):  # the group rebalances: each gets its share
            assert time.monotonic() < deadline and second.poll() is None, "no rebalance"
            time.sleep(0.05)
        time.sleep(1.0)  # both apply a while
        moved = partitions_moved(runtime)
        first.send_signal(signal.SIGKILL)  # mid-batch: its transaction dies with it
        first.wait(timeout=10)
        _, last = RelayCursor(runtime.sql, settings.kafka_topic).published()
        left = {p: last[p] + 1 - offset for p, offset in moved.items() if offset <= last[p]}
        print(f"\nkilled one consumer; records left per partition: {left}; "
              f"assigned: {assignments(logs[0])} then {assignments(logs[1])}")
        assert left, "everything was applied before the kill"
        assert second.poll() is None
        wait_until_caught_up(runtime)  # the survivor takes over the dead one's partitions
        while assignments(logs[1])[-1] != "[0, 1, 2]":
            assert time.monotonic() < deadline + 60, assignments(logs[1])
            time.sleep(0.1)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    shares = assignments(logs[0])[-1], assignments(logs[1])[0]
    assert "[]" not in shares, f"not shared: {shares}"
    assert_equal_to_a_rebuild(runtime)
