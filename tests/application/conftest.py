"""The application service on a real event store: SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.service import MentoringService
from mentoring.bootstrap import build_service
from mentoring.settings import Settings
from tests.application.scenario import World


@pytest.fixture
def service(database_url: str) -> Iterator[MentoringService]:
    built = build_service(Settings(database_url=database_url, database_pool_size=4))
    yield built
    built.close()


@pytest.fixture
def world(service: MentoringService) -> World:
    """An open program with one mentor (capacity 2), built through the service."""
    return World.open(service)
