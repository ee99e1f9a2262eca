"""The HR system's own ids on programs, mentors and goals: unique where they apply, and a
way to find each resource by them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.api.driver import Driver, is_problem, ok


def test_a_program_mentor_and_goal_are_found_by_their_external_ids(
    client: TestClient, driver: Driver
) -> None:
    program = ok(client.post("/v1/programs", json={"name": "Eng", "external_id": "HR-PRG-7"}),
                 201)["id"]
    ok(client.post("/v1/mentors", json={
        "program_id": program, "person_id": "emp-1", "skills": [], "capacity": 2,
        "monthly_minutes": 120, "external_id": "MENTOR:emp-1"}), 201)
    goal = driver.goal(program, external_id="okr-2026.q3")

    assert ok(client.get(f"/v1/programs/{program}"))["external_id"] == "HR-PRG-7"
    assert ok(client.get(f"/v1/programs/{program}/mentors/emp-1"))["external_id"] == \
        "MENTOR:emp-1"
    assert ok(client.get(f"/v1/goals/{goal}"))["external_id"] == "okr-2026.q3"

    found = ok(client.get("/v1/external-ids/program/HR-PRG-7"))
    assert found["id"] == program and found["href"] == f"/v1/programs/{program}"
    mentor = ok(client.get("/v1/external-ids/mentor/MENTOR:emp-1",
                           params={"program_id": program}))
    assert mentor["person_id"] == "emp-1"
    assert ok(client.get(mentor["href"]))["person_id"] == "emp-1"
    by_goal = ok(client.get("/v1/external-ids/goal/okr-2026.q3",
                            params={"program_id": program.upper()}))  # any spelling
    assert by_goal["id"] == goal
    listed = ok(client.get("/v1/programs", params={"external_id": "HR-PRG-7"}))["items"]
    assert [p["id"] for p in listed] == [program]
    assert ok(client.get("/v1/programs", params={"external_id": "nope"}))["items"] == []
    is_problem(client.get("/v1/external-ids/goal/okr-2026.q3"), 422)  # no program
    is_problem(client.get("/v1/external-ids/goal/unknown", params={"program_id": program}),
               404)
    is_problem(client.get("/v1/external-ids/person/x"), 422)


def test_an_external_id_names_one_resource_per_scope(client: TestClient,
                                                     driver: Driver) -> None:
    first = ok(client.post("/v1/programs", json={"name": "A", "external_id": "P-1"}), 201)
    is_problem(client.post("/v1/programs", json={"name": "B", "external_id": "P-1"}), 409,
               "already-exists")
    other = driver.program("Other")
    for program in (first["id"], other):  # the same goal id in two programs is fine
        driver.goal(program, external_id="G-1")
    is_problem(client.post("/v1/goals", json={
        "program_id": other, "mentee_id": "mentee-2", "title": "t", "success_criteria": "c",
        "target_date": "2099-01-01", "external_id": "G-1"}), 409, "already-exists")
    # Nothing of a refused creation is stored: the names stay free for their owners.
    assert len(ok(client.get("/v1/external-ids/goal/G-1", params={"program_id": other}))) > 0
    is_problem(client.post("/v1/programs", json={"name": "C", "external_id": "bad id"}), 422)
    is_problem(client.post("/v1/programs", json={"name": "C", "external_id": "x\u0000"}), 422)


def test_two_concurrent_claims_of_one_external_id_store_one(client: TestClient) -> None:
    def create(n: int) -> int:
        return client.post("/v1/programs", json={"name": f"P{n}",
                                                 "external_id": "RACE"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [201] + [409] * 7


def test_keys_find_only_what_they_may_see(
    client: TestClient, driver: Driver, client_for: Callable[..., TestClient]
) -> None:
    theirs = ok(client.post("/v1/programs", json={"name": "T", "external_id": "T-1"}), 201)
    mine = driver.program("Mine")
    viewer = client_for("viewer", [mine])
    is_problem(viewer.get("/v1/external-ids/program/T-1"), 404)
    assert ok(viewer.get("/v1/programs", params={"external_id": "T-1"}))["items"] == []
    driver.goal(theirs["id"], external_id="G")
    is_problem(viewer.get("/v1/external-ids/goal/G", params={"program_id": theirs["id"]}),
               404)
