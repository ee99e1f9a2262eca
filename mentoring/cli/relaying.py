"""``mentoring relay`` (the event store to Kafka) and ``mentoring hr-events`` (the HR
system's events in)."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from infrastructure.database import ConfigurationError
from mentoring.cli.common import err, fail, runtime


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
        err.print(f"relaying to {parts.settings.kafka_topic} at "
                  f"{parts.settings.kafka_bootstrap_servers}; stop with SIGTERM or Ctrl-C",
                  highlight=False)
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
        worker.run()
        err.print(f"stopped: {worker.applied} applied, {worker.skipped} repeats skipped, "
                  f"{worker.dead} to the dead-letter topic", highlight=False)
