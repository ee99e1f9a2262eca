"""Kafka fixtures: one real broker per test process, a fresh topic per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.kafka import tansu_broker


@pytest.fixture(scope="session")
def kafka_servers() -> Iterator[str]:
    with tansu_broker() as servers:
        yield servers


@pytest.fixture
def topic() -> str:
    return f"mentoring.events.{uuid.uuid4().hex[:8]}"
