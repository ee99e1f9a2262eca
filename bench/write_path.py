"""Figure 1: commands/s on existing relationships vs raw single-row INSERT transactions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

from bench.harness import Figure, median_and_spread, repeat, runtime_on
from mentoring.bootstrap import Runtime

RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_events (
    notification_id BIGSERIAL PRIMARY KEY,
    originator_id UUID NOT NULL,
    originator_version BIGINT NOT NULL,
    topic TEXT NOT NULL,
    state BYTEA NOT NULL,
    UNIQUE (originator_id, originator_version)
)"""
RAW_INSERT = (
    "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'domain.relationship:Relationship.ProgressReported', %s)"
)
STATE = b'{"actor":"bench","note":"pd1:' + b"x" * 120 + b'","goal_id":null}'


def run_clients(clients: int, seconds: float, work: Callable[[int], Callable[[], None]]) -> float:
    """Runs ``clients`` threads calling their work function for ``seconds``; returns ops/s."""
    counts = [0] * clients
    stop = threading.Event()

    def loop(index: int) -> None:
        step = work(index)
        while not stop.is_set():
            step()
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def raw_insert_rate(url: str, clients: int, seconds: float) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE)

    def work(_: int) -> Callable[[], None]:
        conn = psycopg.connect(url, autocommit=True)

        def insert() -> None:
            conn.execute(RAW_INSERT, (STATE,))
        return insert

    return run_clients(clients, seconds, work)


def seed_relationships(runtime: Runtime, count: int) -> list[str]:
    """One active relationship with expectations per client, so clients never collide."""
    service = runtime.service
    program = service.create_program(name="Bench", description=None, actor="bench")
    ids = []
    for index in range(count):
        service.register_mentor(program_id=program.id, person_id=f"m{index}", skills=["python"],
                                capacity=5, monthly_minutes=600, actor="bench")
        rel = service.request_relationship(program_id=program.id, mentor_id=f"m{index}",
                                           mentee_id=f"e{index}", message="Please mentor me",
                                           actor="bench")
        service.accept_relationship(rel.id, actor="bench")
        ids.append(rel.id)
    return ids


def service_command_rate(runtime: Runtime, ids: list[str], seconds: float) -> float:
    service = runtime.service

    def work(index: int) -> Callable[[], None]:
        def report() -> None:
            service.report_progress(ids[index], goal_id=None,
                                         note="Led the sprint review", actor="bench")
        return report

    return run_clients(len(ids), seconds, work)


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    clients, seconds, runs = int(size["clients"]), size["write_seconds"], int(size["runs"])
    raw = repeat(runs, lambda: raw_insert_rate(url, clients, seconds))
    with runtime_on(url, pool_size=clients) as runtime:
        ids = seed_relationships(runtime, clients)
        service = repeat(runs, lambda: service_command_rate(runtime, ids, seconds))
    raw_median, raw_spread = median_and_spread(raw)
    service_median, spread = median_and_spread(service)
    return [Figure(
        name="Write path, application service (no HTTP)", unit="commands/s",
        value=service_median, baseline=raw_median,
        baseline_name=f"raw single-row INSERT transactions, {clients} clients",
        target=">= 0.5 of raw", met=service_median >= 0.5 * raw_median, runs=service,
        notes=f"{clients} threads, {seconds:g} s per run; spread {spread:.0%}, raw spread "
              f"{raw_spread:.0%}; command: report_progress on the client's own relationship")]
