"""What every verb shares: settings, a runtime opened with plain-spoken errors, failing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console

from application.service import MentoringService
from domain.errors import DomainError
from infrastructure.database import ConfigurationError
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from projections.base import ReadModel
from projections.catalog import READ_MODELS
from projections.runner import select

err = Console(stderr=True, soft_wrap=True)


def worker_logging() -> None:
    """What a long-running worker says about itself, on stderr with the time: its own
    INFO lines (partitions assigned, versions claimed, relay passes), the Kafka client's
    warnings only."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints an error and returns the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise fail(f"invalid configuration: {error}", 2) from None


@contextmanager
def runtime() -> Iterator[Runtime]:
    """Every part of the process, closed at the end; configuration and database errors
    exit 2, refusals by the domain exit 1, each said plainly."""
    settings = load_settings()
    try:
        built = build_runtime(settings)
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


@contextmanager
def service() -> Iterator[MentoringService]:
    """The application service of a fresh runtime."""
    with runtime() as built:
        yield built.service


def read_models_named(names: list[str] | None) -> list[ReadModel]:
    """The read models these names give (all of them for none); exit 2 on an unknown one."""
    try:
        return select(READ_MODELS, list(dict.fromkeys(names or [])))
    except KeyError as error:
        raise fail(str(error.args[0]), 2) from None
