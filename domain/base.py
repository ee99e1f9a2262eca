"""What every mentoring aggregate and event shares: an actor, a time, personal fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue

ERASED = "[erased]"
# Event fields that name a person (HR ids): who an event is about, for subject access.
PERSON_FIELDS = ("mentor_id", "mentee_id", "person_id", "subject_id")


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


def require_text(field: str, value: str, *, max_length: int = 5000) -> str:
    """Checks a required free-text value and returns it stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, "must be a non-empty text")
    if len(value) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return value.strip()


def optional_text(field: str, value: str | None, *, max_length: int = 5000) -> str:
    """Checks an optional free-text value; absent becomes the empty text."""
    if value is None or value == "":
        return ""
    return require_text(field, value, max_length=max_length)


def require_range(field: str, value: int, low: int, high: int) -> int:
    """Checks that an integer lies in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(field, f"must be an integer from {low} to {high}, got {value!r}")
    return value


def require_choice(field: str, value: str, choices: tuple[str, ...]) -> str:
    """Checks that a value is one of a closed set."""
    if value not in choices:
        raise InvalidValue(field, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def require_person(field: str, value: str) -> str:
    """Checks an HR system person id (an opaque, non-empty string)."""
    return require_text(field, value, max_length=200)


def aware(field: str, value: datetime) -> datetime:
    """Checks a datetime carries a timezone, so months and instants are unambiguous."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidValue(field, "must be an ISO-8601 date-time with a timezone")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(field, "is out of the supported range of dates") from None
