"""``mentoring project`` (the projection worker) and ``mentoring rebuild NAME``."""

from __future__ import annotations

import signal
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from mentoring.bootstrap import freeze_start_up
from mentoring.cli.common import err, read_models_named, runtime
from projections.catalog import NAMES
from projections.runner import ProjectionRunner

# Wide enough for every column when the output is not a terminal (pipes, logs, tests).
out = Console(width=None if sys.stdout.isatty() else 160)


def project(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="[NAME]...", help=f"Projections to run (default all): {', '.join(NAMES)}.")] = None,
    status: Annotated[bool, typer.Option("--status", help="Print positions and lag, then exit.")
                      ] = False,
    poll_interval: Annotated[float, typer.Option(min=0.05, help="Seconds between polls.")] = 1.0,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Events per batch.")] = 2000,
) -> None:
    """Runs the projection worker: catches up, then follows new events until SIGTERM."""
    models = read_models_named(names)
    with runtime() as parts:
        if status:
            print_status(parts.runner(models))
            return
        worker = parts.projection_worker(models, poll_interval=poll_interval,
                                         batch_size=batch_size)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stopping.set())
        err.print(f"projecting {', '.join(m.name for m in models)} "
                  f"({parts.sql.kind}); stop with SIGTERM or Ctrl-C", highlight=False)
        freeze_start_up()
        worker.run()
        err.print("stopped after the last committed batch", highlight=False)


def print_status(runner: ProjectionRunner) -> None:
    table = Table("projection", "version", "live", "position", "head", "lag", "parked",
                  "updated")
    for row in runner.status():
        live = "building" if not row["active"] else "yes" if row["current"] else (
            "yes, outdated: rebuilt when a worker starts")
        if row["fed"]:
            live += " (built by `consume`)"
        table.add_row(row["name"], str(row["version"]), live,
                      str(row["position"]), str(row["head"]), str(row["lag"]),
                      str(row["parked"]), row["updated_at"])
    out.print(table)
    parked = runner.parked()
    if parked:
        events = Table("parked event (stepped over)", "projection", "position", "error")
        for row in parked:
            events.add_row(f"{row['event_type']} v{row['aggregate_version']} of "
                           f"{row['aggregate_id']}", row["name"], str(row["position"]),
                           row["error"])
        out.print(events)


def rebuild(
    names: Annotated[list[str], typer.Argument(
        metavar="NAME...", help=f"One or more of: {', '.join(NAMES)}.")],
    batch_size: Annotated[int, typer.Option(
        min=1, max=100_000,
        help="Events per batch (one transaction; ~0.7 GB peak at 100,000).")] = 100_000,
) -> None:
    """Rebuilds projections from the first event into new tables, then switches readers.

    Several names are rebuilt together in one pass over the log (each batch read and
    decoded once) and switched at the same moment."""
    models = read_models_named(names)
    label = ", ".join(m.name for m in models)
    with runtime() as parts:
        runner = parts.runner(models, batch_size=batch_size)
        columns = (TextColumn(f"rebuild {label}"), BarColumn(), MofNCompleteColumn(),
                   TaskProgressColumn(), TextColumn("{task.fields[rate]:>8} events/s"),
                   TextColumn("ETA"), TimeRemainingColumn())
        started, built = time.perf_counter(), [0.0, 0]
        with Progress(*columns, console=err) as progress:
            task = progress.add_task(label, total=parts.service.last_position(), rate="-")

            def advance(position: int, head: int) -> None:
                built[:] = [time.perf_counter() - started, position]
                rate = position / max(built[0], 1e-6)
                progress.update(task, completed=position, total=head, rate=f"{rate:,.0f}")

            versions = runner.rebuild_many(models, progress=advance)
        seconds, events = built
        rebuilt = ", ".join(f"{name} as version {version}" for name, version in versions.items())
        typer.echo(f"rebuilt {rebuilt}: {int(events)} events in {seconds:.1f}s "
                   f"({events / max(seconds, 1e-6):,.0f} events/s); readers switched to it")
