"""The application service: on the in-memory store by default, on SQLite and PostgreSQL for
what depends on the store (transactions, restarts, several processes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.service import MentoringService
from mentoring.bootstrap import build_memory_service, build_service
from mentoring.settings import Settings
from tests.application.scenario import World


@pytest.fixture
def service() -> Iterator[MentoringService]:
    """The service on the library's in-memory event store (no database, fast)."""
    built = build_memory_service()
    yield built
    built.close()


@pytest.fixture
def stored_service(database_url: str) -> Iterator[MentoringService]:
    """The service on a real store: once on SQLite, once on a fresh PostgreSQL database."""
    built = build_service(Settings(database_url=database_url, database_pool_size=4))
    yield built
    built.close()


@pytest.fixture
def world(service: MentoringService) -> World:
    """An open program with one mentor (capacity 2), built through the service."""
    return World.open(service)


@pytest.fixture
def stored_world(stored_service: MentoringService) -> World:
    """The same world on a real store."""
    return World.open(stored_service)
