"""Events as other systems receive them (Kafka relay, webhooks): no personal text in clear.

Every stored event goes out, in global order, with an id that is stable across
retries (``<aggregate id>:<version>``, so receivers drop duplicates by it) and a type
named after its aggregate and event (``mentoring.relationship.ConnectionEstablished``).
Personal free-text fields go out as references, never as text: a system with an admin
key can resolve one through subject access while the person is not erased, and
``mentoring.erasure.PersonalDataErased`` goes out like any event so that receivers
erase their copies too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from application.records import payload_names
from domain.base import MentoringCreated, MentoringEvent, aggregate_name, event_name
from domain.erasure import Erasure
from domain.external_id import ExternalId
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship

TYPE_PREFIX = "mentoring"


@dataclass(frozen=True)
class IntegrationEvent:
    """One event for the outside world: the CloudEvents attributes and the data."""

    id: str
    type: str
    subject: str
    time: datetime
    position: int
    program_id: str | None
    data: dict[str, Any]


def integration_event(event: Any, position: int, program_id: str | None) -> IntegrationEvent:
    """The public form of a stored event at ``position`` of the global order."""
    aggregate_id = str(event.originator_id)
    version = event.originator_version
    kind, names, personal = shape(event.__class__)
    data = {"actor": event.actor}
    for name in names:
        value = getattr(event, name)
        data[name] = (reference(event, aggregate_id, version, name)
                      if value and name in personal else value)
    return IntegrationEvent(
        id=f"{aggregate_id}:{version}",
        type=kind,
        subject=aggregate_id,
        time=event.timestamp,
        position=position,
        program_id=program_id,
        data=data,
    )


@cache
def shape(kind: type) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """(CloudEvents type, payload field names, personal field names) of an event class,
    worked out once per class."""
    return (f"{TYPE_PREFIX}.{snake_case(kind.__qualname__.split('.')[0])}.{kind.__name__}",
            payload_names(kind), frozenset(getattr(kind, "PERSONAL_FIELDS", ())))


def snake_case(name: str) -> str:
    """``mentor_profile`` for ``MentorProfile``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


EVENT_TYPES: frozenset[str] = frozenset(
    f"{TYPE_PREFIX}.{snake_case(aggregate.__name__)}.{name}"
    for aggregate in (Program, MentorProfile, Relationship, Goal, Erasure, ExternalId)
    for name, value in vars(aggregate).items()
    if isinstance(value, type) and issubclass(value, MentoringEvent | MentoringCreated)
)


def event_type(event: Any) -> str:
    """``mentoring.<aggregate>.<EventName>``, the aggregate in snake case."""
    return f"{TYPE_PREFIX}.{snake_case(aggregate_name(event))}.{event_name(event)}"


def reference(event: Any, aggregate_id: str, version: int, field: str) -> dict[str, Any]:
    """What stands in for a personal field: whose it is and where it lives."""
    return {"personal": True, "person_id": getattr(event, "subject_id", None),
            "ref": f"{aggregate_id}:{version}:{field}"}
