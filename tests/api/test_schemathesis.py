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

from tests.api.driver import ADMIN_SECRET, Driver, ok

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
        "scheduled_for": "2026-06-01T10:00:00Z", "duration_minutes": 30}), 201)
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


def fuzz(operation: Any, mode: GenerationMode, tally: Counter[str],
         path_parameters: dict[str, str] | None = None) -> None:
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

    run()


def test_whole_schema_never_fails(app: FastAPI, client: TestClient,
                                  record_property: Any) -> None:
    ids = real_ids(client)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally: Counter[str] = Counter()
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
        for mode, path_parameters in passes:
            try:
                fuzz(operation, mode, tally, path_parameters)
            except BaseException as error:  # collect every operation's failure, then report
                if isinstance(error, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} [{mode.value}]: {error}"[:3000])
    record_property("schemathesis", dict(tally))
    print(f"schemathesis: {len(operations)} operations, {dict(tally)}, "
          f"{len(failures)} failures")
    assert len(operations) >= 39
    assert failures == [], "\n\n".join(failures)
