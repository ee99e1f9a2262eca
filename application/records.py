"""Plain-data views of events, shared by history, replay, export and the event feed."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from domain.base import aggregate_name, event_name

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


def event_data(event: DomainEventProtocol[Any]) -> dict[str, Any]:
    """The event's own fields (its payload), without the envelope."""
    return {name: getattr(event, name) for name in payload_names(type(event))}


@cache
def payload_names(kind: type) -> tuple[str, ...]:
    """The names of an event class's own fields, in declaration order (once per class:
    the relay and the feed ask for every event)."""
    return tuple(f.name for f in fields(kind)
                 if f.name not in ENVELOPE_FIELDS and f.name != "actor")


def describe_event(event: Any, position: int | None = None) -> dict[str, Any]:
    """One event as plain data: envelope, actor, summary and payload."""
    record: dict[str, Any] = {
        "aggregate": aggregate_name(event),
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "type": event_name(event),
        "occurred_at": event.timestamp,
        "actor": event.actor,
        "on_behalf_of": event.on_behalf_of,
        "summary": event.summary(),
        "data": event_data(event),
    }
    if position is not None:
        record = {"position": position, **record}
    return record
