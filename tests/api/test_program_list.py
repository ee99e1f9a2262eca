"""Discovery: the programs a key may see, listed and paged."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem, ok


def test_lists_every_program_in_pages_after_the_views_caught_up(
    client: TestClient, driver: Driver, runtime: Runtime
) -> None:
    made = sorted(driver.program(f"Program {n}") for n in range(3))
    runtime.runner().catch_up_all()
    first = ok(client.get("/v1/programs", params={"limit": 2}))
    rest = ok(client.get("/v1/programs", params={"limit": 2, "cursor": first["next_cursor"]}))
    assert [p["id"] for p in first["items"] + rest["items"]] == made
    assert rest["next_cursor"] is None
    assert {p["name"] for p in first["items"] + rest["items"]} == {
        "Program 0", "Program 1", "Program 2"}
    is_problem(client.get("/v1/programs", params={"cursor": "bogus"}), 422, "invalid-cursor")


def test_a_key_limited_to_programs_lists_only_those(
    driver: Driver, runtime: Runtime, client_for: Callable[..., TestClient]
) -> None:
    mine, _, theirs = driver.program("Mine"), driver.program("Also"), driver.program("Theirs")
    viewer = client_for("viewer", [mine])
    listed = ok(viewer.get("/v1/programs"))
    assert [p["id"] for p in listed["items"]] == [mine] and theirs != mine
