"""Turning command outcomes and states into responses with ETag and Location headers."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from application.base import Outcome


def etag(version: int) -> str:
    """The strong ETag of an aggregate version: ``"3"``."""
    return f'"{version}"'


def answer(response: Response, outcome: Outcome) -> dict[str, Any]:
    """A command's answer: id, version, status (and e.g. session_id), with its ETag."""
    response.headers["ETag"] = etag(outcome.version)
    answered = {"id": outcome.id, "version": outcome.version, "status": outcome.status,
                **(outcome.extra or {})}
    if outcome.position is not None:
        # Pass it back as ``min_position`` to read the views once they show this command.
        response.headers["Mentoring-Position"] = str(outcome.position)
        answered["position"] = outcome.position
    return answered


def created(response: Response, outcome: Outcome, location: str) -> dict[str, Any]:
    """A creation's answer (the route's status code is 201), with Location and ETag."""
    response.headers["Location"] = location
    return answer(response, outcome)


def state(response: Response, current: dict[str, Any]) -> dict[str, Any]:
    """An aggregate's state, with the ETag of its version."""
    response.headers["ETag"] = etag(current["version"])
    return current
