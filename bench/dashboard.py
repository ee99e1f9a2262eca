"""The web page's server time at N relationships: each page's HTML, p95, as a browser's
request sees it on loopback (log-in cookie, no static files, no rendering)."""

from __future__ import annotations

import http.client
import time

from bench.bulk import load_relationships
from bench.harness import Figure, percentile, runtime_on
from bench.http import ADMIN_KEY, live_server
from projections import versions
from projections.catalog import READ_MODELS

CATCH_UP_BATCH = 10_000
TARGET_MS = 50


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    count, queries = int(size["relationships"]), int(size["queries"])
    program_id, events = load_relationships(url, count)
    with runtime_on(url) as runtime:
        runner = runtime.runner(READ_MODELS, batch_size=CATCH_UP_BATCH)
        runner.setup()
        runner.catch_up_group([(model, runner.position_of(model)[0]) for model in READ_MODELS])
        runner.catch_up_all()
        versions.analyze(runtime.sql, READ_MODELS)
        relationship = runtime.read_models().relationship_summaries(
            [program_id], status="active", limit=1)["items"][0]["relationship_id"]
    pages = {
        "programs": "/dashboard",
        "program health (charts, top 10 at risk)": f"/dashboard/programs/{program_id}",
        "at-risk list (100)": f"/dashboard/programs/{program_id}/at-risk",
        "mentor directory (100)": f"/dashboard/programs/{program_id}/mentors",
        "a relationship's page (trail, verification, goals)":
            f"/dashboard/relationships/{relationship}",
    }
    figures = []
    with live_server(url) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": f"mentoring_session={ADMIN_KEY}"}
        for label, path in pages.items():
            samples = []
            for attempt in range(queries + 5):
                begun = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
                if attempt >= 5:  # the first few warm the caches
                    samples.append((time.perf_counter() - begun) * 1000)
            p95 = percentile(samples, 0.95)
            figures.append(Figure(
                name=f"Dashboard: {label} at {count:,} relationships", unit="ms p95",
                value=p95, target=f"p95 < {TARGET_MS} ms", met=p95 < TARGET_MS,
                notes=f"p50 {percentile(samples, 0.5):.1f} ms over {queries} requests; "
                      f"{len(body) / 1024:.0f} KiB of HTML; {events:,} events projected"))
    return figures
