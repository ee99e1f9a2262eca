"""The ``mentoring`` command line: one verb per job, assembled here from its families."""

from __future__ import annotations

import typer

from mentoring.cli import data, people, projections, relaying, serving, webhooks

app = typer.Typer(
    help="Event-sourced mentoring service: API, workers, replay, export and demo data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for verb in (serving.serve, projections.project, projections.rebuild, data.demo, data.replay,
             data.verify, data.export):
    app.command()(verb)
app.command("webhooks")(webhooks.webhooks)
app.command("relay")(relaying.relay)
app.command("consume")(relaying.consume)
app.command("hr-events")(relaying.hr_events)
app.command("erase")(people.erase)
app.command("subject-access")(people.subject_access)
app.add_typer(serving.keys, name="keys")


def main() -> None:
    """Entry point of the ``mentoring`` console script."""
    app()
