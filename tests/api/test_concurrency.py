"""Concurrent requests against a live server: no duplicate event, no lost update."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.api.driver import ADMIN_SECRET, EXPECTATIONS

THREADS = 8
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port, in a thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                          lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def http(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30,
                        headers={"Authorization": f"Bearer {ADMIN_SECRET}"})


def active_relationship(client: httpx.Client) -> str:
    program = client.post("/v1/programs", json={"name": "Live"}).json()["id"]
    client.post("/v1/mentors", json={"program_id": program, "person_id": "m", "skills": [],
                                     "capacity": 2, "monthly_minutes": 600})
    relationship = client.post("/v1/relationships", json={
        "program_id": program, "mentor_id": "m", "mentee_id": "e", "message": "hi"}).json()["id"]
    client.post(f"/v1/relationships/{relationship}/accept", json={})
    client.put(f"/v1/relationships/{relationship}/expectations", json=EXPECTATIONS)
    return str(relationship)


def concurrently(base_url: str, send: Any) -> list[httpx.Response]:
    barrier = threading.Barrier(THREADS)

    def one(_: int) -> httpx.Response:
        with http(base_url) as client:
            barrier.wait()
            return send(client)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_same_idempotency_key_concurrently_appends_one_event(live_url: str) -> None:
    with http(live_url) as client:
        relationship = active_relationship(client)
        before = client.get(f"/v1/relationships/{relationship}").json()["version"]
    responses = concurrently(live_url, lambda c: c.post(
        f"/v1/relationships/{relationship}/gratitude", json={"message": "Thank you"},
        headers={"Idempotency-Key": "thanks-once"}))
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    successes = [r.json() for r in responses if r.status_code == 200]
    assert successes and all(body == successes[0] for body in successes)
    assert all(r.json()["rule"] == "idempotency-in-flight" for r in responses
               if r.status_code == 409)
    with http(live_url) as client:
        after = client.get(f"/v1/relationships/{relationship}").json()
    assert after["version"] == before + 1
    assert after["counts"]["gratitude_expressed"] == 1


def test_concurrent_if_match_commands_have_exactly_one_winner(live_url: str) -> None:
    with http(live_url) as client:
        relationship = active_relationship(client)
        version = client.get(f"/v1/relationships/{relationship}").json()["version"]
    responses = concurrently(live_url, lambda c: c.post(
        f"/v1/relationships/{relationship}/experiences",
        json={"kind": "success", "text": "shipped"}, headers={"If-Match": f'"{version}"'}))
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    with http(live_url) as client:
        after = client.get(f"/v1/relationships/{relationship}").json()
    assert after["version"] == version + 1
    assert after["counts"]["experiences_shared"] == 1


def test_concurrent_writers_without_if_match_lose_no_update(live_url: str) -> None:
    with http(live_url) as client:
        relationship = active_relationship(client)
        version = client.get(f"/v1/relationships/{relationship}").json()["version"]
    responses = concurrently(live_url, lambda c: c.post(
        f"/v1/relationships/{relationship}/progress", json={"note": "more"}))
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    with http(live_url) as client:
        after = client.get(f"/v1/relationships/{relationship}").json()
    # Every 200 is one applied event; every refusal (409 concurrent-update) applied nothing.
    assert after["counts"]["progress_reports"] == statuses[200] == after["version"] - version
