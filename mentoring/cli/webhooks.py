"""``mentoring webhooks``: the webhook dispatcher as a process of its own."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from mentoring.bootstrap import freeze_start_up
from mentoring.cli.common import err, runtime


def webhooks(
    poll_interval: Annotated[float, typer.Option(
        min=0.05, help="Seconds between looks for new events and due retries.")] = 0.5,
) -> None:
    """Delivers events to webhook subscriptions until SIGTERM (one dispatcher delivers
    at a time; another started beside it waits and takes over when it stops)."""
    with runtime() as parts:
        dispatcher = parts.webhook_dispatcher(poll_interval=poll_interval)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: dispatcher.stopping.set())
        err.print(f"delivering webhooks ({parts.sql.kind}); stop with SIGTERM or Ctrl-C",
                  highlight=False)
        freeze_start_up()
        dispatcher.run()
        err.print("stopped", highlight=False)
