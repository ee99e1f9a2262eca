"""A worker process SIGKILLed mid catch-up, restarted, ends with the views of a rebuild."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from mentoring.bootstrap import Runtime, build_runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.conftest import dump_views
from tests.projections.test_rebuild import DEMO_NOW

WORKER = [sys.executable, "-c", "from mentoring.cli import main; main()", "project",
          "--batch-size", "10", "--poll-interval", "0.2"]


@pytest.fixture
def postgres(fresh_postgres_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=fresh_postgres_url, database_pool_size=4))
    yield built
    built.close()


def start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MENTORING_DATABASE_URL": url}
    return subprocess.Popen(WORKER, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def positions(runner: ProjectionRunner) -> dict[str, int]:
    return {row["name"]: row["position"] for row in runner.status()}


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_worker_resumes_without_losing_or_repeating_an_event(
    postgres: Runtime, fresh_postgres_url: str
) -> None:
    DemoProgram(postgres.service, mentors=12, mentees=45, months=6, seed=5,
                now=DEMO_NOW).run()
    head = postgres.service.last_position()
    runner = postgres.runner(READ_MODELS)
    runner.setup()
    chance, killed_midway = random.Random(1), 0
    for _ in range(5):
        before = positions(runner)
        worker = start_worker(fresh_postgres_url)
        wait_for(lambda b=before: positions(runner) != b)  # it is catching up: strike now
        time.sleep(chance.uniform(0, 0.4))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        reached = positions(runner).values()
        killed_midway += any(0 < p < head for p in reached)
        if all(p == head for p in reached):
            break
    assert killed_midway >= 3, "the kills should land during catch-up"

    worker = start_worker(fresh_postgres_url)
    assert worker.stderr is not None
    assert b"projecting" in worker.stderr.readline()  # signal handlers are in place
    wait_for(lambda: all(p == head for p in positions(runner).values()))
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0, worker.stderr.read()

    applied = {row["name"]: row["events_applied"] for row in runner.status()}
    for model in READ_MODELS:
        # Tracking check: each event of the model's topics applied exactly once.
        relevant = postgres.events.recorder.select_notifications(
            start=0, limit=head + 1, topics=model.topics, inclusive_of_start=False)
        assert applied[model.name] == len(relevant), model.name
    live = dump_views(postgres.sql)
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    assert dump_views(postgres.sql) == live
