"""What an export keeps: a program, a time range, event types; and how it refuses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from application.integration_events import TYPE_PREFIX, snake_case
from domain.errors import InvalidValue
from domain.values import require_uuid


class ExportError(ValueError):
    """A source, filter or format that cannot be exported, said plainly."""


def instant(field: str, value: datetime | str | None) -> datetime | None:
    """An aware datetime from a datetime or an ISO-8601 text with a timezone."""
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ExportError(f"{field}: give a timezone")
        return value
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"{field}: not an ISO-8601 instant: {value[:60]!r}") from None
    if parsed.tzinfo is None:
        raise ExportError(f"{field}: give a timezone (e.g. Z or +01:00): {value[:60]!r}")
    return parsed


@dataclass(frozen=True)
class Filters:
    """Which rows to keep: a program, a time range ``[since, until)``, event types.

    A type is an event name (``SessionHeld``) or its CloudEvents type
    (``mentoring.relationship.SessionHeld``)."""

    program_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    types: frozenset[str] = frozenset()

    @classmethod
    def of(cls, program_id: str | None = None, since: datetime | str | None = None,
           until: datetime | str | None = None, types: Iterable[str] = ()) -> Filters:
        if program_id is not None:
            try:
                program_id = require_uuid("program", program_id)
            except InvalidValue as error:
                raise ExportError(error.detail) from None
        names = frozenset(t.strip() for t in types if t.strip())
        start, end = instant("since", since), instant("until", until)
        if start is not None and end is not None and end <= start:
            raise ExportError("until must be after since")
        return cls(program_id, start, end, names)

    def keeps_type(self, aggregate: str, name: str) -> bool:
        """``aggregate`` as events name it (``MentorProfile``)."""
        return not self.types or name in self.types or \
            f"{TYPE_PREFIX}.{snake_case(aggregate)}.{name}" in self.types

    def keeps_time(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and \
            (self.until is None or at < self.until)

    @property
    def by_time_or_type(self) -> bool:
        return bool(self.since or self.until or self.types)
