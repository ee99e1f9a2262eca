"""Domain errors: each names the rule it protects, so callers can map it to a response."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by the domain."""

    rule = "domain-rule"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RuleViolation(DomainError):
    """The command conflicts with the current state of an aggregate."""


class InvalidValue(DomainError):
    """A command carried a value the domain does not accept."""

    rule = "invalid-value"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field


class NotFound(DomainError):
    """The aggregate (or the version asked for) does not exist."""

    rule = "not-found"


class AlreadyExists(RuleViolation):
    """An aggregate with this identity exists already."""

    rule = "already-exists"


class ConcurrentUpdate(DomainError):
    """Another writer saved the aggregate first; reload and retry."""

    rule = "concurrent-update"


class VersionMismatch(DomainError):
    """The caller's expected version is not the aggregate's current version."""

    rule = "version-mismatch"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the current version is {actual}")
        self.expected = expected
        self.actual = actual


class NotAParticipant(DomainError):
    """A principal acted for a mentor or mentee who is not part of the aggregate."""

    rule = "acts-for-a-participant"


class MentorIsMentee(RuleViolation):
    """A person cannot mentor themselves."""

    rule = "mentor-is-not-mentee"


class NotConnected(RuleViolation):
    """Nothing but the request happens before the connection is established."""

    rule = "connection-established-first"


class RelationshipConcluded(RuleViolation):
    """A concluded relationship can only be read."""

    rule = "concluded-is-read-only"


class InvalidTransition(RuleViolation):
    """The relationship's status does not allow this command."""

    rule = "status-transition"


class MentorCapacityExceeded(RuleViolation):
    """The mentor already has as many active mentees as their capacity."""

    rule = "mentor-capacity"


class MonthlyTimeCapExceeded(RuleViolation):
    """The session would take the month past the mentor's agreed time cap."""

    rule = "monthly-time-cap"


class UnknownSession(RuleViolation):
    """No scheduled session has this id."""

    rule = "session-scheduled-first"


class UnknownFeedback(RuleViolation):
    """No unacknowledged feedback has this id."""

    rule = "feedback-received-first"


class GoalClosed(RuleViolation):
    """An achieved or abandoned goal takes no more progress or revisions."""

    rule = "goal-closed"


class ProgressOutOfRange(InvalidValue):
    """Goal progress is a percentage from 0 to 100."""

    rule = "progress-0-100"

    def __init__(self, percent: int) -> None:
        super().__init__("percent", f"progress must be 0..100, got {percent}")


class ProgramClosed(RuleViolation):
    """A closed program takes no new mentors, relationships or goals."""

    rule = "program-open"


class MentorRetired(RuleViolation):
    """A retired mentor takes no new mentees."""

    rule = "mentor-active"


class NotAhead(InvalidValue):
    """A session is scheduled for a time that has not passed (give or take the clock
    allowance); a goal's target date is not in the past when it is set."""

    rule = "not-in-the-past"


class OutsideTheRelationship(InvalidValue):
    """A session is held between the connection and now (give or take the allowance)."""

    rule = "held-during-the-relationship"


class MentorMonthlyMinutesExceeded(RuleViolation):
    """The mentor's own monthly minutes, across all their mentees, would be passed."""

    rule = "mentor-monthly-minutes"


class OpenRelationshipExists(RuleViolation):
    """A mentee has one pending or active relationship with a mentor at a time."""

    rule = "one-open-relationship-per-pair"


class NothingToChange(InvalidValue):
    """A revision or update must change at least one field."""

    rule = "nothing-to-change"
