"""What every mentoring aggregate and event shares: an actor, a time, personal fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, NotAParticipant
from domain.values import require_choice, require_id, require_label

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
    **dict.fromkeys(("skills", "topics", "area", "role"), "short one-line labels, not prose"),
    "month": "a calendar month, YYYY-MM",
    **dict.fromkeys(("external_id", "target_id"),
                    "an id from the HR system, or one made by this service"),
    **dict.fromkeys(("name", "description"), "the program's own name and description"),
    "Program.Closed.reason": "why a program closed: about the program, not a person",
    "Erasure.PersonalDataErased.reason": "a one-line reference to the erasure request",
}


class MentoringEvent(Aggregate.Event):
    """An event of any aggregate: who did it (``actor``) and when (``timestamp``).

    ``on_behalf_of`` (``"mentee:<person id>"``, say) is envelope metadata like ``actor``:
    set when a system acted for a person, absent (None) otherwise and on every event
    recorded before it existed."""

    actor: str
    on_behalf_of: ClassVar[str | None] = None

    # Names of free-text fields holding personal data about ``subject_id``.
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ()

    def summary(self) -> str:
        """One readable line for the audit trail; never quotes personal text."""
        return type(self).__name__


class MentoringCreated(Aggregate.Created):
    """The first event of an aggregate."""

    actor: str
    on_behalf_of: ClassVar[str | None] = None

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
        actor = as_actor(fields["actor"])
        fields["actor"] = actor.principal
        if actor.on_behalf_of is not None:
            check_participant(actor, fields)
        aggregate = cls._create(event_class, id=id or uuid4(), timestamp=at or now(), **fields)
        actor.stamp(aggregate.pending_events[-1])
        return aggregate

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        raise NotImplementedError

    def clock(self, at: datetime | None) -> datetime:
        """The time the next event will carry: ``at`` (or now), never before the last."""
        return max(at or now(), self.modified_on)

    def _trigger(
        self, event_class: type[MentoringEvent], at: datetime | None, **fields: Any
    ) -> None:
        timestamp = at or now()
        # Time travel "as of an instant" relies on each aggregate's clock never going back.
        timestamp = max(timestamp, self.modified_on)
        actor = as_actor(fields["actor"])
        fields["actor"] = actor.principal
        if actor.on_behalf_of is not None:
            check_participant(actor, vars(self))
        self.trigger_event(event_class, timestamp=timestamp, **fields)
        actor.stamp(self.pending_events[-1])


ROLES_ACTED_FOR = ("mentor", "mentee", "hr_admin")
# Where each role is named on an aggregate (a mentor profile's person is its mentor).
PARTICIPANT_FIELDS = {"mentor": ("mentor_id", "person_id"), "mentee": ("mentee_id",)}


@dataclass(frozen=True)
class Actor:
    """Who runs a command: the principal (an API key, a system), and the person it acts for
    (``role`` one of mentor, mentee, hr_admin), if any."""

    principal: str
    role: str | None = None
    person_id: str | None = None
    # The command's own aggregate checked the person already: this is its bookkeeping on
    # another aggregate (a mentor's profile counting a mentee's request, say).
    bookkeeping: bool = False

    def __post_init__(self) -> None:
        require_label("actor", self.principal, max_length=200)
        if (self.role is None) != (self.person_id is None):
            raise InvalidValue("on_behalf_of", "give both a role and a person")
        if self.role is not None:
            require_choice("on_behalf_of", self.role, ROLES_ACTED_FOR)
            require_id("on_behalf_of", str(self.person_id))

    @property
    def on_behalf_of(self) -> str | None:
        """``"mentee:emp-7"``: whom the principal acted for."""
        return None if self.role is None else f"{self.role}:{self.person_id}"

    def for_bookkeeping(self) -> Actor:
        """The same actor, for the side effects of a command checked elsewhere."""
        return Actor(self.principal, self.role, self.person_id, bookkeeping=True)

    def stamp(self, event: Any) -> None:
        """Records whom the principal acted for on the event (envelope metadata)."""
        if self.on_behalf_of is not None:
            object.__setattr__(event, "on_behalf_of", self.on_behalf_of)

    def __str__(self) -> str:
        return self.principal + (f" for {self.on_behalf_of}" if self.on_behalf_of else "")


ActorLike = str | Actor  # a principal's name, or an actor acting for someone


def as_actor(actor: str | Actor) -> Actor:
    """An actor, from its principal's name alone if that is what was given."""
    return actor if isinstance(actor, Actor) else Actor(actor)


def bookkeeping(actor: str | Actor) -> Actor:
    """The actor of a command's side effects on another aggregate (checked on its own)."""
    return as_actor(actor).for_bookkeeping()


def check_participant(actor: Actor, state: dict[str, Any]) -> None:
    """A principal acting for a mentor or mentee acts for a participant of this aggregate."""
    if actor.role not in PARTICIPANT_FIELDS or actor.bookkeeping:
        return  # an HR admin acts for the organisation, on anything
    if all(state.get(field) != actor.person_id for field in PARTICIPANT_FIELDS[actor.role]):
        raise NotAParticipant(
            f"{actor.person_id} is not the {actor.role} here: a principal may act only for "
            "a participant")


def aggregate_name(event: object) -> str:
    """``Relationship`` for ``Relationship.SessionHeld``."""
    return type(event).__qualname__.split(".")[0]


def event_name(event: object) -> str:
    """The public event name, e.g. ``SessionHeld``."""
    return type(event).__name__


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(tz=UTC)
