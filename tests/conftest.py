"""Shared fixtures: database URLs for the SQLite (embedded) and PostgreSQL stores, and
the service and its app over one (a folder overrides ``settings`` or ``runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET
from tests.support import postgres


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server (its maintenance database). Fails, never skips."""
    try:
        with postgres.postgres_server() as url:
            yield url
    except postgres.PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def fresh_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test."""
    with postgres.fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mentoring.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("fresh_postgres_url", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on a fresh PostgreSQL database."""
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_key=ADMIN_SECRET,
                    database_pool_size=4)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    built = build_runtime(settings)
    yield built
    built.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return runtime.api()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that reaches a PostgreSQL server is selectable with -m postgres / -m "not postgres".
    for item in items:
        fixturenames = getattr(item, "fixturenames", ())
        if "postgres_server_url" in fixturenames and not item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)
