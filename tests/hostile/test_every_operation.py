"""Every operation of the OpenAPI document, driven with hostile input on both databases.

For each operation a valid request is built (real ids, the schema's own example body),
then spoiled one part at a time: control characters and huge text in every string,
other spellings of every id, extreme and wrong numbers, impossible instants, tampered
cursors. Whatever comes in: no 5xx, every refusal is problem+json, a refused request
stores nothing, and afterwards every view catches up without stepping over any event.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import ADMIN_SECRET, Driver, ok

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
BAD_TEXT = ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b", "x" * 200_000]
BAD_NUMBERS: list[Any] = [-1, 10**30, -(10**30), True, 3.5, "3", None, [], {}]
BAD_INSTANTS = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                "2026-01-01T00:00:00", "2026-13-45T00:00:00Z", "soon", 1e300]
BAD_PEOPLE = [".", "..", " lead", "lead ", "le ad", "lead\x00", "x" * 201, "é"]
BAD_CURSORS = [base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
               for text in ("p" + "9" * 40, "m\x00x", "a5:x", "a0:x", "p-1")] + ["!!!", "\x00"]
BAD_QUERY = ["\x00", "a\x1bb", "9" * 40, "-1", "9999-12-31T23:59:59-05:00",
             "0001-01-01T00:00:00+05:00"]


def spellings(uuid: str) -> list[str]:
    value = UUID(uuid)
    return [uuid.upper(), value.hex, "{" + uuid + "}", value.urn]


@pytest.fixture
def ids(client: TestClient) -> dict[str, str]:
    driver = Driver(client)
    program_id, relationship_id = driver.active_relationship()
    session = ok(client.post(f"/v1/relationships/{relationship_id}/sessions", json={
        "scheduled_for": "2027-06-01T10:00:00Z", "duration_minutes": 30}), 201)
    feedback = ok(client.post(f"/v1/relationships/{relationship_id}/feedback", json={
        "from_role": "mentee", "kind": "praise", "text": "Great session"}))
    key = ok(client.post("/v1/api-keys", json={"role": "viewer"}), 201)
    return {"program_id": program_id, "person_id": "mentor-1",
            "relationship_id": relationship_id, "goal_id": driver.goal(program_id),
            "session_id": session["session_id"], "feedback_id": feedback["feedback_id"],
            "key_id": key["id"]}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return resolve(spec, spec["components"]["schemas"][schema["$ref"].split("/")[-1]])
    if "anyOf" in schema:
        concrete = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return resolve(spec, concrete[0]) if concrete else schema
    return schema


def body_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return None if content is None else resolve(spec, content["schema"])


def spoiled_values(spec: dict[str, Any], name: str, schema: dict[str, Any],
                   good: Any) -> Iterator[Any]:
    """Values that must not get in (or, for id spellings, must get in as the same id)."""
    schema = resolve(spec, schema)
    kind, form = schema.get("type"), schema.get("format")
    if kind == "string" and form in ("date-time", "date"):
        yield from BAD_INSTANTS
    elif kind == "string":
        yield from BAD_TEXT
        if name.endswith(("mentor_id", "mentee_id", "person_id")):
            yield from BAD_PEOPLE
        if form == "uuid" and isinstance(good, str):
            yield from spellings(good)
    elif kind in ("integer", "number"):
        yield from BAD_NUMBERS
    elif kind == "boolean":
        yield from ["true", 1, None]
    elif kind == "array":
        yield from [[item] for item in BAD_TEXT[:5]]
        yield "not a list"
        yield ["ok"] * 10_000


def requests_of(spec: dict[str, Any], path: str, method: str, operation: dict[str, Any],
                ids: dict[str, str]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(description, url, query, body) of the valid request, then of each spoiled one."""
    params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
    url = path.format(**{name: ids.get(name, name) for name in params})
    schema = body_schema(spec, operation)
    body = dict((schema or {}).get("examples", [{}])[0]) if schema else None
    for field in ("program_id", "relationship_id", "goal_id"):
        if body is not None and field in body:
            body[field] = ids[field]
    yield "valid", url, {}, body
    for name in params:
        for bad in ["\x00", "%00", "9" * 40, *spellings(ids[name])[:2]] if name in (
                "program_id", "relationship_id", "goal_id") else ["\x00", "..", "9" * 40]:
            yield f"path {name}={bad!r}", path.format(**{
                n: (quote(bad, safe="") if n == name else ids.get(n, n)) for n in params}), {}, body
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            bad_values = BAD_CURSORS if parameter["name"] == "cursor" else BAD_QUERY
            for bad in bad_values:
                yield f"query {parameter['name']}={bad[:20]!r}", url, {
                    parameter["name"]: bad}, body
    for field, field_schema in (schema or {}).get("properties", {}).items():
        for bad in spoiled_values(spec, field, field_schema, (body or {}).get(field)):
            yield f"body {field}={str(bad)[:20]!r}", url, {}, {**(body or {}), field: bad}


def send(client: TestClient, method: str, url: str, query: dict[str, Any],
         body: Any) -> Any:
    content = None if body is None else json.dumps(body)  # escapes lone surrogates
    headers = {**AUTH, "Content-Type": "application/json"} if content is not None else AUTH
    return client.request(method, url, params=query, content=content, headers=headers)


def test_no_operation_fails_or_stores_anything_on_hostile_input(
        app: FastAPI, client: TestClient, runtime: Runtime, ids: dict[str, str]) -> None:
    spec = app.openapi()
    failures: list[str] = []
    sent = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for description, url, query, body in requests_of(spec, path, method, operation,
                                                             ids):
                before = runtime.service.last_position()
                response = send(client, method.upper(), url, query, body)
                sent += 1
                where = f"{method.upper()} {path} {description}: {response.status_code}"
                if response.status_code >= 500:
                    failures.append(f"{where} {response.text[:300]}")
                elif response.status_code >= 400:
                    if not response.headers["content-type"].startswith(
                            "application/problem+json"):
                        failures.append(f"{where} is not problem+json")
                    if runtime.service.last_position() != before:
                        failures.append(f"{where} was refused but stored events")
    assert sent > 800
    assert failures == [], "\n".join(failures[:50])
    runner = runtime.runner()
    runner.catch_up_all()
    head = runtime.service.last_position()
    positions = runtime.read_models().positions()
    assert all(row["position"] >= head for row in positions), positions
    assert runtime.read_models().parked() == []
