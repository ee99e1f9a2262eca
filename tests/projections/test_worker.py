"""The projection worker follows live writes (LISTEN/NOTIFY or polling) and stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from mentoring.bootstrap import Runtime
from projections.catalog import READ_MODELS


def wait_until_caught_up(runtime: Runtime, timeout: float = 10.0) -> float:
    """Seconds until every projection reached the newest event."""
    started = time.perf_counter()
    head = runtime.service.last_position()
    while True:
        rows = runtime.read_models().positions()
        if len(rows) == len(READ_MODELS) and all(row["position"] >= head for row in rows):
            break
        assert time.perf_counter() - started < timeout, runtime.read_models().positions()
        time.sleep(0.005)
    return time.perf_counter() - started


def test_worker_follows_live_writes_and_stops_after_its_batch(runtime: Runtime) -> None:
    # A long poll interval: on PostgreSQL only a notification can wake the worker in time.
    poll = 5.0 if runtime.sql.kind == "postgres" else 0.05
    worker = runtime.projection_worker(READ_MODELS, poll_interval=poll).start_thread()
    try:
        program = runtime.service.create_program(name="Live", description=None,
                                                   actor="admin")
        wait_until_caught_up(runtime)
        lags = []
        for number in range(5):
            runtime.service.register_mentor(
                program_id=program.id, person_id=f"m{number}", skills=["python"], capacity=1,
                monthly_minutes=60, actor="admin")
            lags.append(wait_until_caught_up(runtime))
        assert max(lags) < 2.0, lags
        directory = runtime.read_models().mentor_directory(program.id)
        assert [m["person_id"] for m in directory] == [f"m{n}" for n in range(5)]
    finally:
        worker.stop()
    assert worker.stopping.is_set()


def test_embedded_projections_run_in_the_serving_process(runtime: Runtime) -> None:
    runtime.start_embedded_projections(poll_interval=0.05)
    try:
        program = runtime.service.create_program(name="Embedded", description=None,
                                                   actor="admin")
        wait_until_caught_up(runtime)
        assert runtime.read_models().program_health(program.id)["relationships_by_status"][
            "active"] == 0
    finally:
        runtime.stop_embedded_projections()


def test_status_prints_each_projection_with_its_lag(runtime: Runtime) -> None:
    runtime.service.create_program(name="Status", description=None, actor="admin")
    env = {**os.environ, "MENTORING_DATABASE_URL": runtime.settings.database_url}
    result = subprocess.run(
        [sys.executable, "-c", "from mentoring.cli import main; main()", "project", "--status"],
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    for model in READ_MODELS:
        assert model.name[:12] in result.stdout


def test_rebuild_command_builds_a_new_version_and_switches(runtime: Runtime) -> None:
    program = runtime.service.create_program(name="Rebuilt", description=None, actor="admin")
    env = {**os.environ, "MENTORING_DATABASE_URL": runtime.settings.database_url}
    result = subprocess.run(
        [sys.executable, "-c", "from mentoring.cli import main; main()", "rebuild",
         "program_health"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "rebuilt program_health as version 2" in result.stdout
    versions = {row["name"]: row["version"] for row in runtime.read_models().positions()}
    assert versions["program_health"] == 2
    health = runtime.read_models().program_health(program.id)
    assert health["relationships_by_status"]["requested"] == 0


def test_rebuild_command_rebuilds_several_in_one_pass(runtime: Runtime) -> None:
    runtime.service.create_program(name="Rebuilt", description=None, actor="admin")
    env = {**os.environ, "MENTORING_DATABASE_URL": runtime.settings.database_url}
    result = subprocess.run(
        [sys.executable, "-c", "from mentoring.cli import main; main()", "rebuild",
         "program_health", "audit_trail"], env=env, capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode == 0, result.stderr
    assert "rebuilt program_health as version 2, audit_trail as version 2" in result.stdout
    versions = {row["name"]: row["version"] for row in runtime.read_models().positions()}
    assert (versions["program_health"], versions["audit_trail"]) == (2, 2)
