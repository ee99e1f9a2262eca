"""The relay against a real Kafka-protocol broker: every event once, in per-key order,
valid CloudEvents; nothing lost across a SIGKILL; one relay publishes at a time; no
personal text on the topic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from cloudevents.kafka import KafkaMessage, from_binary
from kafka import KafkaConsumer

from infrastructure.kafka import RelayCursor, header_map
from infrastructure.key_vault import KeyEncryptionKey
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from tests.kafka.streams import demo, many_more_events, relay_until_caught_up, stored
from workers.relay_worker import PIPELINE

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(fresh_postgres_url: str, kafka_servers: str, topic: str) -> Settings:
    return Settings(database_url=fresh_postgres_url, kafka_bootstrap_servers=kafka_servers,
                    kafka_topic=topic, kafka_partitions=3, database_pool_size=4,
                    key_encryption_key=KeyEncryptionKey.generate())


def consume(servers: str, topic: str, count: int, seconds: float = 60) -> list[Any]:
    """Every record of the topic (all partitions), waiting until ``count`` have come."""
    consumer = KafkaConsumer(topic, bootstrap_servers=servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=1000)
    records: list[Any] = []
    deadline = time.monotonic() + seconds
    try:
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        # Anything beyond what was expected (duplicates) arrives too.
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(batch)
    finally:
        consumer.close()
    return records


def test_every_event_arrives_once_in_order_as_a_valid_cloudevent(
    runtime: Runtime, settings: Settings
) -> None:
    demo(runtime.service)
    events = stored(runtime.service)
    relay_until_caught_up(runtime)
    records = consume(settings.kafka_bootstrap_servers or "", settings.kafka_topic,
                      len(events))

    ids = [header_map(r.headers)["ce_id"] for r in records]
    assert Counter(ids) == Counter(f"{e.originator_id}:{e.originator_version}"
                                   for _, e in events)  # each exactly once
    versions: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        headers = header_map(record.headers)
        assert record.key.decode() == headers["ce_subject"]
        versions[(record.partition, record.key)].append(int(headers["ce_id"].rsplit(":", 1)[1]))
    assert all(v == sorted(v) for v in versions.values())  # per key, in order
    assert len({key for _, key in versions}) == len(versions)  # one partition per key
    # A program's events, whatever their aggregate, share a partition in global order.
    by_partition: dict[int, list[int]] = defaultdict(list)
    partitions_of: dict[str, set[int]] = defaultdict(set)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        headers = header_map(record.headers)
        by_partition[record.partition].append(int(headers["ce_position"]))
        partitions_of[headers.get("ce_programid", headers["ce_subject"])].add(record.partition)
    assert all(p == sorted(p) for p in by_partition.values())
    assert all(len(p) == 1 for p in partitions_of.values())

    for record in records[:50]:
        event = from_binary(KafkaMessage(headers={k: v for k, v in record.headers},
                                         key=record.key, value=record.value))
        assert event["specversion"] == "1.0"
        assert event["type"].startswith("mentoring.")
        assert event["id"] == header_map(record.headers)["ce_id"]
        assert int(event["position"]) > 0
        assert isinstance(event.data, dict) and "actor" in event.data

    from fastapi.testclient import TestClient

    with TestClient(runtime.api()) as client:  # the lag is where operators look
        assert client.get("/readyz").json()["relays"][settings.kafka_topic]["lag"] == 0
        assert (f'mentoring_relay_lag_positions{{topic="{settings.kafka_topic}"}} 0.0'
                in client.get("/metrics").text)


def test_no_personal_text_is_on_the_topic(runtime: Runtime, settings: Settings) -> None:
    demo(runtime.service, mentees=8)
    events = stored(runtime.service)
    relay_until_caught_up(runtime)
    records = consume(settings.kafka_bootstrap_servers or "", settings.kafka_topic,
                      len(events))
    wire = b"".join(r.value + b"".join(v for _, v in r.headers) for r in records)
    personal = {getattr(e, field) for _, e in events
                for field in getattr(type(e), "PERSONAL_FIELDS", ())
                if isinstance(getattr(e, field, None), str) and len(getattr(e, field)) > 8}
    assert personal, "the demo wrote no personal text to look for"
    leaked = [text for text in personal if text.encode() in wire]
    assert leaked == []


def start_relay(settings: Settings, batch_size: int) -> subprocess.Popen[bytes]:
    assert settings.key_encryption_key is not None
    env = {**os.environ, "MENTORING_DATABASE_URL": settings.database_url,
           "MENTORING_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
           "MENTORING_KAFKA_TOPIC": settings.kafka_topic, "MENTORING_KAFKA_PARTITIONS": "3",
           "MENTORING_KEY_ENCRYPTION_KEY": settings.key_encryption_key.get_secret_value()}
    return subprocess.Popen([str(Path(sys.executable).parent / "mentoring"), "relay",
                             "--batch-size", str(batch_size), "--poll-interval", "0.05"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for_position(cursor: RelayCursor, check: Any, seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while not check(position := cursor.position()):
        assert time.monotonic() < deadline, f"relay stuck at {position}"
        time.sleep(0.01)
    return position


def test_a_killed_relay_loses_nothing_and_a_standby_takes_over(
    runtime: Runtime, settings: Settings
) -> None:
    demo(runtime.service, mentees=10)
    many_more_events(runtime.service, 5000)
    events = stored(runtime.service)
    head = events[-1][0]
    cursor = RelayCursor(runtime.sql, settings.kafka_topic)
    cursor.ensure_schema()
    batch = 2
    active = start_relay(settings, batch)
    standby = None
    try:
        wait_for_position(cursor, lambda p: p > 0)
        standby = start_relay(settings, batch)  # waits on the relay lock
        assert standby.stderr is not None
        assert b"relaying to" in standby.stderr.readline()  # started: about to wait
        time.sleep(0.3)
        killed_at = cursor.position()
        active.send_signal(signal.SIGKILL)
        active.wait(timeout=10)
        assert killed_at < head, "the first relay finished before it could be killed"
        print(f"\nkilled the active relay at position {killed_at} of {head}")
        assert standby.poll() is None
        wait_for_position(cursor, lambda p: p >= head)  # the standby took over
    finally:
        for process in (active, standby):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    records = consume(settings.kafka_bootstrap_servers or "", settings.kafka_topic,
                      len(events))
    published = Counter(header_map(r.headers)["ce_id"] for r in records)
    assert set(published) == {f"{e.originator_id}:{e.originator_version}" for _, e in events}
    # Only what was in flight when the relay died went out twice: one relay published
    # at a time (two at once would have sent most events twice).
    duplicates = sum(count - 1 for count in published.values())
    print(f"{len(records)} records for {len(events)} events, {duplicates} duplicates")
    assert duplicates <= (PIPELINE + 1) * batch  # the batches a relay has in flight


def test_a_broker_outage_mid_stream_loses_nothing(fresh_postgres_url: str, topic: str) -> None:
    """The broker stops mid-stream and comes back on the same address. The relay keeps
    its position at what the broker acknowledged, waits, and once the broker is back
    publishes everything after that position. (This broker keeps records in memory, so
    the second one starts empty: it must receive every event the relay had not counted
    as published, whatever was in flight when the first one stopped.)"""
    import threading

    from tests.support.kafka import free_port, tansu_broker

    port = free_port()
    servers = f"127.0.0.1:{port}"
    settings = Settings(database_url=fresh_postgres_url, kafka_bootstrap_servers=servers,
                        kafka_topic=topic, kafka_partitions=3, database_pool_size=4,
                        key_encryption_key=KeyEncryptionKey.generate())
    runtime = build_runtime(settings)
    try:
        demo(runtime.service, mentees=10)
        many_more_events(runtime.service, 3000)
        events = stored(runtime.service)
        head = events[-1][0]
        relay = runtime.relay(batch_size=5, poll_interval=0.05)
        publisher = threading.Thread(target=relay.run, daemon=True)
        with tansu_broker(port):
            publisher.start()
            wait_for_position(relay.cursor, lambda p: p > 100)
        stopped_at = relay.cursor.position()
        assert stopped_at < head, "the relay finished before the outage"
        time.sleep(2.0)  # the broker is down: nothing more can be acknowledged
        during = relay.cursor.position()
        assert during < head
        with tansu_broker(port):
            wait_for_position(relay.cursor, lambda p: p >= head)
            expected = {f"{e.originator_id}:{e.originator_version}" for p, e in events
                        if p > during}
            arrived = {header_map(r.headers)["ce_id"]
                       for r in consume(servers, topic, len(expected))}
        relay.stop()
        publisher.join(timeout=30)
    finally:
        runtime.close()
    print(f"\nbroker stopped at position {stopped_at} of {head}; the relay held at {during}; "
          f"{len(expected)} later events all on the new broker")
    assert expected <= arrived


def test_the_reader_process_dying_loses_nothing(runtime: Runtime, settings: Settings) -> None:
    """On PostgreSQL a child process reads and encodes the batches; if it dies, the pass
    fails, the relay starts a new one from its stored position, and every event still
    reaches the topic."""
    import threading

    from workers.relay_reader import ProcessReader

    demo(runtime.service, mentees=10)
    many_more_events(runtime.service, 2000)
    events = stored(runtime.service)
    head = events[-1][0]
    relay = runtime.relay(batch_size=20, poll_interval=0.05)
    publisher = threading.Thread(target=relay.run, daemon=True)
    publisher.start()
    try:
        wait_for_position(relay.cursor, lambda p: p > 0)
        reader = relay._reader
        assert isinstance(reader, ProcessReader)
        killed_at = relay.cursor.position()
        os.kill(reader._process.pid, signal.SIGKILL)
        assert killed_at < head, "everything was published before the kill"
        wait_for_position(relay.cursor, lambda p: p >= head)
        assert relay._reader is not reader  # a new reader process took over
    finally:
        relay.stop()
        publisher.join(timeout=30)
    arrived = {header_map(r.headers)["ce_id"] for r in
               consume(settings.kafka_bootstrap_servers or "", settings.kafka_topic,
                       len(events))}
    print(f"\nkilled the reader process at position {killed_at} of {head}")
    assert arrived == {f"{e.originator_id}:{e.originator_version}" for _, e in events}


def test_the_reader_process_reads_what_the_service_would_publish(
    runtime: Runtime, settings: Settings
) -> None:
    """The reader process reads the events table as plain rows: the same public forms, in
    the same order, as the service's own feed (erasures and personal fields included)."""
    from mentoring.relay_reader import open_feed

    demo(runtime.service, mentees=6)
    runtime.service.erase_person("emp-e00001", reason="ticket 7", actor="test")
    feed, close = open_feed(settings)
    try:
        for after in (0, 5, 100):
            assert feed(after=after, limit=10**6) == runtime.service.integration_feed(
                after=after, limit=10**6)
    finally:
        close()
