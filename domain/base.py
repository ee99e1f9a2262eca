"""What every mentoring aggregate and event shares: an actor, a time, personal fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.values import require_label

ERASED = "[erased]"
# Event fields that name a person (HR ids): who an event is about, for subject access.
PERSON_FIELDS = ("mentor_id", "mentee_id", "person_id", "subject_id")
# Text fields of events that are not personal data, and why. Every other text field is
# listed in its event's PERSONAL_FIELDS and sealed; a test checks every event against
# both, so a new free-text field cannot be added without deciding which it is.
NOT_PERSONAL: dict[str, str] = {
    "actor": "who acted: an API key, or the id of a system",
    "originator_topic": "the library's name of the aggregate's class",
    **dict.fromkeys(("program_id", "relationship_id", "goal_id", "session_id", "feedback_id"),
                    "an id made by this service"),
    **dict.fromkeys(PERSON_FIELDS, "an opaque HR id; only the HR system maps it to a person"),
    **dict.fromkeys(("kind", "from_role", "cancelled_by", "missed_by", "channel"),
                    "one of a closed set of values"),
    **dict.fromkeys(("skills", "topics", "area"), "short one-line labels, not prose"),
    **dict.fromkeys(("name", "description"), "the program's own name and description"),
    "Program.Closed.reason": "why a program closed: about the program, not a person",
    "Erasure.PersonalDataErased.reason": "a one-line reference to the erasure request",
}


class MentoringEvent(Aggregate.Event):
    """An event of any aggregate: who did it (``actor``) and when (``timestamp``)."""

    actor: str

    # Names of free-text fields holding personal data about ``subject_id``.
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ()

    def summary(self) -> str:
        """One readable line for the audit trail; never quotes personal text."""
        return type(self).__name__


class MentoringCreated(Aggregate.Created):
    """The first event of an aggregate."""

    actor: str

    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ()

    def summary(self) -> str:
        return type(self).__name__


class MentoringAggregate(Aggregate):
    """Base of the four aggregates: creation and triggering with an explicit time."""

    def __init__(self) -> None:
        """State is set by each event's ``apply``."""

    @classmethod
    def _start(
        cls,
        event_class: type[MentoringCreated],
        *,
        id: UUID | None = None,
        at: datetime | None = None,
        **fields: Any,
    ) -> Self:
        fields["actor"] = require_label("actor", fields["actor"], max_length=200)
        return cls._create(
            event_class, id=id or uuid4(), timestamp=at or now(), **fields
        )

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        raise NotImplementedError

    def _trigger(
        self, event_class: type[MentoringEvent], at: datetime | None, **fields: Any
    ) -> None:
        timestamp = at or now()
        # Time travel "as of an instant" relies on each aggregate's clock never going back.
        timestamp = max(timestamp, self.modified_on)
        fields["actor"] = require_label("actor", fields["actor"], max_length=200)
        self.trigger_event(event_class, timestamp=timestamp, **fields)


def aggregate_name(event: object) -> str:
    """``Relationship`` for ``Relationship.SessionHeld``."""
    return type(event).__qualname__.split(".")[0]


def event_name(event: object) -> str:
    """The public event name, e.g. ``SessionHeld``."""
    return type(event).__name__


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(tz=UTC)
