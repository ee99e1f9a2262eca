"""Property-based fuzzing of the whole OpenAPI document with schemathesis.

Every operation gets random valid (positive) and invalid (negative) requests, with random
ids and with ids of real aggregates, as an admin. Checks: no 5xx, documented status codes
and content types, responses matching their schemas, and every error is problem+json.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from mentoring.bootstrap import Runtime
from tests.api.driver import ADMIN_SECRET, NEXT_YEAR, Driver, ok

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
EXAMPLES = 25  # per operation and pass: ~50 operations x 2-3 passes in about half a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the fuzzing is about the HTTP layer, the stores are covered elsewhere."""
    return sqlite_url


def real_ids(client: TestClient) -> dict[str, str]:
    driver = Driver(client)
    program_id, relationship_id = driver.active_relationship()
    session = ok(client.post(f"/v1/relationships/{relationship_id}/sessions", json={
        "scheduled_for": f"{NEXT_YEAR}-06-01T10:00:00Z", "duration_minutes": 30}), 201)
    feedback = ok(client.post(f"/v1/relationships/{relationship_id}/feedback", json={
        "from_role": "mentee", "kind": "praise", "text": "Great session"}))
    key = ok(client.post("/v1/api-keys", json={"role": "viewer"}), 201)
    return {"program_id": program_id, "person_id": "mentor-1", "relationship_id": relationship_id,
            "goal_id": driver.goal(program_id), "session_id": session["session_id"],
            "feedback_id": feedback["feedback_id"], "key_id": key["id"]}


def check_problem(response: Any) -> None:
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), (
            response.headers)
        body = response.json()
        assert body.keys() >= PROBLEM_FIELDS and body["status"] == response.status_code, body


def poisoned(value: Any) -> Any:
    """The value with a NUL in every text it holds (the hostile pass's strategy)."""
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, list):
        return [poisoned(item) for item in value]
    if isinstance(value, dict):
        return {key: poisoned(item) for key, item in value.items()}
    return value


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(holds_nul(item) for item in value.values())
    return False


def declared_fields(spec: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """(METHOD, path) -> the names its JSON body declares (others are ignored, not kept)."""
    found: dict[tuple[str, str], set[str]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = body["schema"]
            refs = [s.get("$ref") for s in schema.get("anyOf", [schema]) if "$ref" in s]
            found[(method.upper(), path)] = {name for ref in refs for name in spec[
                "components"]["schemas"][ref.split("/")[-1]].get("properties", {})}
    return found


def fuzz(operation: Any, mode: GenerationMode, tally: Counter[str],
         path_parameters: dict[str, str] | None = None,
         declared: set[str] | None = None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        tally["examples"] += 1
        response = case.call(headers=AUTH)
        tally[f"status {response.status_code // 100}xx"] += 1
        # Invalid bodies must be refused; unknown or repeated query parameters are ignored
        # by design (FastAPI keeps the last value), so they are not held against GETs.
        rejects = mode is GenerationMode.NEGATIVE and operation.body
        checks = CHECKS + ([negative_data_rejection] if rejects else [])
        case.validate_response(response, checks=checks, headers=AUTH)
        check_problem(response)
        body = case.body if isinstance(case.body, dict) else {}
        if holds_nul({k: v for k, v in body.items() if k in (declared or ())}) or holds_nul(
                case.query):
            tally["hostile"] += 1
            assert 400 <= response.status_code < 500, (response.status_code, case.body)

    run()


def test_whole_schema_never_fails(app: FastAPI, client: TestClient, runtime: Runtime,
                                  record_property: Any) -> None:
    ids = real_ids(client)
    # Views kept current, as `serve` does: a read with any min_position up to the newest
    # event is then answered, not a 503 after the wait.
    runtime.start_embedded_projections(poll_interval=0.05)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    hostile = [False]

    @schema.hook
    def map_body(context: Any, body: Any) -> Any:
        return poisoned(body) if hostile[0] else body

    @schema.hook
    def map_query(context: Any, query: Any) -> Any:
        return poisoned(query) if hostile[0] else query

    tally: Counter[str] = Counter()
    fields = declared_fields(app.openapi())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        passes: list[tuple[GenerationMode, dict[str, str] | None]] = [
            (GenerationMode.POSITIVE, None)]
        if operation.path_parameters or operation.query or operation.body:
            passes.append((GenerationMode.NEGATIVE, None))
        if names:
            passes.append((GenerationMode.POSITIVE, {n: ids[n] for n in names if n in ids}))
        if operation.query or operation.body:
            passes.append((GenerationMode.POSITIVE, {n: ids[n] for n in names if n in ids}))
        for number, (mode, path_parameters) in enumerate(passes):
            # The last pass of an operation with a body or a query is hostile: a NUL in
            # every text of otherwise valid requests, which must all be refused (4xx).
            hostile[0] = bool(operation.query or operation.body) and number == len(passes) - 1
            try:
                fuzz(operation, mode, tally, path_parameters,
                     fields.get((operation.method.upper(), operation.path)))
            except BaseException as error:  # collect every operation's failure, then report
                if isinstance(error, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} [{mode.value}]: {error}"[:3000])
    record_property("schemathesis", dict(tally))
    print(f"schemathesis: {len(operations)} operations, {dict(tally)}, "
          f"{len(failures)} failures")
    assert len(operations) >= 39
    assert tally["hostile"] > 500
    assert failures == [], "\n\n".join(failures)
