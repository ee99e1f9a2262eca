"""Projection fixtures: a container over each database, a runner of every read model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infrastructure.sql import SqlStore
from mentoring.bootstrap import Container, build_container
from mentoring.settings import Settings
from projections import tracking
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.scenario import Scenario


@pytest.fixture
def container(database_url: str) -> Iterator[Container]:
    built = build_container(Settings(database_url=database_url, database_pool_size=4))
    yield built
    built.close()


@pytest.fixture
def runner(container: Container) -> ProjectionRunner:
    built = ProjectionRunner(container.service, container.store, READ_MODELS, batch_size=7)
    built.setup()
    return built


@pytest.fixture
def scenario(container: Container, runner: ProjectionRunner) -> Scenario:
    """The hand-built January 2026 program, projected (in batches of 7 events)."""
    built = Scenario.play(container.service)
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
