"""Verbs on the event store's data: demo data, replay of one aggregate, export of all."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.values import canonical_uuid
from mentoring.cli.common import err, fail, runtime, service
from mentoring.cli.exporting import export_events
from mentoring.cli.replaying import print_replay


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
            f"{report.relationships} relationships, {report.goals} goals, "
            f"{report.departures} departure"
        )
        if report.refused:
            refused = ", ".join(f"{rule} x{n}" for rule, n in sorted(report.refused.items()))
            typer.echo(f"commands the domain refused, as it should: {refused}")


def replay(
    aggregate_id: Annotated[str, typer.Argument(metavar="ID", help="A relationship or goal id.")],
    full: Annotated[bool, typer.Option(help="Print the whole state after each event.")] = False,
    version: Annotated[int | None, typer.Option(
        "--version", min=1, help="Stop at this version.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="INSTANT",
        help="Stop at the last event recorded at or before this ISO-8601 instant "
             "(with a timezone, e.g. 2026-03-01T00:00:00Z).")] = None,
) -> None:
    """Prints an aggregate's events in order, with the state after each (up to a version
    or an instant, for time travel)."""
    instant = None
    if as_of is not None:
        try:
            instant = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            raise fail(f"--as-of: not an ISO-8601 instant: {as_of!r}", 2) from None
        if instant.tzinfo is None:
            raise fail("--as-of: give a timezone (e.g. Z or +01:00)", 2)
    with service() as mentoring:
        print_replay(mentoring.replay(aggregate_id, version=version, as_of=instant), full=full)


def verify(
    aggregate_id: Annotated[str, typer.Argument(
        metavar="ID", help="A relationship, goal, program or mentor profile id.")],
) -> None:
    """Checks an audit trail: its hash chains, and every entry against its event in the
    event store. Exits 1 when an entry is altered, missing or not in the log."""
    from projections.queries import ProjectionNotReady

    with runtime() as built:
        kind = built.service.aggregate_type(aggregate_id)
        try:
            report = built.read_models().verify_trail(canonical_uuid(aggregate_id),
                                                      built.service.events)
        except ProjectionNotReady as error:
            raise fail(f"{error}: run `mentoring project` first") from None
    lag = report["not_yet_projected"]
    typer.echo(f"{kind} {report['aggregate_id']}: {report['entries']} entries over "
               f"{len(report['aggregates'])} aggregate(s), checked against "
               f"{report['log_events']} events in the event store"
               + (f" ({lag} not projected yet)" if lag else ""))
    for problem in report["problems"]:
        field = f" ({problem['field']})" if problem.get("field") else ""
        typer.echo(f"  {problem['problem']}{field}: {problem['aggregate_id']} "
                   f"v{problem['version']}")
    if not report["valid"]:
        raise fail("the audit trail does not match the event store")
    typer.echo("valid")


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
