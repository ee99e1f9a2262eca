"""What the server itself refuses, before any route: as a hostile client meets it."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator

import pytest

from tests.api.test_serve import free_port
from tests.support.serving import serve, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    database = tmp_path_factory.mktemp("server") / "m.db"
    env = {**os.environ, "MENTORING_DATABASE_URL": f"sqlite:///{database}"}
    process = serve(port, env, "--header-timeout", "1", log_level="critical")
    try:
        wait_until(lambda: b" 200 " in exchange(
            port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def exchange(port: int, request: bytes, *, timeout: float = 5.0) -> bytes:
    """Sends raw bytes, returns everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
                if b"connection: close" not in answer.lower() and b"\r\n\r\n" in answer:
                    head, _, body = answer.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length")), None)
                    if length is not None and len(body) >= length:
                        break
        except TimeoutError:
            pass
    return answer


def problem_of(answer: bytes, status: int) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    assert b"content-type: application/problem+json" in head.lower()
    problem = json.loads(body)
    assert problem["status"] == status
    return dict(problem)


def test_an_overlong_request_line_is_refused_with_a_problem(server: int) -> None:
    answer = exchange(server, b"GET /v1/events?after=" + b"1" * 20_000 + b" HTTP/1.1\r\n"
                      b"Host: x\r\n\r\n")
    assert problem_of(answer, 414)["rule"] == "request-line-too-long"


def test_headers_too_large_are_refused_with_a_problem(server: int) -> None:
    headers = b"".join(b"X-Junk-%d: %s\r\n" % (n, b"y" * 1000) for n in range(100))
    answer = exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert problem_of(answer, 431)["rule"] == "headers-too-large"


def test_a_malformed_request_is_refused_with_a_problem(server: int) -> None:
    answer = exchange(server, b"GET /healthz HTTP/1.1\r\nHost x\x00\r\n\r\n")
    assert problem_of(answer, 400)["rule"] == "bad-request"


def test_a_client_too_slow_to_send_its_headers_is_disconnected(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        assert conn.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5
