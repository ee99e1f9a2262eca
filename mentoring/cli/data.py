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
    source: Annotated[str, typer.Option(
        "--source", "-s", help="events (default), a read model (relationship_summaries, "
        "goal_summaries, program_health, at_risk, audit_trail, mentor_directory, "
        "program_feed) or one of its tables as MODEL.TABLE; --list-sources names all.")
    ] = "events",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    program: Annotated[str | None, typer.Option(
        "--program", metavar="ID", help="Only this program's rows.")] = None,
    since: Annotated[str | None, typer.Option(
        metavar="INSTANT", help="Only what occurred at or after this ISO-8601 instant "
                                "(events, audit trail).")] = None,
    until: Annotated[str | None, typer.Option(
        metavar="INSTANT", help="Only what occurred before this instant.")] = None,
    types: Annotated[list[str] | None, typer.Option(
        "--type", metavar="NAME", help="Only these event types (repeat): SessionHeld or "
                                      "mentoring.relationship.SessionHeld.")] = None,
    after: Annotated[int, typer.Option(
        min=0, help="Events only: start after this global position.")] = 0,
    list_sources: Annotated[bool, typer.Option(
        "--list-sources", help="Print every source name and exit.")] = False,
) -> None:
    """Streams events, a read model or the audit trail as JSON lines, CSV or Parquet,
    filtered by program, time range and event type, with a progress bar on stderr.
    A file is written whole or not at all."""
    from mentoring.analysis import History
    from mentoring.cli.exporting import FORMATS, write
    from mentoring.export_filters import ExportError, Filters

    if fmt not in FORMATS:
        raise fail(f"--format must be jsonl, csv or parquet, got {fmt!r}", 2)
    if fmt == "parquet" and output is None:
        raise fail("Parquet is a binary file: give --output FILE", 2)
    try:
        filters = Filters.of(program, since, until, types or ())
    except ExportError as error:
        raise fail(str(error), 2) from None
    with runtime() as built:
        history = History(built)
        if list_sources:
            typer.echo("\n".join(history.sources()))
            return
        if after and source != "events":
            raise fail("--after applies to events only", 2)
        try:
            chosen = history.source(source, after=after)
        except ExportError as error:
            raise fail(str(error), 2) from None
        partial = output.with_name(output.name + ".partial") if output else None
        target = partial.open("wb") if partial else sys.stdout.buffer
        columns = (TextColumn(f"export {source}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[unit]}"), TextColumn("{task.fields[rows]} rows"),
                   TimeElapsedColumn())
        try:
            with Progress(*columns, console=err, transient=False) as progress:
                total = chosen.total()
                task = progress.add_task("export", total=None if total is None
                                         else max(total - after, 0),
                                         unit="positions" if total is not None else "read",
                                         rows=0)
                rows = 0

                def written(count: int) -> None:
                    nonlocal rows
                    rows += count
                    progress.update(task, rows=rows)

                def scanned(count: int) -> None:
                    progress.advance(task, count)

                count = write(chosen, filters, target, fmt, scanned=scanned, written=written)
                progress.update(task, rows=count)
        except BaseException as error:
            if partial:
                target.close()
                partial.unlink(missing_ok=True)  # no half-written file left behind
            if isinstance(error, ExportError):
                raise fail(str(error), 2) from None
            raise
        if partial:
            target.close()
        if partial and output:
            partial.replace(output)
        err.print(f"exported {count} rows of {source}"
                  + (f" to {output}" if output else ""), highlight=False)
