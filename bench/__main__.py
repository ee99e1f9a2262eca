"""``python -m bench [--size tiny|default|full]``: runs the benchmarks, writes the results."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.harness import SIZES, Figure, machine, scratch_database

Benchmark = Callable[[str, dict[str, float]], list[Figure]]


def benchmarks() -> dict[str, Benchmark]:
    from bench import (
        dashboard,
        exports,
        http_write,
        live_lag,
        read_api,
        rebuild,
        relay,
        time_travel,
        write_path,
    )

    return {
        "write_path": write_path.measure,
        "http_write": http_write.measure,
        "rebuild": rebuild.measure,
        "live_lag": live_lag.measure,
        "time_travel": time_travel.measure,
        "read_api": read_api.measure,
        "relay": relay.measure,
        "exports": exports.measure,
        "dashboard": dashboard.measure,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a server URL; each benchmark creates and drops its own database")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"),
                        help="where to write the results ('-' for stdout only)")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    figures: list[Figure] = []
    started = time.perf_counter()
    for name, measure in benchmarks().items():
        if args.only and name not in args.only:
            continue
        print(f"[bench] {name} ({args.size})...", file=sys.stderr, flush=True)
        with scratch_database(args.postgres_url) as url:
            for figure in measure(url, size):
                figures.append(figure)
                print(f"[bench]   {report.line(figure)}", file=sys.stderr, flush=True)
    text = report.markdown(figures, machine(), args.size, size, time.perf_counter() - started)
    if str(args.output) == "-":
        print(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"[bench] wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
