"""Issue 12's figures: relay throughput against a raw idempotent producer of the same
records, and commit-to-Kafka latency at a steady command rate.

The broker is the Kafka-protocol broker the tests use (tansu, in-memory storage; no
Apache Kafka distribution can be fetched here), started for this benchmark.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

from kafka import KafkaConsumer, KafkaProducer

from bench.harness import Figure, median_and_spread, percentile
from bench.write_path import seed_relationships
from infrastructure.kafka import header_map, record_of
from mentoring.bootstrap import build_runtime, ensure_topic, freeze_start_up
from mentoring.settings import Settings
from tests.support.kafka import tansu_broker


def producer(servers: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=True,
                         linger_ms=5, max_in_flight_requests_per_connection=5)


def settings_for(url: str, servers: str, topic: str) -> Settings:
    return Settings(database_url=url, kafka_bootstrap_servers=servers, kafka_topic=topic,
                    kafka_partitions=6, database_pool_size=8)


BATCH = 1000  # events per relay batch


def raw_rate(servers: str, records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]
             ) -> float:
    """The same records through a bare idempotent acks=all producer: records/s from the
    first send (the producer made) to the last acknowledgement."""
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    ensure_topic(servers, topic, 6, 1)
    freeze_start_up()  # the records are the harness's: kept out of the producer's collections
    sender = producer(servers)
    started = time.perf_counter()
    for key, value, headers in records:
        sender.send(topic, key=key, value=value, headers=headers)
    sender.flush(timeout=120)
    elapsed = time.perf_counter() - started
    sender.close()
    return len(records) / elapsed


def relay_rate(url: str, servers: str, count: int) -> tuple[float, float]:
    """The relay catching up from position 0 over ``count`` stored events: events/s from
    the moment it is ready to publish (lock taken, producer made, reader process
    connected: as the raw producer's clock starts once it is made) to the last position
    stored; and the seconds it took to get ready."""
    topic = f"bench.relay.{uuid.uuid4().hex[:6]}"
    ensure_topic(servers, topic, 6, 1)
    runtime = build_runtime(settings_for(url, servers, topic))
    try:
        relay = runtime.relay(batch_size=BATCH, poll_interval=0.05)
        freeze_start_up()  # as `mentoring relay` does before it runs
        if runtime.service.last_position() != count:
            raise RuntimeError("the store holds other events than those to relay")
        thread = threading.Thread(target=relay.run, daemon=True)
        started = time.perf_counter()
        thread.start()
        # The relay's own count, not a query: polling its database from its own process
        # every few milliseconds took CPU and the interpreter lock from the relay.
        while relay.published < count:
            time.sleep(0.002)
        done = time.perf_counter()
        relay.stop()
        thread.join(timeout=30)
        assert relay.ready_at is not None
        return count / (done - relay.ready_at), relay.ready_at - started
    finally:
        runtime.close()


def latency(url: str, servers: str, rate: float, seconds: float) -> list[float]:
    """Milliseconds from a command's return to its event being read from the topic."""
    topic = f"bench.latency.{uuid.uuid4().hex[:6]}"
    ensure_topic(servers, topic, 6, 1)
    runtime = build_runtime(settings_for(url, servers, topic))
    committed: dict[str, float] = {}
    arrived: dict[str, float] = {}
    try:
        ids = seed_relationships(runtime, 8)
        relay = runtime.relay(batch_size=500)
        relay.cursor.advance(runtime.service.last_position())  # only the new events
        consumer = KafkaConsumer(topic, bootstrap_servers=servers, group_id=None,
                                 auto_offset_reset="latest", fetch_max_wait_ms=5,
                                 enable_auto_commit=False)
        consumer.poll(timeout_ms=1000)  # joins and seeks to the end before we start
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                for batch in consumer.poll(timeout_ms=50).values():
                    now = time.perf_counter()
                    for record in batch:
                        arrived.setdefault(header_map(record.headers)["ce_id"], now)

        reader = threading.Thread(target=read, daemon=True)
        publisher = threading.Thread(target=relay.run, daemon=True)
        reader.start()
        publisher.start()
        time.sleep(1.0)
        interval, next_at, n = 1.0 / rate, time.perf_counter(), 0
        end = next_at + seconds
        while next_at < end:
            time.sleep(max(0.0, next_at - time.perf_counter()))
            outcome = runtime.service.report_progress(ids[n % len(ids)], goal_id=None,
                                                      note="bench", actor="bench")
            committed[f"{outcome.id}:{outcome.version}"] = time.perf_counter()
            n, next_at = n + 1, next_at + interval
        deadline = time.monotonic() + 10
        while len(arrived.keys() & committed.keys()) < len(committed) and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        relay.stop()
        reader.join(timeout=10)
        publisher.join(timeout=30)
        consumer.close()
    finally:
        runtime.close()
    missing = committed.keys() - arrived.keys()
    if missing:
        raise RuntimeError(f"{len(missing)} events never reached the topic")
    return [(arrived[key] - committed[key]) * 1000 for key in committed]


def fresh_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    runs = int(size["runs"])
    count = int(size["relay_events"])
    with tansu_broker() as servers:
        runtime = build_runtime(Settings(database_url=url, database_pool_size=20))
        try:
            ids = seed_relationships(runtime, 16)

            def reports(relationship_id: str) -> None:
                for n in range(count // len(ids)):
                    runtime.service.report_progress(relationship_id, goal_id=None,
                                                    note=f"step {n}", actor="bench")

            workers = [threading.Thread(target=reports, args=(i,)) for i in ids]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            events = runtime.service.integration_feed(after=0, limit=10**9)
        finally:
            runtime.close()
        records = [record_of(event) for event in events]
        count = len(events)
        del events
        raw, relayed, startups = [], [], []
        for _ in range(runs):  # interleaved, so that drift hits both alike
            # Each in a fresh process of its own, as the relay runs in production: neither
            # pays for the other's objects (or this process's) in garbage collections.
            with fresh_process() as pool:
                raw.append(pool.submit(raw_rate, servers, records).result())
            with fresh_process() as pool:
                rate, startup = pool.submit(relay_rate, url, servers, count).result()
            relayed.append(rate)
            startups.append(startup)
        lat = latency(url, servers, size["lag_rate"], size["lag_seconds"])
    raw_median, raw_spread = median_and_spread(raw)
    median, spread = median_and_spread(relayed)
    p99 = percentile(lat, 0.99)
    return [
        Figure(name="Kafka relay throughput", unit="events/s", value=median,
               baseline=raw_median,
               baseline_name="raw kafka-python idempotent acks=all producer, same records",
               target=">= 0.8 of raw", met=median >= 0.8 * raw_median, runs=relayed,
               notes=f"{count:,} stored events relayed from position 0 in batches of "
                     f"{BATCH:,} (read and encode in the reader process, send, store "
                     f"position), timed from ready to publish (lock, producer and reader "
                     f"process before that: {median_and_spread(startups)[0]:.2f} s) as the "
                     f"raw producer from made; broker: tansu (memory), 6 partitions; "
                     f"spread {spread:.0%}, raw spread {raw_spread:.0%}"),
        Figure(name="Commit-to-Kafka latency", unit="ms p99", value=p99,
               target="p99 < 50 ms at 200 commands/s", met=p99 < 50, runs=[],
               notes=f"p50 {percentile(lat, 0.5):.1f} ms; {len(lat)} commands at "
                     f"{size['lag_rate']:g}/s; relay woken by LISTEN/NOTIFY; a consumer "
                     f"reads the topic (fetch wait 5 ms); from the command's return to "
                     f"the record's arrival"),
    ]
