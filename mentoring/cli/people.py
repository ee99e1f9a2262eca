"""Verbs on a person's data: erasure (crypto-shredding) and subject access."""

from __future__ import annotations

from typing import Annotated

import typer

from mentoring.cli.common import service
from mentoring.cli.exporting import to_json

PersonArgument = Annotated[
    str, typer.Argument(metavar="PERSON_ID", help="The HR system's person id.")
]


def erase(
    person_id: PersonArgument,
    reason: Annotated[str, typer.Option(help="Why (e.g. the request's reference).")] = "",
    actor: Annotated[str, typer.Option(help="Who asks for the erasure.")] = "cli",
) -> None:
    """Erases a person's personal data for good (crypto-shredding); idempotent."""
    with service() as mentoring:
        result = mentoring.erase_person(person_id, reason=reason or None, actor=actor)
        typer.echo(to_json(result).decode())


def subject_access(
    person_id: PersonArgument,
) -> None:
    """Prints everything held about a person, as JSON."""
    with service() as mentoring:
        typer.echo(to_json(mentoring.subject_access(person_id)).decode())
