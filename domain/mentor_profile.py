"""A mentor's profile in a program: skills, experience, capacity and monthly hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import ActorLike, MentoringAggregate, MentoringCreated, MentoringEvent
from domain.errors import (
    InvalidValue,
    MentorCapacityExceeded,
    MentorMonthlyMinutesExceeded,
    MentorRetired,
    NothingToChange,
    OpenRelationshipExists,
)
from domain.external_id import optional_external_id
from domain.values import (
    optional_text,
    require_label,
    require_person,
    require_range,
    require_uuid,
)


def mentor_profile_id(program_id: str, person_id: str) -> UUID:
    """One profile per person per program, so the id follows from both."""
    return uuid5(NAMESPACE_URL, f"mentoring:mentor:{program_id}:{person_id}")


def require_skills(skills: list[str]) -> list[str]:
    if not isinstance(skills, list) or len(skills) > 100:
        raise InvalidValue("skills", "must be a list of at most 100 skills")
    return sorted({require_label("skills", s).lower() for s in skills})


class MentorProfile(MentoringAggregate):
    """Who can mentor, on what, and how much."""

    PERSONAL_STATE: ClassVar[dict[str, str]] = {"bio": "person_id"}

    def __init__(self) -> None:
        self.program_id: str
        self.person_id: str
        self.skills: list[str]
        self.experience_years: int
        self.capacity: int
        self.monthly_minutes: int
        self.bio: str
        self.retired: bool
        self.active_mentees: dict[str, str]
        self.pending_requests: dict[str, str]
        self.minutes_by_month: dict[str, int]
        self.external_id: str | None
        self.hr_role: str | None  # set by RoleChanged; absent before the first one

    class Registered(MentoringCreated):
        program_id: str
        person_id: str
        skills: list[str]
        experience_years: int
        capacity: int
        monthly_minutes: int
        bio: str
        subject_id: str
        external_id: str | None
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("bio",)
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["external_id"] = None  # version 1 had no id from the HR system

        def apply(self, mentor: MentorProfile) -> None:
            mentor.program_id, mentor.person_id = self.program_id, self.person_id
            mentor.skills, mentor.experience_years = list(self.skills), self.experience_years
            mentor.capacity, mentor.monthly_minutes = self.capacity, self.monthly_minutes
            mentor.bio, mentor.retired, mentor.active_mentees = self.bio, False, {}
            mentor.pending_requests, mentor.minutes_by_month = {}, {}
            mentor.external_id = self.external_id

        def summary(self) -> str:
            return (
                f"Mentor {self.person_id} registered: {', '.join(self.skills) or 'no skills'}, "
                f"capacity {self.capacity}, {self.monthly_minutes} min/month"
            )

    class Updated(MentoringEvent):
        skills: list[str] | None
        experience_years: int | None
        monthly_minutes: int | None
        bio: str | None
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("bio",)

        def apply(self, mentor: MentorProfile) -> None:
            for name in ("skills", "experience_years", "monthly_minutes", "bio"):
                value = getattr(self, name)
                if value is not None:
                    setattr(mentor, name, value)

        def summary(self) -> str:
            changed = [n for n in ("skills", "experience_years", "monthly_minutes", "bio")
                       if getattr(self, n) is not None]
            return f"Mentor profile updated: {', '.join(changed)}"

    class CapacityChanged(MentoringEvent):
        capacity: int

        def apply(self, mentor: MentorProfile) -> None:
            mentor.capacity = self.capacity

        def summary(self) -> str:
            return f"Mentor capacity changed to {self.capacity}"

    class Retired(MentoringEvent):
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, mentor: MentorProfile) -> None:
            mentor.retired = True

        def summary(self) -> str:
            return "Mentor retired"

    class RoleChanged(MentoringEvent):
        """The HR system says the person's job role changed: a flag for the program's
        admins to review the profile (skills, capacity), not a change of either."""

        role: str

        def apply(self, mentor: MentorProfile) -> None:
            mentor.hr_role = self.role

        def summary(self) -> str:
            return f"HR role changed to {self.role}"

    class RequestReceived(MentoringEvent):
        relationship_id: str
        mentee_id: str

        def apply(self, mentor: MentorProfile) -> None:
            pending(mentor)[self.relationship_id] = self.mentee_id

        def summary(self) -> str:
            return f"Request from mentee {self.mentee_id} (relationship {self.relationship_id})"

    class RequestClosed(MentoringEvent):
        relationship_id: str

        def apply(self, mentor: MentorProfile) -> None:
            pending(mentor).pop(self.relationship_id, None)

        def summary(self) -> str:
            return f"Request closed unanswered or declined (relationship {self.relationship_id})"

    class SessionTimeSpent(MentoringEvent):
        relationship_id: str
        session_id: str
        month: str
        minutes: int

        def apply(self, mentor: MentorProfile) -> None:
            spent = minutes(mentor)
            spent[self.month] = spent.get(self.month, 0) + self.minutes

        def summary(self) -> str:
            return f"{self.minutes} min given in {self.month} (relationship {self.relationship_id})"

    class MenteeAssigned(MentoringEvent):
        relationship_id: str
        mentee_id: str

        def apply(self, mentor: MentorProfile) -> None:
            mentor.active_mentees[self.relationship_id] = self.mentee_id
            pending(mentor).pop(self.relationship_id, None)

        def summary(self) -> str:
            return f"Mentee {self.mentee_id} took a place (relationship {self.relationship_id})"

    class MenteeReleased(MentoringEvent):
        relationship_id: str

        def apply(self, mentor: MentorProfile) -> None:
            mentor.active_mentees.pop(self.relationship_id, None)

        def summary(self) -> str:
            return f"Place freed by relationship {self.relationship_id}"

    @classmethod
    def register(
        cls,
        *,
        program_id: str,
        person_id: str,
        skills: list[str],
        capacity: int,
        monthly_minutes: int,
        experience_years: int = 0,
        bio: str | None = None,
        actor: ActorLike,
        at: datetime | None = None,
        external_id: str | None = None,
    ) -> MentorProfile:
        """A person offers to mentor in a program."""
        person_id = require_person("person_id", person_id)
        return cls._start(
            cls.Registered,
            id=mentor_profile_id(program_id, person_id),
            at=at,
            actor=actor,
            program_id=require_uuid("program_id", program_id),
            person_id=person_id,
            skills=require_skills(skills),
            experience_years=require_range("experience_years", experience_years, 0, 80),
            capacity=require_range("capacity", capacity, 0, 100),
            monthly_minutes=require_range("monthly_minutes", monthly_minutes, 0, 10_000),
            bio=optional_text("bio", bio),
            subject_id=person_id,
            external_id=optional_external_id(external_id),
        )

    def update(
        self,
        *,
        skills: list[str] | None = None,
        experience_years: int | None = None,
        monthly_minutes: int | None = None,
        bio: str | None = None,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Changes what the mentor offers."""
        self.check_not_retired()
        if skills is None and experience_years is None and monthly_minutes is None and bio is None:
            raise NothingToChange("update", "give at least one field to change")
        self._trigger(
            self.Updated,
            at,
            actor=actor,
            skills=None if skills is None else require_skills(skills),
            experience_years=None
            if experience_years is None
            else require_range("experience_years", experience_years, 0, 80),
            monthly_minutes=None
            if monthly_minutes is None
            else require_range("monthly_minutes", monthly_minutes, 0, 10_000),
            bio=None if bio is None else optional_text("bio", bio),
            subject_id=self.person_id,
        )

    def change_capacity(self, *, capacity: int, actor: ActorLike,
                        at: datetime | None = None) -> None:
        """Sets how many active mentees the mentor takes; current ones stay."""
        self.check_not_retired()
        self._trigger(
            self.CapacityChanged, at, actor=actor,
            capacity=require_range("capacity", capacity, 0, 100),
        )

    def retire(self, *, reason: str | None, actor: ActorLike, at: datetime | None = None) -> None:
        """The mentor stops taking mentees."""
        self.check_not_retired()
        self._trigger(
            self.Retired, at, actor=actor, reason=optional_text("reason", reason),
            subject_id=self.person_id,
        )

    def flag_role_change(self, *, role: str, actor: ActorLike,
                         at: datetime | None = None) -> bool:
        """Records the person's new HR role; False (nothing recorded) if it is the same."""
        role = require_label("role", role)
        if self.__dict__.get("hr_role") == role:
            return False
        self._trigger(self.RoleChanged, at, actor=actor, role=role)
        return True

    def assign_mentee(
        self, *, relationship_id: str, mentee_id: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """Takes one place of the mentor's capacity for an accepted relationship."""
        self.check_not_retired()
        if len(self.active_mentees) >= self.capacity:
            raise MentorCapacityExceeded(
                f"mentor {self.person_id} already has {len(self.active_mentees)} active "
                f"mentees (capacity {self.capacity})"
            )
        self._trigger(
            self.MenteeAssigned, at, actor=actor,
            relationship_id=relationship_id, mentee_id=mentee_id,
        )

    def release_mentee(
        self, *, relationship_id: str, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """Frees the place a concluded relationship held."""
        if relationship_id in self.active_mentees:
            self._trigger(self.MenteeReleased, at, actor=actor, relationship_id=relationship_id)

    def receive_request(self, *, relationship_id: str, mentee_id: str, actor: ActorLike,
                        at: datetime | None = None) -> None:
        """A mentee asked: one open relationship per mentor and mentee at a time."""
        self.check_not_retired()
        if mentee_id in self.active_mentees.values() or mentee_id in pending(self).values():
            raise OpenRelationshipExists(
                f"{mentee_id} already has a pending or active relationship with mentor "
                f"{self.person_id}")
        self._trigger(self.RequestReceived, at, actor=actor, relationship_id=relationship_id,
                      mentee_id=mentee_id)

    def close_request(self, *, relationship_id: str, actor: ActorLike,
                      at: datetime | None = None) -> None:
        """A request ended without a connection (declined or withdrawn)."""
        if relationship_id in pending(self):
            self._trigger(self.RequestClosed, at, actor=actor, relationship_id=relationship_id)

    def spend_time(self, *, relationship_id: str, session_id: str, month: str, minutes: int,
                   actor: ActorLike, at: datetime | None = None) -> None:
        """A session was held: its minutes count against the mentor's monthly minutes."""
        self.check_monthly_minutes(month, minutes)
        self._trigger(self.SessionTimeSpent, at, actor=actor, relationship_id=relationship_id,
                      session_id=session_id, month=month, minutes=minutes)

    def check_monthly_minutes(self, month: str, more: int) -> None:
        """The mentor's limit across all their mentees (the guide's last step)."""
        spent = minutes(self).get(month, 0)
        if spent + more > self.monthly_minutes:
            raise MentorMonthlyMinutesExceeded(
                f"{month}: mentor {self.person_id} has given {spent} of {self.monthly_minutes} "
                f"min this month; {more} more would pass their limit")

    def check_not_retired(self) -> None:
        if self.retired:
            raise MentorRetired(f"mentor {self.person_id} is retired")

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        return {
            "id": str(self.id),
            "program_id": self.program_id,
            "person_id": self.person_id,
            "skills": list(self.skills),
            "experience_years": self.experience_years,
            "capacity": self.capacity,
            "monthly_minutes": self.monthly_minutes,
            "bio": self.bio,
            "retired": self.retired,
            "active_mentees": len(self.active_mentees),
            "pending_requests": len(pending(self)),
            "minutes_by_month": dict(sorted(minutes(self).items())),
            "capacity_left": max(self.capacity - len(self.active_mentees), 0),
            "external_id": self.__dict__.get("external_id"),
            "hr_role": self.__dict__.get("hr_role"),
            "version": self.version,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
        }


def pending(mentor: MentorProfile) -> dict[str, str]:
    """The mentor's unanswered requests (snapshots taken before they were kept have none)."""
    if "pending_requests" not in mentor.__dict__:
        mentor.pending_requests = {}
    return mentor.pending_requests


def minutes(mentor: MentorProfile) -> dict[str, int]:
    """Minutes given per month (snapshots taken before they were kept have none)."""
    if "minutes_by_month" not in mentor.__dict__:
        mentor.minutes_by_month = {}
    return mentor.minutes_by_month
