"""A mentee's goal: defined, revised as needs evolve, progressed, achieved or abandoned."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from domain.base import ActorLike, MentoringAggregate, MentoringCreated, MentoringEvent, now
from domain.errors import GoalClosed, InvalidValue, NotAhead, NothingToChange, ProgressOutOfRange
from domain.external_id import optional_external_id
from domain.values import (
    optional_label,
    optional_text,
    optional_uuid,
    require_person,
    require_text,
    require_uuid,
)

CLOSED = ("achieved", "abandoned")


def require_date(field: str, value: date) -> date:
    """Checks a calendar date (not a date-time), between the years 1900 and 3000."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(field, "must be an ISO-8601 date (YYYY-MM-DD)")
    if not 1900 <= value.year < 3000:
        raise InvalidValue(field, "must be between 1900-01-01 and 3000-01-01")
    return value


def require_target_ahead(target: date, when: datetime) -> date:
    """A target date is set on or after the day it is set (a goal aims ahead)."""
    target = require_date("target_date", target)
    if target < when.date():
        raise NotAhead("target_date", f"{target.isoformat()} has passed (today is "
                                      f"{when.date().isoformat()}): a goal aims ahead")
    return target


class Goal(MentoringAggregate):
    """What the mentee wants to achieve, with criteria and a target date."""

    PERSONAL_STATE: ClassVar[dict[str, str]] = {
        "title": "mentee_id",
        "success_criteria": "mentee_id",
    }

    def __init__(self) -> None:
        self.program_id: str
        self.mentee_id: str
        self.title: str
        self.area: str
        self.success_criteria: str
        self.target_date: date
        self.relationship_ids: list[str]
        self.status: str
        self.progress: int
        self.revisions: int
        self.closed_at: datetime | None
        self.external_id: str | None

    class Defined(MentoringCreated):
        program_id: str
        mentee_id: str
        title: str
        area: str
        success_criteria: str
        target_date: date
        relationship_id: str | None
        subject_id: str
        external_id: str | None
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("title", "success_criteria")
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["external_id"] = None  # version 1 had no id from the HR system

        def apply(self, goal: Goal) -> None:
            goal.program_id, goal.mentee_id = self.program_id, self.mentee_id
            goal.title, goal.area = self.title, self.area
            goal.success_criteria, goal.target_date = self.success_criteria, self.target_date
            goal.relationship_ids = [self.relationship_id] if self.relationship_id else []
            goal.status, goal.progress, goal.revisions = "open", 0, 0
            goal.closed_at = None
            goal.external_id = self.external_id

        def summary(self) -> str:
            area = f" in {self.area}" if self.area else ""
            return f"Goal defined{area}, target {self.target_date.isoformat()}"

    class Revised(MentoringEvent):
        title: str | None
        success_criteria: str | None
        target_date: date | None
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("title", "success_criteria", "reason")

        def apply(self, goal: Goal) -> None:
            goal.title = self.title if self.title is not None else goal.title
            if self.success_criteria is not None:
                goal.success_criteria = self.success_criteria
            goal.target_date = self.target_date or goal.target_date
            goal.revisions += 1

        def summary(self) -> str:
            changed = [
                name
                for name in ("title", "success_criteria", "target_date")
                if getattr(self, name) is not None
            ]
            return f"Goal revised: {', '.join(changed)}"

    class ProgressRecorded(MentoringEvent):
        percent: int
        note: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("note",)

        def apply(self, goal: Goal) -> None:
            goal.progress = self.percent

        def summary(self) -> str:
            return f"Goal progress at {self.percent}%"

    class Achieved(MentoringEvent):
        note: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("note",)

        def apply(self, goal: Goal) -> None:
            goal.status, goal.progress, goal.closed_at = "achieved", 100, self.timestamp

        def summary(self) -> str:
            return "Goal achieved"

    class Abandoned(MentoringEvent):
        reason: str
        subject_id: str
        PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

        def apply(self, goal: Goal) -> None:
            goal.status, goal.closed_at = "abandoned", self.timestamp

        def summary(self) -> str:
            return "Goal abandoned"

    class LinkedToRelationship(MentoringEvent):
        relationship_id: str

        def apply(self, goal: Goal) -> None:
            goal.relationship_ids.append(self.relationship_id)

        def summary(self) -> str:
            return f"Goal linked to relationship {self.relationship_id}"

    @classmethod
    def define(
        cls,
        *,
        program_id: str,
        mentee_id: str,
        title: str,
        success_criteria: str,
        target_date: date,
        area: str | None = None,
        relationship_id: str | None = None,
        actor: ActorLike,
        at: datetime | None = None,
        external_id: str | None = None,
    ) -> Goal:
        """The mentee writes down what they want to achieve."""
        mentee_id = require_person("mentee_id", mentee_id)
        return cls._start(
            cls.Defined,
            at=at,
            actor=actor,
            program_id=require_uuid("program_id", program_id),
            mentee_id=mentee_id,
            title=require_text("title", title, max_length=300),
            area=optional_label("area", area),
            success_criteria=require_text("success_criteria", success_criteria),
            target_date=require_target_ahead(target_date, at or now()),
            relationship_id=optional_uuid("relationship_id", relationship_id),
            subject_id=mentee_id,
            external_id=optional_external_id(external_id),
        )

    def revise(
        self,
        *,
        reason: str,
        title: str | None = None,
        success_criteria: str | None = None,
        target_date: date | None = None,
        actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Changes the goal as the mentee's needs evolve, saying why."""
        self.check_open()
        if title is None and success_criteria is None and target_date is None:
            raise NothingToChange(
                "revision", "give at least one of title, success_criteria, target_date"
            )
        self._trigger(
            self.Revised,
            at,
            actor=actor,
            title=None if title is None else require_text("title", title, max_length=300),
            success_criteria=None
            if success_criteria is None
            else require_text("success_criteria", success_criteria),
            target_date=None if target_date is None
            else require_target_ahead(target_date, self.clock(at)),
            reason=require_text("reason", reason),
            subject_id=self.mentee_id,
        )

    def record_progress(
        self, *, percent: int, note: str | None, actor: ActorLike, at: datetime | None = None
    ) -> None:
        """Records how far along the goal is, 0 to 100."""
        self.check_open()
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise ProgressOutOfRange(percent)
        self._trigger(
            self.ProgressRecorded, at, actor=actor, percent=percent,
            note=optional_text("note", note), subject_id=self.mentee_id,
        )

    def achieve(self, *, note: str | None, actor: ActorLike, at: datetime | None = None) -> None:
        """The success criteria are met."""
        self.check_open()
        self._trigger(
            self.Achieved, at, actor=actor, note=optional_text("note", note),
            subject_id=self.mentee_id,
        )

    def abandon(self, *, reason: str, actor: ActorLike, at: datetime | None = None) -> None:
        """The mentee drops the goal."""
        self.check_open()
        self._trigger(
            self.Abandoned, at, actor=actor, reason=require_text("reason", reason),
            subject_id=self.mentee_id,
        )

    def link_to(self, *, relationship_id: str, actor: ActorLike,
                at: datetime | None = None) -> None:
        """Ties the goal to a relationship that works on it."""
        relationship_id = require_uuid("relationship_id", relationship_id)
        if relationship_id in self.relationship_ids:
            return
        self._trigger(self.LinkedToRelationship, at, actor=actor, relationship_id=relationship_id)

    def check_open(self) -> None:
        if self.status in CLOSED:
            raise GoalClosed(f"goal {self.id} is {self.status}")

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        return {
            "id": str(self.id),
            "program_id": self.program_id,
            "mentee_id": self.mentee_id,
            "title": self.title,
            "area": self.area,
            "success_criteria": self.success_criteria,
            "target_date": self.target_date,
            "relationship_ids": list(self.relationship_ids),
            "status": self.status,
            "progress": self.progress,
            "revisions": self.revisions,
            "version": self.version,
            "closed_at": self.closed_at,
            "external_id": self.__dict__.get("external_id"),
            "created_on": self.created_on,
            "modified_on": self.modified_on,
        }
