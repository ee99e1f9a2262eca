"""Projection fixtures: a runtime over each database, a runner of every read model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infrastructure.sql import SqlStore
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from projections import tracking
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.scenario import Scenario


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url, database_pool_size=4))
    yield built
    built.close()


@pytest.fixture
def runner(runtime: Runtime) -> ProjectionRunner:
    built = runtime.runner(READ_MODELS, batch_size=7)
    built.setup()
    return built


@pytest.fixture
def scenario(runtime: Runtime, runner: ProjectionRunner) -> Scenario:
    """The hand-built January 2026 program, projected (in batches of 7 events)."""
    built = Scenario.play(runtime.service)
    runner.catch_up_all()
    return built


def dump_views(store: SqlStore, names: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every live view table (by logical table name), sorted."""
    dumped = {}
    with store.transaction(write=False) as cursor:
        versions = tracking.active_versions(cursor)
        for model in READ_MODELS:
            if names and model.name not in names:
                continue
            for logical, physical in model.table_names(versions[model.name]).items():
                cursor.execute(f"SELECT * FROM {physical}")
                dumped[logical] = sorted(tuple(row) for row in cursor.fetchall())
    return dumped
