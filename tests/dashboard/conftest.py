"""Dashboard fixtures: a demo program on each database, projected, and its app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from mentoring.demo import DemoProgram
from projections.catalog import READ_MODELS
from tests.api.driver import ADMIN_SECRET

DEMO_END = datetime(2026, 11, 25, 6, tzinfo=UTC)


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared runtime, holding a demo program, projected."""
    DemoProgram(runtime.service, mentors=6, mentees=16, months=8, seed=3, now=DEMO_END).run()
    runtime.runner(READ_MODELS).catch_up_all()
    return runtime


@pytest.fixture
def browser_client(app: FastAPI) -> Iterator[TestClient]:
    """A client as a browser is: no Authorization header, cookies kept."""
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client


def log_in(client: TestClient, secret: str = ADMIN_SECRET) -> None:
    answer = client.post("/dashboard/login", data={"api_key": secret, "next": "/dashboard"})
    assert answer.status_code == 303, answer.text
