"""Figure 6: dashboard and list queries over HTTP at N relationships, p95 latency."""

from __future__ import annotations

import time

from bench.bulk import load_relationships
from bench.harness import Figure, percentile, runtime_on
from bench.http import Client, live_server
from projections import versions
from projections.catalog import READ_MODELS

CATCH_UP_BATCH = 10_000


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    count, queries = int(size["relationships"]), int(size["queries"])
    program_id, events = load_relationships(url, count)
    with runtime_on(url) as runtime:
        runner = runtime.runner(READ_MODELS,
                                  batch_size=CATCH_UP_BATCH)
        runner.setup()
        started = time.perf_counter()
        # Every model at once: each batch of the log read and decoded once for all five.
        runner.catch_up_group([(model, runner.position_of(model)[0]) for model in READ_MODELS])
        runner.catch_up_all()
        versions.analyze(runtime.sql, READ_MODELS)  # planner statistics, as after bulk loads
        catch_up = time.perf_counter() - started
    paths = {
        "program health": f"/v1/programs/{program_id}/health",
        "at-risk list (50)": f"/v1/programs/{program_id}/at-risk?limit=50",
        "relationship list (50)": f"/v1/relationships?program_id={program_id}&limit=50",
        "relationship list, active (50)":
            f"/v1/relationships?program_id={program_id}&status=active&limit=50",
        "mentor directory (50)": f"/v1/programs/{program_id}/mentors?limit=50",
    }
    figures = []
    with live_server(url) as port:
        client = Client(port)
        for label, path in paths.items():
            status, body = client.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status} {body}")
            samples = []
            for _ in range(queries):
                begun = time.perf_counter()
                client.get(path)
                samples.append((time.perf_counter() - begun) * 1000)
            p95 = percentile(samples, 0.95)
            figures.append(Figure(
                name=f"Read API: {label} at {count:,} relationships", unit="ms p95", value=p95,
                target="p95 <= 20 ms", met=p95 <= 20,
                notes=f"p50 {percentile(samples, 0.5):.1f} ms over {queries} requests; "
                      f"{events:,} events projected in {catch_up:.0f} s beforehand"))
    return figures
