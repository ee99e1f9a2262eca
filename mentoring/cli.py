"""The ``mentoring`` command line: one verb per job, all built from the same settings."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from application.service import MentoringService
from domain.errors import DomainError
from infrastructure.database import ConfigurationError
from mentoring.bootstrap import build_service
from mentoring.exporting import export_events, to_json
from mentoring.replaying import print_replay
from mentoring.settings import Settings

app = typer.Typer(
    help="Event-sourced mentoring service: API, workers, replay, export and demo data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
PersonArgument = Annotated[
    str, typer.Argument(metavar="PERSON_ID", help="The HR system's person id.")
]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise fail(f"invalid configuration: {error}", 2) from None


@contextmanager
def service() -> Iterator[MentoringService]:
    """The application service, with configuration and database errors said plainly."""
    settings = load_settings()
    try:
        built = build_service(settings)
    except ConfigurationError as error:
        raise fail(str(error), 2) from None
    except Exception as error:  # the driver's own error says why the database is unreachable
        raise fail(f"cannot open the event store: {error}", 2) from None
    try:
        yield built
    except DomainError as error:
        raise fail(error.detail) from None
    finally:
        built.close()


@app.command()
def demo(
    mentors: Annotated[int, typer.Option(min=1, max=10_000, help="Mentors to register.")] = 20,
    mentees: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Mentees, one relationship each.")
    ] = 60,
    months: Annotated[int, typer.Option(min=1, max=120, help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable data.")] = 7,
) -> None:
    """Writes a realistic program: mentors, mentees, goals and a year of sessions."""
    from mentoring.demo import DemoProgram

    with service() as mentoring:
        before = mentoring.last_position()
        generator = DemoProgram(mentoring, mentors=mentors, mentees=mentees, months=months,
                                seed=seed)
        columns = (TextColumn("demo"), BarColumn(), MofNCompleteColumn(), TextColumn("commands"),
                   TimeElapsedColumn())
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("demo", total=None)
            report = generator.run(lambda n: progress.advance(task, n))
        written = mentoring.last_position() - before
        typer.echo(
            f"wrote {written} events: {report.programs} program, {report.mentors} mentors, "
            f"{report.relationships} relationships, {report.goals} goals"
        )
        if report.refused:
            refused = ", ".join(f"{rule} x{n}" for rule, n in sorted(report.refused.items()))
            typer.echo(f"commands the domain refused, as it should: {refused}")


@app.command()
def replay(
    aggregate_id: Annotated[str, typer.Argument(metavar="ID", help="A relationship or goal id.")],
    full: Annotated[bool, typer.Option(help="Print the whole state after each event.")] = False,
) -> None:
    """Prints an aggregate's events in order, with the state after each."""
    with service() as mentoring:
        print_replay(mentoring.replay(aggregate_id), full=full)


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
    ] = None,
    after: Annotated[int, typer.Option(min=0, help="Start after this global position.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
) -> None:
    """Streams every event, in global order, as JSON lines (or CSV)."""
    if fmt not in ("jsonl", "csv"):
        raise fail(f"--format must be jsonl or csv, got {fmt!r}", 2)
    with service() as mentoring:
        target = output.open("wb") if output else sys.stdout.buffer
        try:
            count = export_events(mentoring, target, after=after, fmt=fmt)
        finally:
            if output:
                target.close()
        err.print(f"exported {count} events", highlight=False)


@app.command()
def erase(
    person_id: PersonArgument,
    reason: Annotated[str, typer.Option(help="Why (e.g. the request's reference).")] = "",
    actor: Annotated[str, typer.Option(help="Who asks for the erasure.")] = "cli",
) -> None:
    """Erases a person's personal data for good (crypto-shredding); idempotent."""
    with service() as mentoring:
        result = mentoring.erase_person(person_id, reason=reason or None, actor=actor)
        typer.echo(to_json(result).decode())


@app.command("subject-access")
def subject_access(
    person_id: PersonArgument,
) -> None:
    """Prints everything held about a person, as JSON."""
    with service() as mentoring:
        typer.echo(to_json(mentoring.subject_access(person_id)).decode())


def main() -> None:
    """Entry point of the ``mentoring`` console script."""
    app()


# The other commands register themselves on ``app`` when imported.
from mentoring import (  # noqa: E402
    cli_api,  # noqa: F401  (registers serve and keys)
    cli_projections,  # noqa: F401  (registers project and rebuild)
)
