"""A live API server for benchmarks: ``mentoring serve`` in its own process."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ADMIN_KEY = "bench-admin-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(url: str, pool_size: int = 20, workers: int = 1) -> Iterator[int]:
    """Starts the API (``workers`` processes) on a free port against ``url``; yields the
    port."""
    port = free_port()
    env = {**os.environ, "MENTORING_DATABASE_URL": url, "MENTORING_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
           "MENTORING_DATABASE_POOL_SIZE": str(pool_size)}
    mentoring = Path(sys.executable).parent / "mentoring"
    with serving([str(mentoring), "serve", "--port", str(port), "--log-level", "warning",
                  "--workers", str(workers)], env, port):
        yield port


@contextmanager
def crud_peer(url: str, pool_size: int = 20) -> Iterator[int]:
    """Starts the plain CRUD peer (``bench/crud_peer.py``) on a free port; yields it."""
    port = free_port()
    with serving([sys.executable, "-m", "bench.crud_peer", "--dsn", url, "--port", str(port),
                  "--pool-size", str(pool_size)], dict(os.environ), port):
        yield port


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    """Runs a server process until the block ends, once ``/healthz`` answers."""
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(port).get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            server.terminate()
            raise RuntimeError(f"{command[1]} did not start: "
                               f"{server.communicate(timeout=30)[1].decode()}")
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


class Client:
    """A keep-alive HTTP client with the admin key."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {ADMIN_KEY}",
                        "Content-Type": "application/json"}

    def get(self, path: str) -> tuple[int, Any]:
        return self._send("GET", path, None)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self._send("POST", path, json.dumps(body).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> tuple[int, Any]:
        self.connection.request(method, path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
