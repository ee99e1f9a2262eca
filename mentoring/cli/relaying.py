"""``mentoring relay`` (the event store to Kafka), ``mentoring consume`` (Kafka to the
read models) and ``mentoring hr-events`` (the HR system's events in)."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Annotated

import typer

from infrastructure.database import ConfigurationError
from mentoring.bootstrap import freeze_start_up
from mentoring.cli.common import err, fail, read_models_named, runtime, worker_logging
from projections.catalog import NAMES
from projections.feeds import FeedMismatch

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner


def relay(
    status: Annotated[bool, typer.Option("--status", help="Print position, head and lag, "
                                                          "then exit.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000,
                                            help="Events per acknowledged batch.")] = 500,
    poll_interval: Annotated[float, typer.Option(min=0.01, help="Seconds between looks "
                                                               "for new events.")] = 0.2,
) -> None:
    """Publishes every stored event, in order, to MENTORING_KAFKA_TOPIC (CloudEvents binary
    mode) until SIGTERM; one relay publishes, another started beside it waits."""
    with runtime() as parts:
        try:
            worker = parts.relay(batch_size=batch_size, poll_interval=poll_interval)
        except ConfigurationError as error:
            raise fail(str(error), 2) from None
        worker.cursor.ensure_schema()
        if status:
            state = worker.status()
            typer.echo(f"topic {state['topic']}: published through position {state['position']}"
                       f", head {state['head']}, lag {state['lag']} positions"
                       f" (last move {state['updated_at'] or 'never'})")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        worker_logging()
        err.print(f"relaying to {parts.settings.kafka_topic} at "
                  f"{parts.settings.kafka_bootstrap_servers}; stop with SIGTERM or Ctrl-C",
                  highlight=False)
        freeze_start_up()
        worker.run()
        err.print(f"stopped; {worker.published} events published in this run",
                  highlight=False)


def hr_events() -> None:
    """Consumes the HR system's topic (MENTORING_HR_TOPIC) until SIGTERM: employee.left,
    employee.role_changed and employee.erasure_requested; bad messages go to the
    dead-letter topic."""
    with runtime() as parts:
        try:
            worker = parts.hr_consumer()
        except ConfigurationError as error:
            raise fail(str(error), 2) from None
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        err.print(f"consuming {parts.settings.hr_topic} as {parts.settings.hr_group_id}; "
                  f"stop with SIGTERM or Ctrl-C", highlight=False)
        freeze_start_up()
        worker.run()
        err.print(f"stopped: {worker.applied} applied, {worker.skipped} repeats skipped, "
                  f"{worker.dead} to the dead-letter topic", highlight=False)


def consume(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="[NAME]...", help=f"Projections to build (default all): {', '.join(NAMES)}.")
    ] = None,
    status: Annotated[bool, typer.Option("--status", help="Print each partition's offset and "
                                                          "position, then exit.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000,
                                            help="Records per poll, at most.")] = 500,
    poll_interval: Annotated[float, typer.Option(min=0.01, help="Seconds a poll waits for "
                                                               "records.")] = 0.5,
    max_poll_interval: Annotated[float, typer.Option(
        min=1, max=3600, help="Seconds between polls after which the group counts a member "
                              "as gone (and the time a rebalance may wait for one).")] = 300,
    session_timeout: Annotated[float, typer.Option(
        min=1, max=300, help="Seconds without a heartbeat after which a member is gone.")
    ] = 10,
) -> None:
    """Builds the read models from MENTORING_KAFKA_TOPIC as a member of the consumer group
    MENTORING_CONSUMER_GROUP, until SIGTERM: start several to share the partitions. The
    views it builds are then left alone by `project`."""
    models = read_models_named(names)
    with runtime() as parts:
        if status:
            runner = parts.runner(models)
            print_feed_status(runner.reader.head(), runner)
            return
        try:
            worker = parts.projection_consumer(
                models, batch_size=batch_size, poll_interval=poll_interval,
                max_poll_interval_ms=int(max_poll_interval * 1000),
                session_timeout_ms=int(session_timeout * 1000))
        except ConfigurationError as error:
            raise fail(str(error), 2) from None
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        worker_logging()
        err.print(f"consuming {parts.settings.kafka_topic} as {parts.settings.consumer_group} "
                  f"into {', '.join(m.name for m in models)}; stop with SIGTERM or Ctrl-C",
                  highlight=False)
        try:
            freeze_start_up()
            worker.run()
        except FeedMismatch as error:
            raise fail(str(error), 1) from None
        err.print(f"stopped: {worker.applied} events applied, {worker.skipped} records "
                  f"already applied skipped, {worker.parked} parked", highlight=False)


def print_feed_status(head: int, runner: ProjectionRunner) -> None:
    from rich.table import Table

    from mentoring.cli.projections import out
    from projections import feeds

    runner.setup()
    with runner.sql.transaction(write=False) as cursor:
        rows = feeds.status(cursor)
    if not rows:
        typer.echo("no view is fed from Kafka here: `mentoring consume` never ran")
        return
    table = Table("projection", "version", "topic", "partition", "next offset", "position",
                  "head", "behind", "updated")
    for row in rows:
        table.add_row(row["name"], str(row["version"]), row["topic"], str(row["partition"]),
                      str(row["next_offset"]), str(row["position"]), str(head),
                      str(max(head - row["position"], 0)), row["updated_at"])
    out.print(table)
