"""Figure 1 through HTTP: commands/s on existing relationships vs raw INSERT transactions."""

from __future__ import annotations

from collections.abc import Callable

from bench.harness import Figure, median_and_spread, repeat, runtime_on
from bench.http import Client, live_server
from bench.write_path import raw_insert_rate, run_clients, seed_relationships


def http_command_rate(port: int, ids: list[str], seconds: float) -> float:
    def work(index: int) -> Callable[[], None]:
        client = Client(port)
        path = f"/v1/relationships/{ids[index]}/progress"

        def report() -> None:
            status, body = client.post(path, {"note": "Led the sprint review"})
            if status != 200:
                raise RuntimeError(f"{status}: {body}")
        return report

    return run_clients(len(ids), seconds, work)


def measure(url: str, size: dict[str, float]) -> list[Figure]:
    clients, seconds, runs = int(size["clients"]), size["write_seconds"], int(size["runs"])
    raw = repeat(runs, lambda: raw_insert_rate(url, clients, seconds))
    with runtime_on(url) as runtime:
        ids = seed_relationships(runtime, clients)
    with live_server(url, pool_size=clients) as port:
        http = repeat(runs, lambda: http_command_rate(port, ids, seconds))
    raw_median, raw_spread = median_and_spread(raw)
    median, spread = median_and_spread(http)
    return [Figure(
        name="Write path, HTTP API", unit="commands/s", value=median, baseline=raw_median,
        baseline_name=f"raw single-row INSERT transactions, {clients} clients",
        target=">= 0.5 of raw", met=median >= 0.5 * raw_median, runs=http,
        notes=f"{clients} keep-alive clients, POST /v1/relationships/{{id}}/progress, one "
              f"uvicorn process; spread {spread:.0%}, raw spread {raw_spread:.0%}")]
