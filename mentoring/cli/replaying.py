"""Prints a replay for a terminal: each event, then what it changed in the state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console

IGNORED = {"version", "modified_on"}


def print_replay(steps: Iterable[tuple[dict[str, Any], dict[str, Any]]], *, full: bool,
                 console: Console | None = None) -> None:
    """One block per event: version, time, actor, type, summary, then the state change."""
    out = console or Console(highlight=False, soft_wrap=True)
    previous: dict[str, Any] = {}
    for event, state in steps:
        out.print(
            f"[bold]v{event['version']}[/] {event['occurred_at']:%Y-%m-%d %H:%M} "
            f"[cyan]{event['type']}[/] by {event['actor']}: {event['summary']}"
        )
        shown = state if full else {
            key: value for key, value in state.items()
            if key not in IGNORED and previous.get(key) != value
        }
        for key, value in shown.items():
            out.print(f"    {key} = {value}", markup=False)
        previous = state
