"""Each defect a hostile client found, as its regression test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.idempotency import is_final
from domain.mentor_profile import MentorProfile
from infrastructure.idempotency import IdempotencyStore
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET, Driver, is_problem, ok

ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}


def spellings(uuid: str) -> list[str]:
    value = UUID(uuid)
    return [uuid, uuid.upper(), value.hex, "{" + uuid + "}", value.urn]


# ---- sizes -------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    huge = b'{"name": "x", "junk": "' + b"x" * 52_000_000 + b'"}'
    problem = is_problem(client.post("/v1/programs", content=huge,
                                     headers={"Content-Type": "application/json"}), 413)
    assert problem["rule"] == "body-too-large"


def test_a_streamed_body_over_the_limit_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "x", "junk": "'
        for _ in range(30):
            yield b"x" * 100_000
        yield b'"}'

    problem = is_problem(client.post("/v1/programs", content=chunks(),
                                     headers={"Content-Type": "application/json"}), 413)
    assert problem["rule"] == "body-too-large"
    assert ok(client.get("/v1/events"))["items"] == []  # nothing was created


# ---- control characters and extreme values where they reach SQL -------------------


@pytest.mark.parametrize("path", ["/v1/programs/{p}/health", "/v1/programs/{p}/at-risk",
                                  "/v1/programs/{p}/mentors", "/v1/goals/{g}/mentor-suggestions",
                                  "/v1/relationships/{r}"])
@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_instants_out_of_range_are_refused_not_crashed_on(
        client: TestClient, driver: Driver, path: str, instant: str) -> None:
    program_id, relationship_id = driver.active_relationship()
    url = path.format(p=program_id, g=driver.goal(program_id), r=relationship_id)
    problem = is_problem(client.get(url, params={"as_of": instant}), 422)
    assert problem["errors"][0]["field"].endswith("as_of")


def test_nul_in_a_query_or_a_cursor_is_refused(client: TestClient, driver: Driver) -> None:
    program_id, _ = driver.active_relationship()
    problem = is_problem(client.get("/v1/relationships", params={"mentor_id": "m\x00"}), 422)
    assert problem["errors"][0]["field"] == "query.mentor_id"
    is_problem(client.get(f"/v1/programs/{program_id}/mentors",
                          params={"cursor": "bQBt"}), 422)  # "m\x00m"
    is_problem(client.get("/v1/relationships", params={"cursor": "cDk5OTk5OTk5OTk5OTk5OTk5"
                                                                 "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"
                                                                 "OTk5"}), 422)  # 40 digits


def test_an_idempotency_key_with_a_control_character_is_refused(client: TestClient) -> None:
    problem = is_problem(client.post("/v1/programs", json={"name": "x"},
                                     headers={"Idempotency-Key": "k\x01"}), 422)
    assert problem["errors"][0]["field"] == "header.Idempotency-Key"


@pytest.mark.parametrize("value", ["3", 3.0, True])
def test_numbers_are_numbers(client: TestClient, driver: Driver, value: Any) -> None:
    program_id = driver.program()
    is_problem(client.post("/v1/mentors", json={
        "program_id": program_id, "person_id": "m9", "skills": [], "capacity": value,
        "monthly_minutes": 60}), 422)


# ---- one program, however its id is spelled ---------------------------------------


def test_every_spelling_of_a_program_id_names_the_same_program(client: TestClient,
                                                               driver: Driver) -> None:
    program_id = driver.program()
    first, *others = spellings(program_id)
    ok(client.post("/v1/mentors", json={"program_id": first, "person_id": "mentor-x",
                                        "skills": [], "capacity": 1, "monthly_minutes": 60}),
       201)
    for spelling in others:
        problem = is_problem(client.post("/v1/mentors", json={
            "program_id": spelling, "person_id": "mentor-x", "skills": [], "capacity": 1,
            "monthly_minutes": 60}), 409)
        assert problem["rule"] == "already-exists"
    accepted = 0
    for number, spelling in enumerate(spellings(program_id)):
        relationship = ok(client.post("/v1/relationships", json={
            "program_id": spelling, "mentor_id": "mentor-x", "mentee_id": f"e{number}",
            "message": "Hello"}), 201)
        assert ok(client.get(f"/v1/relationships/{relationship['id']}"))["program_id"] == (
            program_id)
        accepted += client.post(f"/v1/relationships/{relationship['id']}/accept",
                                json={}).status_code == 200
    assert accepted == 1  # capacity 1, whichever spelling the requests used


def test_a_key_limited_to_a_program_sees_it_under_any_spelling(
        client: TestClient, driver: Driver, client_for: Callable[..., TestClient]) -> None:
    program_id, relationship_id = driver.active_relationship()
    scoped = client_for("integration", [program_id.upper()])
    for spelling in spellings(program_id):
        ok(scoped.get(f"/v1/programs/{spelling}"))
    ok(scoped.get(f"/v1/relationships/{relationship_id.upper()}"))


def test_a_program_scoped_admin_is_told_what_it_lacks(
        driver: Driver, client_for: Callable[..., TestClient]) -> None:
    program_id, _ = driver.active_relationship()
    admin = client_for("admin", [program_id])
    problem = is_problem(admin.get("/v1/people/mentor-1/data"), 403)
    assert "API keys" not in problem["detail"] and "not limited to programs" in problem["detail"]


# ---- idempotency -------------------------------------------------------------------


def test_a_new_keys_secret_is_never_kept_for_a_retry(client: TestClient,
                                                     runtime: Runtime) -> None:
    headers = {"Idempotency-Key": "key-1"}
    created = ok(client.post("/v1/api-keys", json={"role": "viewer"}, headers=headers), 201)
    with runtime.sql.transaction(write=False) as cursor:
        stored = cursor.execute("SELECT status, body FROM idempotency_keys").fetchall()
    assert stored and all(created["secret"] not in (body or "") for _, body in stored)
    retry = is_problem(client.post("/v1/api-keys", json={"role": "viewer"}, headers=headers),
                       409)
    assert retry["rule"] == "secret-not-replayed" and created["id"] in retry["detail"]
    assert len(ok(client.get("/v1/api-keys"))["items"]) == 2  # the admin's, this one: no more


def test_a_lost_race_and_server_errors_are_not_the_final_answer() -> None:
    assert not is_final(409, '{"rule": "concurrent-update"}')
    assert not is_final(503, "{}") and not is_final(500, "{}") and not is_final(429, "{}")
    assert is_final(409, '{"rule": "mentor-capacity"}') and is_final(412, "{}")
    assert is_final(201, "{}") and is_final(422, "{}")


def test_idempotency_records_expire(runtime: Runtime) -> None:
    store = IdempotencyStore(runtime.sql, ttl=0.2)
    store.ensure_schema()
    assert store.claim("p", "k", "f1").outcome == "claimed"
    store.complete("p", "k", 201, [], "{}")
    assert store.claim("p", "k", "f2").outcome == "mismatch"
    time.sleep(0.3)
    assert store.claim("p", "k", "f2").outcome == "claimed"  # the old record is forgotten
    store.complete("p", "k", 201, [], "{}")
    time.sleep(0.3)
    assert store.purge() == 1


# ---- group commit ------------------------------------------------------------------


def test_one_bad_command_in_a_shared_commit_fails_alone(runtime: Runtime) -> None:
    good = [MentorProfile.register(program_id="6f1c2d3e-0000-4000-8000-000000000001",
                                   person_id=f"good-{n}", skills=[], capacity=1,
                                   monthly_minutes=60, actor="test") for n in range(8)]
    bad = MentorProfile.register(program_id="6f1c2d3e-0000-4000-8000-000000000001",
                                 person_id="bad", skills=[], capacity=1, monthly_minutes=60,
                                 bio="a bio", actor="test")
    bad.__dict__["person_id"] = "bad"
    bad.pending_events[0].__dict__["subject_id"] = "x1\x00"  # refused by the store itself
    results: dict[str, Any] = {}
    barrier = threading.Barrier(len(good) + 1)

    def commit(name: str, aggregate: Any) -> None:
        barrier.wait()
        try:
            results[name] = runtime.events.commit(aggregate)
        except Exception as error:  # collected and checked below
            results[name] = error

    threads = [threading.Thread(target=commit, args=(f"good-{n}", aggregate))
               for n, aggregate in enumerate(good)]
    threads.append(threading.Thread(target=commit, args=("bad", bad)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(results[f"good-{n}"], int) for n in range(8)), results
    if runtime.sql.kind == "postgres":
        assert isinstance(results["bad"], Exception)


# ---- the database going away -------------------------------------------------------


@pytest.mark.postgres
def test_the_first_request_after_the_database_dropped_its_connections_works(
        fresh_postgres_url: str) -> None:
    runtime = build_runtime(Settings(database_url=fresh_postgres_url, database_pool_size=4,
                                     bootstrap_admin_key=ADMIN_SECRET))
    try:
        with TestClient(runtime.api(), headers=ADMIN) as client:
            program_id = Driver(client).program()
            with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ok(client.get(f"/v1/programs/{program_id}"))
            ok(client.post("/v1/mentors", json={
                "program_id": program_id, "person_id": "after", "skills": [], "capacity": 1,
                "monthly_minutes": 60}), 201)
    finally:
        runtime.close()
