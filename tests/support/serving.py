"""`mentoring serve` as a child process, and waiting until it answers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

MENTORING = Path(sys.executable).parent / "mentoring"
NOT_YET = (OSError, httpx.TransportError, ValueError, KeyError)


def serve(port: int, env: dict[str, str], *options: str, log_level: str = "warning",
          **popen: object) -> subprocess.Popen:  # type: ignore[type-arg]
    """Starts `mentoring serve` on 127.0.0.1:``port`` with exactly ``env``."""
    return subprocess.Popen([str(MENTORING), "serve", "--port", str(port), "--log-level",
                             log_level, *options], env=env, **popen)  # type: ignore[call-overload]


def wait_until(ready: Callable[[], bool], server: subprocess.Popen | None = None,  # type: ignore[type-arg]
               *, seconds: float = 30, what: str = "mentoring serve did not start") -> None:
    """Polls ``ready`` (connection errors count as not yet) until it holds; fails if the
    server exits or the time is up."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except NOT_YET:
            pass
        if server is not None and server.poll() is not None:
            stderr = server.stderr.read() if server.stderr else ""
            raise AssertionError(f"{what}: it exited ({server.returncode}) {stderr!r}")
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
