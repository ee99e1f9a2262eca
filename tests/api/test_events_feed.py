"""GET /v1/events: the global ordered feed, cursor-paginated and scoped to a key's programs."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, is_problem, ok


def test_feed_pages_through_every_event_in_order(client: TestClient, driver: Driver) -> None:
    driver.active_relationship()  # 5 events: program, mentor, request, accept (2), expectations
    total = ok(client.get("/v1/events"))["items"]
    positions, cursor = [], 0
    while True:
        page = ok(client.get("/v1/events", params={"after": cursor, "limit": 2}))
        positions += [item["position"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert positions == list(range(1, len(total) + 1))
    assert [item["type"] for item in total][:3] == ["Created", "Registered", "Requested"]


def test_cursor_is_the_same_as_after(client: TestClient, driver: Driver) -> None:
    driver.active_relationship()
    first = ok(client.get("/v1/events", params={"limit": 2}))
    by_cursor = ok(client.get("/v1/events", params={"cursor": first["next_cursor"]}))
    by_after = ok(client.get("/v1/events", params={"after": first["next_cursor"]}))
    assert by_cursor == by_after
    assert by_cursor["items"][0]["position"] == 3


def test_feed_items_carry_envelope_actor_and_summary(client: TestClient, driver: Driver) -> None:
    driver.program("Feed")
    item = ok(client.get("/v1/events"))["items"][0]
    assert {"position", "aggregate", "aggregate_id", "version", "type", "occurred_at", "actor",
            "summary", "data"} <= item.keys()
    assert item["actor"].startswith("api-key:")


def test_limited_key_sees_only_its_programs_events(client: TestClient, driver: Driver,
                                                   client_for: Callable[..., TestClient]) -> None:
    mine, _ = driver.active_relationship()
    theirs, _ = driver.active_relationship(mentee_id="mentee-1")
    analyst = client_for("analyst", [mine])
    seen: list[dict[str, object]] = []
    cursor = 0
    while cursor is not None:
        page = ok(analyst.get("/v1/events", params={"after": cursor, "limit": 2}))
        seen += page["items"]
        cursor = page["next_cursor"]
    assert seen
    program_ids = {item["aggregate_id"] for item in seen if item["aggregate"] == "Program"}
    assert program_ids == {mine}
    assert all(item["data"].get("program_id", mine) == mine for item in seen)
    everything = ok(client.get("/v1/events", params={"limit": 1000}))["items"]
    assert len(seen) == len(everything) / 2
    assert theirs not in {item["aggregate_id"] for item in seen}


def test_bad_limit_is_422(client: TestClient) -> None:
    is_problem(client.get("/v1/events", params={"limit": 0}), 422)
    is_problem(client.get("/v1/events", params={"after": -1}), 422)


def test_a_limited_key_reads_the_index_then_the_events_not_filed_yet(
        client: TestClient, driver: Driver, runtime: Runtime,
        client_for: Callable[..., TestClient]) -> None:
    mine, relationship = driver.active_relationship()
    driver.active_relationship(mentee_id="mentee-1")
    runtime.runner().catch_up_all()  # filed in program_feed
    ok(client.post(f"/v1/relationships/{relationship}/pause", json={}))  # not filed yet
    analyst = client_for("analyst", [mine])
    everything = ok(client.get("/v1/events", params={"limit": 1000}))["items"]
    expected = [item["position"] for item in everything
                if runtime.service.program_of(item["aggregate_id"]) == mine]
    seen, cursor = [], 0
    while cursor is not None:
        page = ok(analyst.get("/v1/events", params={"after": cursor, "limit": 3}))
        seen += [item["position"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == expected and seen[-1] == everything[-1]["position"]
    positions, indexed = runtime.read_models().program_feed([mine], after=0, limit=100)
    assert positions == expected[:-1] and indexed < everything[-1]["position"]

    # An erasure is filed for every program's webhooks, but a key limited to programs
    # still does not see it (it names a person, not a program).
    ok(client.post("/v1/people/mentee-1/erasure", json={"reason": "GDPR"}))
    runtime.runner().catch_up_all()
    erasure = ok(client.get("/v1/events", params={"after": everything[-1]["position"]}))
    assert [item["type"] for item in erasure["items"]][-1] == "PersonalDataErased"
    limited = ok(analyst.get("/v1/events", params={"after": everything[-1]["position"]}))
    assert "PersonalDataErased" not in [item["type"] for item in limited["items"]]
