"""Figure 1 through HTTP: commands/s on existing relationships, against raw INSERT
transactions and against the plain CRUD service a team would build instead
(``bench/crud_peer.py``), with the same load generator in the same run."""

from __future__ import annotations

from collections.abc import Callable

from bench.harness import Figure, median_and_spread, repeat, runtime_on
from bench.http import Client, crud_peer, live_server
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
    with crud_peer(url, pool_size=clients) as port:
        peer = repeat(runs, lambda: http_command_rate(port, ids, seconds))
    with live_server(url, pool_size=clients) as port:
        http = repeat(runs, lambda: http_command_rate(port, ids, seconds))
    with live_server(url, pool_size=clients, workers=2) as port:
        two = repeat(runs, lambda: http_command_rate(port, ids, seconds))
    raw_median, raw_spread = median_and_spread(raw)
    peer_median, peer_spread = median_and_spread(peer)
    median, spread = median_and_spread(http)
    two_median, two_spread = median_and_spread(two)
    load = f"{clients} keep-alive clients, POST /v1/relationships/{{id}}/progress"
    peer_name = f"plain FastAPI + psycopg pool CRUD service, one INSERT per POST, {clients} clients"
    return [
        Figure(name="Write path, HTTP API", unit="commands/s", value=median,
               baseline=raw_median,
               baseline_name=f"raw single-row INSERT transactions, {clients} clients",
               target=">= 0.5 of raw", met=median >= 0.5 * raw_median, runs=http,
               notes=f"{load}, one uvicorn process; spread {spread:.0%}, raw spread "
                     f"{raw_spread:.0%}"),
        Figure(name="Write path, HTTP API vs CRUD peer", unit="commands/s", value=median,
               baseline=peer_median, baseline_name=peer_name, target=">= 0.8 of peer",
               met=median >= 0.8 * peer_median, runs=peer,
               notes=f"{load}, one process each; runs are the peer's; peer spread "
                     f"{peer_spread:.0%}; the service keeps auth, scope, idempotency, "
                     f"If-Match, sealing and group commit"),
        Figure(name="Write path, HTTP API, serve --workers 2", unit="commands/s",
               value=two_median, baseline=peer_median, baseline_name=peer_name,
               target=">= 0.8 of peer", met=two_median >= 0.8 * peer_median, runs=two,
               notes=f"{load}; two API processes on one port against the one-process "
                     f"peer; spread {two_spread:.0%}"),
    ]
