"""Webhooks, end to end: subscriptions over the API, a real receiving HTTP server started
here, signatures checked with the ``standardwebhooks`` package, failures and recovery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from mentoring.bootstrap import Runtime
from mentoring.settings import Settings
from tests.api.driver import Driver, is_problem, ok
from workers.webhook_worker import DeliveryPolicy, WebhookDispatcher

PRIVATE = "Would you mentor me? My manager must not know about my burnout."


@dataclass
class Receiver:
    """An HTTP server that records what it receives and answers ``status``."""

    server: ThreadingHTTPServer
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 204
    fail_next: int = 0  # answer 500 to this many requests first

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            target = holder[0]
            if target.fail_next > 0:
                target.fail_next -= 1
                status = 500
            else:
                status = target.status
                if 200 <= status < 300:
                    target.received.append(({k.lower(): v for k, v in self.headers.items()},
                                            body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_retry_seconds": 0.05, "webhook_max_failures": 3,
                                       "webhook_timeout_seconds": 2.0})


@pytest.fixture
def dispatcher(runtime: Runtime) -> Iterator[WebhookDispatcher]:
    """A dispatcher driven pass by pass (no thread), so every test decides when it runs."""
    made = runtime.webhook_dispatcher()
    yield made
    made.client.close()


def subscribe(client: TestClient, receiver: Receiver, program_id: str | None,
              **extra: Any) -> dict[str, Any]:
    return ok(client.post("/v1/webhooks", json={"url": receiver.url, "program_id": program_id,
                                                **extra}), 201)


def drain(dispatcher: WebhookDispatcher, passes: int = 20) -> None:
    for _ in range(passes):
        if not dispatcher.dispatch_once():
            return


def verified(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    """Every received body, each checked against its signature (raises if one is wrong)."""
    hook = Webhook(secret)
    return [hook.verify(body, headers) for headers, body in receiver.received]


def test_events_are_delivered_in_order_signed_per_standard_webhooks(
    client: TestClient, driver: Driver, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program)
    assert created["secret"].startswith("whsec_")
    driver.mentor(program)
    relationship = ok(client.post("/v1/relationships", json={
        "program_id": program, "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "message": PRIVATE}), 201)["id"]
    ok(client.post(f"/v1/relationships/{relationship}/accept", json={}))
    drain(dispatcher)

    payloads = verified(receiver, created["secret"])
    assert [p["type"] for p in payloads] == [
        "mentoring.mentor_profile.Registered", "mentoring.relationship.Requested",
        "mentoring.mentor_profile.RequestReceived",
        "mentoring.relationship.ConnectionEstablished",
        "mentoring.mentor_profile.MenteeAssigned"]
    positions = [p["position"] for p in payloads]
    assert positions == sorted(positions)
    headers = [h for h, _ in receiver.received]
    assert [h["webhook-id"] for h in headers] == [p["id"] for p in payloads]
    assert headers[1]["webhook-id"] == f"{relationship}:1"
    assert all(p["program_id"] == program for p in payloads)
    # The personal message goes out as a reference, never as text.
    assert PRIVATE.encode() not in b"".join(body for _, body in receiver.received)
    assert payloads[1]["data"]["message"]["personal"] is True
    state = ok(client.get(f"/v1/webhooks/{created['id']}"))
    assert state["delivered_through"] == positions[-1] and "secret" not in state
    log = ok(client.get(f"/v1/webhooks/{created['id']}/deliveries"))["items"]
    assert [a["succeeded"] for a in log] == [True] * 5
    assert log[0]["position"] == positions[-1]  # newest first


def test_only_the_subscribed_program_and_event_types_are_delivered(
    client: TestClient, driver: Driver, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    mine, other = driver.program("Mine"), driver.program("Other")
    created = subscribe(client, receiver, mine, event_types=["mentoring.relationship.*"])
    for program in (mine, other):
        driver.mentor(program)
        driver.relationship(program)
    drain(dispatcher)
    payloads = verified(receiver, created["secret"])
    assert [p["type"] for p in payloads] == ["mentoring.relationship.Requested"]
    assert payloads[0]["program_id"] == mine
    # Passed-over events move the cursor too: nothing is left to deliver.
    assert ok(client.get(f"/v1/webhooks/{created['id']}"))["delivered_through"] == \
        client.app.state.services.service.last_position()  # type: ignore[attr-defined]


def test_a_program_subscription_reads_its_program_through_the_index(
    client: TestClient, driver: Driver, receiver: Receiver, runtime: Runtime
) -> None:
    mine, other = driver.program("Mine"), driver.program("Other")
    created = subscribe(client, receiver, mine)
    driver.mentor(other, capacity=10)
    for mentee in range(6):  # the other program's events come first
        driver.active_relationship(other, mentee_id=f"other-{mentee}")
    driver.mentor(mine)
    driver.active_relationship(mine)
    ok(client.post("/v1/people/other-0/erasure", json={"reason": "GDPR"}))
    runtime.runner().catch_up_all()  # filed in program_feed
    driver.relationship(mine, mentee_id="mentee-2")  # not filed yet: read in order
    everything = runtime.service.feed(after=0, limit=10_000)
    expected = [e["position"] for e in everything
                if e["position"] > everything[1]["position"]  # after the subscription
                and (runtime.service.program_of(e["aggregate_id"]) == mine
                     or e["type"] == "PersonalDataErased")]
    small = runtime.webhook_dispatcher()
    small.policy = DeliveryPolicy(batch_size=4)
    try:
        small.dispatch_once()  # one pass: four of mine, none of the other program's to wade through
        assert [b["position"] for b in receiver.bodies()] == expected[:4]
        drain(small)
    finally:
        small.client.close()
    payloads = verified(receiver, created["secret"])
    assert [p["position"] for p in payloads] == expected
    assert "mentoring.erasure.PersonalDataErased" in [p["type"] for p in payloads]
    assert ok(client.get(f"/v1/webhooks/{created['id']}"))["delivered_through"] == \
        everything[-1]["position"]


def test_a_failing_receiver_gets_the_same_message_again_after_a_backoff(
    client: TestClient, driver: Driver, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program)
    driver.mentor(program)
    receiver.fail_next = 2
    assert not dispatcher.dispatch_once()
    failed = ok(client.get(f"/v1/webhooks/{created['id']}"))
    assert failed["failures"] == 1 and failed["next_attempt_at"] is not None
    assert failed["delivered_through"] == created["delivered_through"]
    for _ in range(100):  # retried after 0.05 s, then 0.1 s
        dispatcher.dispatch_once()
        if receiver.received:
            break
        time.sleep(0.02)
    payloads = verified(receiver, created["secret"])
    assert [p["type"] for p in payloads] == ["mentoring.mentor_profile.Registered"]
    log = ok(client.get(f"/v1/webhooks/{created['id']}/deliveries"))["items"]
    assert [(a["succeeded"], a["status_code"]) for a in reversed(log)] == [
        (False, 500), (False, 500), (True, 204)]
    assert len({a["message_id"] for a in log}) == 1  # the same webhook-id every time
    assert ok(client.get(f"/v1/webhooks/{created['id']}"))["failures"] == 0


def test_repeated_failure_disables_the_subscription_until_the_api_enables_it(
    client: TestClient, driver: Driver, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program)
    driver.mentor(program)
    receiver.status = 503
    for _ in range(200):
        dispatcher.dispatch_once()
        if not ok(client.get(f"/v1/webhooks/{created['id']}"))["enabled"]:
            break
        time.sleep(0.02)
    disabled = ok(client.get(f"/v1/webhooks/{created['id']}"))
    assert disabled["enabled"] is False and disabled["failures"] == 3
    assert "3 failed attempts" in disabled["disabled_reason"]
    assert not dispatcher.dispatch_once()  # nothing is tried while disabled
    receiver.status = 200
    enabled = ok(client.post(f"/v1/webhooks/{created['id']}/enable"))
    assert enabled["enabled"] is True and enabled["failures"] == 0
    drain(dispatcher)
    assert [p["type"] for p in verified(receiver, created["secret"])] == [
        "mentoring.mentor_profile.Registered"]


def test_a_receiver_that_does_not_answer_counts_as_a_failure(
    client: TestClient, driver: Driver, dispatcher: WebhookDispatcher
) -> None:
    program = driver.program()
    # A port nobody listens on: the connection is refused.
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    created = ok(client.post("/v1/webhooks", json={
        "url": f"http://127.0.0.1:{port}/x", "program_id": program}), 201)
    driver.mentor(program)
    dispatcher.dispatch_once()
    log = ok(client.get(f"/v1/webhooks/{created['id']}/deliveries"))["items"]
    assert log[0]["succeeded"] is False and log[0]["status_code"] is None
    assert "ConnectError" in log[0]["error"]


def test_replay_delivers_again_from_a_position_in_order(
    client: TestClient, driver: Driver, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program, after=0)  # from the very first event
    driver.mentor(program)
    drain(dispatcher)
    first = [p["id"] for p in verified(receiver, created["secret"])]
    assert first[0] == f"{program}:1"  # the program's creation, before the subscription
    replayed = ok(client.post(f"/v1/webhooks/{created['id']}/replay", json={"after": 0}))
    assert replayed["delivered_through"] == 0
    drain(dispatcher)
    assert [p["id"] for p in verified(receiver, created["secret"])] == first + first
    head = client.app.state.services.service.last_position()  # type: ignore[attr-defined]
    is_problem(client.post(f"/v1/webhooks/{created['id']}/replay", json={"after": head + 1}),
               422)


def test_a_replay_asked_for_during_a_delivery_is_not_overwritten(
    client: TestClient, driver: Driver, receiver: Receiver, runtime: Runtime
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program)
    driver.mentor(program)
    store = runtime.webhooks()
    before = store.get(created["id"])
    assert before is not None
    ok(client.post(f"/v1/webhooks/{created['id']}/replay", json={"after": 0}))
    # A dispatcher that decided on the old state now reports its success: too late.
    event = runtime.service.integration_feed(after=before.after_position, limit=1)[0]
    from workers.webhook_worker import WebhookDispatcher as Dispatcher

    attempt = Dispatcher(store, runtime.service, runtime.sql)._post(before, event)
    assert attempt.succeeded
    assert store.record(before, attempt, retry_in=1, max_failures=3) is False
    assert ok(client.get(f"/v1/webhooks/{created['id']}"))["delivered_through"] == 0


def test_one_dispatcher_delivers_the_other_waits_and_takes_over(
    client: TestClient, driver: Driver, receiver: Receiver, runtime: Runtime
) -> None:
    program = driver.program()
    created = subscribe(client, receiver, program)
    first = runtime.webhook_dispatcher(poll_interval=0.02).start_thread()
    second = runtime.webhook_dispatcher(poll_interval=0.02).start_thread()
    try:
        driver.mentor(program, "mentor-1")
        wait_for(lambda: len(receiver.received) == 1)
        first.stop()
        driver.mentor(program, "mentor-2")
        wait_for(lambda: len(receiver.received) == 2)
    finally:
        first.stop()
        second.stop()
    ids = [p["id"] for p in verified(receiver, created["secret"])]
    assert len(ids) == len(set(ids)) == 2


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_scope_roles_and_the_secret_shown_once(
    client: TestClient, driver: Driver, receiver: Receiver, client_for: Any
) -> None:
    mine, other = driver.program("Mine"), driver.program("Other")
    integration = client_for("integration", [mine])
    created = subscribe(integration, receiver, mine)
    assert "no-store" in integration.post("/v1/webhooks", json={
        "url": receiver.url, "program_id": mine}).headers["Cache-Control"]
    listed = ok(integration.get("/v1/webhooks"))["items"]
    assert {s["id"] for s in listed} >= {created["id"]}
    assert all("secret" not in s for s in listed)
    is_problem(integration.post("/v1/webhooks", json={"url": receiver.url,
                                                      "program_id": other}), 404)
    is_problem(integration.post("/v1/webhooks", json={"url": receiver.url}), 422)
    theirs = subscribe(client, receiver, other)
    is_problem(integration.get(f"/v1/webhooks/{theirs['id']}"), 404)
    is_problem(integration.delete(f"/v1/webhooks/{theirs['id']}"), 404)
    for role in ("viewer", "analyst"):
        is_problem(client_for(role).get("/v1/webhooks"), 403)
    ok(integration.delete(f"/v1/webhooks/{created['id']}"))
    is_problem(integration.get(f"/v1/webhooks/{created['id']}"), 404)


@pytest.mark.parametrize("body", [
    {"url": "ftp://example.com/x"},
    {"url": "http://user:secret@example.com/x"},
    {"url": "http://example.com/x\u0000"},
    {"url": "/relative"},
    {"url": "http://example.com/" + "x" * 3000},
    {"url": "https://example.com/x", "event_types": ["mentoring.relationship.Nope"]},
    {"url": "https://example.com/x", "event_types": []},
    {"url": "https://example.com/x", "after": -1},
    {"url": "https://example.com/x", "after": 2**62},  # past the newest event
    {"url": "https://example.com/x", "surprise": True},
])
def test_bad_subscriptions_are_refused_with_a_problem(
    client: TestClient, driver: Driver, body: dict[str, Any]
) -> None:
    is_problem(client.post("/v1/webhooks", json={"program_id": driver.program(), **body}), 422)
