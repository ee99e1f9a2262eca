"""API fixtures: clients per role and a small driver (the app is tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from infrastructure.api_keys import KeyStore
from mentoring.bootstrap import Runtime
from tests.api.driver import ADMIN_SECRET, Driver


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client sending the bootstrap admin key."""
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_SECRET}"}) as test_client:
        yield test_client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def driver(client: TestClient) -> Driver:
    return Driver(client)


@pytest.fixture
def client_for(app: FastAPI, runtime: Runtime) -> Iterator[Callable[..., TestClient]]:
    """Makes a client with a new key of a role, optionally limited to programs."""
    opened: list[TestClient] = []

    def make(role: str, program_ids: list[str] | None = None) -> TestClient:
        _, secret = KeyStore(runtime.sql).create(role, program_ids)
        test_client = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.close()
