"""Authorization matrix: every role x every path family, inside and outside its programs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.driver import NEXT_YEAR, Driver

WRITERS = ("admin", "integration")
READERS = ("admin", "integration", "analyst")
EVERYONE = ("admin", "integration", "analyst", "viewer")


@dataclass(frozen=True)
class Family:
    """One kind of request, who may make it, and what success answers."""

    name: str
    method: str
    path: str
    allowed: tuple[str, ...]
    success: int = 200
    body: dict[str, Any] | None = None


def families(role: str, ids: dict[str, str]) -> list[Family]:
    """The path families, built for one program's ids (``ids``) and a role (unique names)."""
    program, relationship, goal = ids["program"], ids["relationship"], ids["goal"]
    return [
        Family("read program", "GET", f"/v1/programs/{program}", READERS),
        Family("update program", "PATCH", f"/v1/programs/{program}", WRITERS,
               body={"description": role}),
        Family("register mentor", "POST", "/v1/mentors", WRITERS, 201,
               {"program_id": program, "person_id": f"m-{role}", "skills": [], "capacity": 1,
                "monthly_minutes": 60}),
        Family("read mentor", "GET", f"/v1/programs/{program}/mentors/mentor-1", READERS),
        Family("mentor command", "PUT", f"/v1/programs/{program}/mentors/mentor-1/capacity",
               WRITERS, body={"capacity": 4}),
        Family("request relationship", "POST", "/v1/relationships", WRITERS, 201,
               {"program_id": program, "mentor_id": "mentor-1", "mentee_id": f"e-{role}",
                "message": "hello"}),
        Family("read relationship", "GET", f"/v1/relationships/{relationship}", READERS),
        Family("time travel", "GET", f"/v1/relationships/{relationship}?version=1", READERS),
        Family("relationship command", "POST", f"/v1/relationships/{relationship}/experiences",
               WRITERS, body={"kind": "success", "text": "it went well"}),
        Family("define goal", "POST", "/v1/goals", WRITERS, 201,
               {"program_id": program, "mentee_id": "mentee-1", "title": "t",
                "success_criteria": "c", "target_date": f"{NEXT_YEAR}-10-01"}),
        Family("read goal", "GET", f"/v1/goals/{goal}", READERS),
        Family("goal command", "POST", f"/v1/goals/{goal}/progress", WRITERS,
               body={"percent": 10}),
    ]


KEY_FAMILIES = [
    Family("list api keys", "GET", "/v1/api-keys", ("admin",)),
    Family("create api key", "POST", "/v1/api-keys", ("admin",), 201, {"role": "viewer"}),
    Family("revoke api key", "DELETE", "/v1/api-keys/unknown-key", ("admin",), 404),
]
GLOBAL_FAMILIES = [
    Family("events feed", "GET", "/v1/events", READERS),
    Family("health", "GET", "/healthz", EVERYONE),
    Family("readiness", "GET", "/readyz", EVERYONE),
]


def call(client: TestClient, family: Family) -> int:
    return int(client.request(family.method, family.path, json=family.body).status_code)


def setup_program(driver: Driver) -> dict[str, str]:
    program, relationship = driver.active_relationship()
    return {"program": program, "relationship": relationship, "goal": driver.goal(program)}


@pytest.mark.parametrize("role", EVERYONE)
def test_role_matrix(role: str, driver: Driver,
                     client_for: Callable[..., TestClient]) -> None:
    mine, other = setup_program(driver), setup_program(driver)
    scoped = client_for(role, [mine["program"]])
    unscoped = client_for(role)
    wrong: list[str] = []
    for family in families(role, mine) + GLOBAL_FAMILIES:
        expected = family.success if role in family.allowed else 403
        if (got := call(scoped, family)) != expected:
            wrong.append(f"own program: {family.name}: {got} != {expected}")
    for family in families(f"x-{role}", other):
        # Another program's resources do not exist for this key: 404, never 403 or 2xx
        # (except for roles that may not make the request at all, which learn nothing).
        expected = 404 if role in family.allowed else 403
        if (got := call(scoped, family)) != expected:
            wrong.append(f"other program: {family.name}: {got} != {expected}")
    create = Family("create program", "POST", "/v1/programs", WRITERS, 201, {"name": role})
    if (got := call(unscoped, create)) != (201 if role in WRITERS else 403):
        wrong.append(f"unscoped create program: {got}")
    if (got := call(scoped, create)) != 403:
        wrong.append(f"scoped create program: {got} != 403")
    for family in KEY_FAMILIES:
        # Only an admin key not limited to programs manages keys: it could grant more.
        if (got := call(unscoped, family)) != (family.success if role == "admin" else 403):
            wrong.append(f"unscoped {family.name}: {got}")
        if (got := call(scoped, family)) != 403:
            wrong.append(f"scoped {family.name}: {got} != 403")
    assert wrong == []


def test_limited_integration_key_cannot_see_another_programs_ids(
    driver: Driver, client_for: Callable[..., TestClient]
) -> None:
    mine, other = setup_program(driver), setup_program(driver)
    integration = client_for("integration", [mine["program"]])
    missing = integration.get("/v1/relationships/5b0b8a4e-1f57-4a65-9a3c-2d9f1f0a7e11").json()
    hidden = integration.get(f"/v1/relationships/{other['relationship']}").json()
    assert missing["status"] == hidden["status"] == 404
    assert missing.keys() == hidden.keys()
