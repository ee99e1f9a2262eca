"""docs/asyncapi.yaml is what the code builds, says what the relay really sends, and is
valid for the AsyncAPI project's own parser (``@asyncapi/parser``, run with node)."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from application.integration_events import EVENT_TYPES, IntegrationEvent
from infrastructure.kafka import record_of
from mentoring.asyncapi import DOCUMENT, build, event_headers, render

ROOT = Path(__file__).resolve().parents[2]
PARSER = "@asyncapi/parser@3.6.6"
CACHE = ROOT / ".cache" / "asyncapi-parser"


def test_the_document_is_what_the_code_builds() -> None:
    assert DOCUMENT.read_text() == render(), "run `python -m mentoring.asyncapi`"
    assert yaml.safe_load(DOCUMENT.read_text()) == json.loads(json.dumps(build()))


def test_the_documented_headers_are_the_ones_the_relay_sends() -> None:
    event = IntegrationEvent(id="0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f:3",
                             type="mentoring.relationship.SessionHeld",
                             subject="0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f",
                             time=datetime(2026, 11, 25, tzinfo=UTC), position=42,
                             program_id="1b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f", data={})
    sent = {name for name, _ in record_of(event)[2]}
    schema = event_headers()
    assert set(schema["required"]) <= sent <= set(schema["properties"])
    assert set(schema["properties"]["ce_type"]["enum"]) == EVENT_TYPES


def parser() -> Path:
    """The parser installed once under .cache/ (npm, from the registry), shared by workers."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed to validate docs/asyncapi.yaml")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = CACHE / f".installed-{PARSER.replace('/', '_')}"
        if not marker.exists():
            subprocess.run([npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                            "--silent", PARSER], check=True, timeout=600)
            marker.touch()
    return CACHE


def test_the_asyncapi_parser_accepts_the_document() -> None:
    done = subprocess.run(["node", str(Path(__file__).with_name("validate_asyncapi.cjs")),
                           str(parser()), str(DOCUMENT)], capture_output=True, text=True,
                          timeout=120)
    diagnostics = [json.loads(line) for line in done.stdout.splitlines() if line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert [d for d in diagnostics if d["severity"] <= 1] == []  # no error, no warning
