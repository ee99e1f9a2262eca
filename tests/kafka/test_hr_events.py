"""HR events in, against a real Kafka-protocol broker: employee.left once even when
delivered twice, a malformed message to the dead-letter topic without blocking the next,
an erasure request that erases, a role change flagged on the mentor profile."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from infrastructure.kafka import header_map
from mentoring.bootstrap import Runtime
from mentoring.settings import Settings
from tests.application.scenario import MENTOR, World
from workers.hr_consumer import HrConsumer

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(fresh_postgres_url: str, kafka_servers: str) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    return Settings(database_url=fresh_postgres_url, kafka_bootstrap_servers=kafka_servers,
                    hr_topic=f"hr.employees.{suffix}",
                    hr_dead_letter_topic=f"hr.employees.{suffix}.dead-letter",
                    hr_group_id=f"mentoring-hr-{suffix}", kafka_partitions=2,
                    database_pool_size=4)


@pytest.fixture
def consumer(runtime: Runtime) -> Iterator[HrConsumer]:
    # The broker's group join waits for the rebalance timeout: keep it short in tests.
    worker = runtime.hr_consumer(poll_interval=0.1, max_poll_interval_ms=3000)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(timeout=30)


def send(settings: Settings, *messages: tuple[bytes, list[tuple[str, bytes]]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    for value, headers in messages:
        producer.send(settings.hr_topic, key=b"emp", value=value, headers=headers)
    producer.flush()
    producer.close()


def plain(**body: Any) -> tuple[bytes, list[tuple[str, bytes]]]:
    return json.dumps(body).encode(), []


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_employee_left_concludes_once_even_when_delivered_twice(
    runtime: Runtime, settings: Settings, consumer: HrConsumer
) -> None:
    world = World.open(runtime.service)
    relationship = world.connected()
    mentee = runtime.service.relationship(relationship)["mentee_id"]
    before = runtime.service.last_position()
    left = plain(id="hr-1", type="employee.left", person_id=mentee)
    send(settings, left, left)
    wait_for(lambda: consumer.applied + consumer.skipped == 2)
    assert (consumer.applied, consumer.skipped) == (1, 1)
    state = runtime.service.relationship(relationship)
    assert state["status"] == "concluded"
    ended = [e for _, e in runtime.service.store.feed(after=before, limit=1000)
             if type(e).__name__ == "Concluded"]
    assert len(ended) == 1
    assert ended[0].actor == "hr-system:hr-1" and ended[0].reason == "participant_left"


def test_a_malformed_message_goes_to_the_dead_letter_topic_and_the_next_is_applied(
    runtime: Runtime, settings: Settings, consumer: HrConsumer
) -> None:
    world = World.open(runtime.service)
    world.connected()
    mentor = MENTOR
    send(settings,
         (b"{not json", []),
         plain(id="hr-2", type="employee.promoted", person_id=mentor),
         # CloudEvents, binary mode, the next message: applied.
         (json.dumps({"person_id": mentor, "role": "Staff engineer"}).encode(),
          [("ce_specversion", b"1.0"), ("ce_id", b"hr-3"), ("ce_source", b"hr"),
           ("ce_type", b"employee.role_changed"), ("content-type", b"application/json")]))
    wait_for(lambda: consumer.applied == 1 and consumer.dead == 2)
    profile = runtime.service.mentor(world.program_id, mentor)
    assert profile["hr_role"] == "Staff engineer"
    dead = KafkaConsumer(settings.hr_dead_letter_topic,
                         bootstrap_servers=settings.kafka_bootstrap_servers,
                         auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=5000)
    records = list(dead)
    dead.close()
    errors = sorted(header_map(r.headers)["dlq_error"] for r in records)
    assert len(records) == 2
    assert any("not JSON" in e for e in errors)
    assert any("unknown type 'employee.promoted'" in e for e in errors)
    assert {header_map(r.headers)["dlq_topic"] for r in records} == {settings.hr_topic}


def test_an_erasure_request_erases(runtime: Runtime, settings: Settings,
                                   consumer: HrConsumer) -> None:
    world = World.open(runtime.service)
    relationship = world.request()
    mentee = runtime.service.relationship(relationship)["mentee_id"]
    send(settings, (json.dumps({"specversion": "1.0", "id": "hr-4", "source": "hr",
                                "type": "employee.erasure_requested",
                                "data": {"person_id": mentee, "reason": "ticket 42"}}
                               ).encode(), [("content-type", b"application/cloudevents+json")]))
    wait_for(lambda: consumer.applied == 1)
    assert runtime.service.relationship(relationship)["message"] == "[erased]"
