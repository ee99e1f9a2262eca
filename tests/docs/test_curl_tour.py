"""The curl tour of docs/api.md, run as written against `mentoring serve` (so it cannot
rot: it once booked its session on a date that had passed)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.serving import serve, wait_until

pytestmark = pytest.mark.slow
API_DOC = Path(__file__).parents[2] / "docs" / "api.md"


def tour_blocks() -> tuple[str, str]:
    """(the command that starts the service, the tour) as docs/api.md gives them."""
    tour = API_DOC.read_text().split("## Quick tour with curl", 1)[1]
    start, drive = re.findall(r"```sh\n(.*?)```", tour, re.DOTALL)[:2]
    return start, drive


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_curl_tour_runs_as_written(tmp_path: Path) -> None:
    start, drive = tour_blocks()
    key = re.search(r"MENTORING_BOOTSTRAP_ADMIN_KEY=(\S+)", start)
    assert key is not None and "--port 8000" in start and "127.0.0.1:8000" in drive
    port = free_port()
    env = {**os.environ, "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'tour.db'}",
           "MENTORING_BOOTSTRAP_ADMIN_KEY": key.group(1)}
    server = serve(port, env, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200,
                   server)
        script = "set -euo pipefail\n" + drive.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=120, check=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in
               re.sub(r"}\s*{", "}\n{", done.stdout.strip()).splitlines()]
    history, health = answers[-2], answers[-1]
    assert [entry["type"] for entry in history["items"]] == [
        "Requested", "ConnectionEstablished", "ExpectationsSet", "SessionScheduled",
        "SessionHeld", "FeedbackReceived", "Concluded"]
    assert health["relationships_by_status"]["concluded"] == 1
    assert health["relationships_by_status"]["active"] == 0
