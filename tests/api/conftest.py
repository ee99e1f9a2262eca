"""API fixtures: the app over each database, clients per role, and a small driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from infrastructure.api_keys import KeyStore
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET, Driver


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
