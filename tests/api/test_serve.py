"""`mentoring serve` as a user runs it: one process, SQLite, projections in-process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.driver import ADMIN_SECRET, EXPECTATIONS
from tests.support.serving import serve, wait_until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[httpx.Client]:
    port = free_port()
    env = {**os.environ, "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MENTORING_BOOTSTRAP_ADMIN_KEY": ADMIN_SECRET}
    server = serve(port, env, stderr=subprocess.PIPE)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          headers={"Authorization": f"Bearer {ADMIN_SECRET}"})
    try:
        wait_until(lambda: client.get("/readyz").status_code == 200, server)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=15)


def wait_for(check: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the read model did not catch up"
        time.sleep(0.1)


def test_serve_runs_commands_and_the_projections(served: httpx.Client) -> None:
    program = served.post("/v1/programs", json={"name": "Served"}).json()["id"]
    assert served.post("/v1/mentors", json={"program_id": program, "person_id": "m",
                                            "skills": [], "capacity": 1,
                                            "monthly_minutes": 120}).status_code == 201
    relationship = served.post("/v1/relationships", json={
        "program_id": program, "mentor_id": "m", "mentee_id": "e", "message": "hi"}).json()["id"]
    assert served.post(f"/v1/relationships/{relationship}/accept", json={}).status_code == 200
    assert served.put(f"/v1/relationships/{relationship}/expectations",
                      json=EXPECTATIONS).status_code == 200
    history = f"/v1/relationships/{relationship}/history"
    wait_for(lambda: served.get(history).status_code == 200
             and len(served.get(history).json()["items"]) == 3)
    assert [item["type"] for item in served.get(history).json()["items"]] == [
        "Requested", "ConnectionEstablished", "ExpectationsSet"]


def start_without_admin_key(directory: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """Starts `mentoring serve` with no admin key configured; returns it once it answers,
    with what it printed on stderr until then."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
    env["MENTORING_DATABASE_URL"] = f"sqlite:///{directory / 'm.db'}"
    server = serve(port, env, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200,
               server)
    server.terminate()
    _, printed = server.communicate(timeout=15)
    return server, printed


def test_the_first_start_prints_an_admin_key_once_and_it_works(tmp_path: Path) -> None:
    port = free_port()
    _, printed = start_without_admin_key(tmp_path, port)
    assert "created an admin API key" in printed and f"http://127.0.0.1:{port}/" in printed
    secret = next(line.strip() for line in printed.splitlines() if line.startswith("    "))
    _, again = start_without_admin_key(tmp_path, port)
    assert "admin API key" not in again and secret not in again
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "mentoring"), "serve", "--port", str(port),
         "--log-level", "warning"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")},
             "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"},
        stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    home = client.get("/")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert home.status_code == 307 and home.headers["location"] == "/dashboard"
            assert client.get("/v1/programs").status_code == 401
            listed = client.get("/v1/programs", headers={"Authorization": f"Bearer {secret}"})
            assert listed.status_code == 200, listed.text
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_webhooks_are_delivered_by_the_served_process(served: httpx.Client) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from standardwebhooks import Webhook

    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as receiver:
        import threading

        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        program = served.post("/v1/programs", json={"name": "Hooked"}).json()["id"]
        hook = served.post("/v1/webhooks", json={
            "url": f"http://127.0.0.1:{receiver.server_address[1]}/in",
            "program_id": program}).json()
        assert served.post("/v1/mentors", json={
            "program_id": program, "person_id": "m", "skills": [], "capacity": 1,
            "monthly_minutes": 120}).status_code == 201
        wait_for(lambda: len(received) == 1)
        receiver.shutdown()
    headers, body = received[0]
    payload = Webhook(hook["secret"]).verify(body, headers)
    assert payload["type"] == "mentoring.mentor_profile.Registered"


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    env = {**os.environ, "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MENTORING_BOOTSTRAP_ADMIN_KEY": ADMIN_SECRET}
    done = subprocess.run([str(Path(sys.executable).parent / "mentoring"), "serve",
                           "--workers", "2"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "--workers needs PostgreSQL" in done.stderr


def test_several_worker_processes_share_one_port(fresh_postgres_url: str) -> None:
    port = free_port()
    env = {**os.environ, "MENTORING_DATABASE_URL": fresh_postgres_url,
           "MENTORING_BOOTSTRAP_ADMIN_KEY": ADMIN_SECRET, "MENTORING_DATABASE_POOL_SIZE": "2"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "mentoring"), "serve",
                               "--port", str(port), "--workers", "2", "--log-level", "warning"],
                              env=env, stderr=subprocess.PIPE)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "serve --workers 2 did not start"
            time.sleep(0.2)
        # Fresh connections land on either process; every write and read works on both.
        created = [httpx.post(f"http://127.0.0.1:{port}/v1/programs", headers=headers,
                              json={"name": f"P{n}"}) for n in range(8)]
        assert [r.status_code for r in created] == [201] * 8
        for response in created:
            program = response.json()["id"]
            read = httpx.get(f"http://127.0.0.1:{port}/v1/programs/{program}", headers=headers)
            assert read.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_guessable_admin_key_is_accepted_on_loopback_with_a_warning(tmp_path: Path) -> None:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")},
           "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MENTORING_BOOTSTRAP_ADMIN_KEY": "admin"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "mentoring"), "serve",
                               "--port", str(port), "--log-level", "warning"],
                              env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                listed = httpx.get(f"http://127.0.0.1:{port}/v1/programs",
                                   headers={"Authorization": "Bearer admin"})
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert listed.status_code == 200
    finally:
        server.terminate()
        _, printed = server.communicate(timeout=15)
    assert "warning: MENTORING_BOOTSTRAP_ADMIN_KEY is guessable" in printed
