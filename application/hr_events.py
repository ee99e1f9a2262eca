"""Events from the HR system, and what each does here.

Accepted forms (docs/kafka.md): CloudEvents 1.0 in binary mode (``ce_id``, ``ce_type``
headers, JSON data), CloudEvents in structured mode (a JSON object with ``specversion``,
``id``, ``type``, ``data``), or plain JSON ``{"id", "type", "person_id", ...}``.

- ``employee.left`` (``person_id``): their pending requests end, their active
  relationships conclude (``participant_left``), their mentor profiles retire;
- ``employee.role_changed`` (``person_id``, ``role``): each of their mentor profiles is
  flagged with the role;
- ``employee.erasure_requested`` (``person_id``, ``reason?``): their personal data is
  erased.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from domain.errors import InvalidValue, NotFound
from domain.values import require_id, require_label

TYPES = ("employee.left", "employee.role_changed", "employee.erasure_requested")
ACTOR = "hr-system"


class MalformedMessage(ValueError):
    """A message that is not one of the accepted forms (it goes to the dead-letter topic)."""


@dataclass(frozen=True)
class HrEvent:
    id: str
    type: str
    person_id: str
    data: dict[str, Any]


class HrCommands(Protocol):
    def person_left(self, person_id: str, *, actor: Any) -> Any: ...
    def role_changed(self, person_id: str, *, role: str, actor: Any) -> Any: ...
    def erase_person(self, person_id: str, *, reason: str | None, actor: Any) -> Any: ...


def parse(headers: dict[str, str], value: bytes | None) -> HrEvent:
    """The HR event in a Kafka record; raises ``MalformedMessage`` saying what is wrong."""
    try:
        body = json.loads(value or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedMessage(f"the value is not JSON: {error}") from None
    if "ce_id" in headers or "ce_type" in headers:  # CloudEvents, binary mode
        event_id, kind, data = headers.get("ce_id"), headers.get("ce_type"), body
    elif isinstance(body, dict) and "specversion" in body:  # CloudEvents, structured mode
        event_id, kind, data = body.get("id"), body.get("type"), body.get("data")
    elif isinstance(body, dict):  # plain JSON
        event_id, kind, data = body.get("id"), body.get("type"), body
    else:
        raise MalformedMessage("the value is not a JSON object")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 200:
        raise MalformedMessage("no message id (ce_id, or id), or not a string of 1-200")
    if kind not in TYPES:
        raise MalformedMessage(f"unknown type {kind!r}; known: {', '.join(TYPES)}")
    if not isinstance(data, dict):
        raise MalformedMessage("the data is not a JSON object")
    try:
        person = require_id("person_id", data.get("person_id"))  # type: ignore[arg-type]
        if kind == "employee.role_changed":
            require_label("role", data.get("role"))  # type: ignore[arg-type]
    except InvalidValue as error:
        raise MalformedMessage(error.detail) from None
    return HrEvent(event_id, kind, person, data)


def apply(event: HrEvent, commands: HrCommands) -> Any:
    """Runs the command the event asks for (each is idempotent: a repeat changes nothing)."""
    actor = f"{ACTOR}:{event.id}"
    if event.type == "employee.left":
        return commands.person_left(event.person_id, actor=actor)
    if event.type == "employee.role_changed":
        return commands.role_changed(event.person_id, role=event.data["role"], actor=actor)
    reason = event.data.get("reason")
    try:
        return commands.erase_person(
            event.person_id, actor=actor,
            reason=reason if isinstance(reason, str) else f"HR {event.id}"[:200])
    except NotFound:
        return {"person_id": event.person_id, "nothing_held": True}  # nothing to erase
