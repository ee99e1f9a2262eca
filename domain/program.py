"""A mentoring program: the scope that mentors, relationships, goals and API keys belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.base import ActorLike, MentoringAggregate, MentoringCreated, MentoringEvent
from domain.errors import NothingToChange, ProgramClosed
from domain.external_id import optional_external_id
from domain.values import optional_text, require_text


class Program(MentoringAggregate):
    """A named program, open until it is closed."""

    def __init__(self) -> None:
        self.name: str
        self.description: str
        self.closed: bool
        self.external_id: str | None

    class Created(MentoringCreated):
        name: str
        description: str
        external_id: str | None
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["external_id"] = None  # version 1 had no id from the HR system

        def apply(self, program: Program) -> None:
            program.name, program.description, program.closed = self.name, self.description, False
            program.external_id = self.external_id

        def summary(self) -> str:
            return f"Program {self.name!r} created"

    class Updated(MentoringEvent):
        name: str | None
        description: str | None

        def apply(self, program: Program) -> None:
            program.name = self.name if self.name is not None else program.name
            if self.description is not None:
                program.description = self.description

        def summary(self) -> str:
            return "Program updated"

    class Closed(MentoringEvent):
        reason: str

        def apply(self, program: Program) -> None:
            program.closed = True

        def summary(self) -> str:
            return "Program closed"

    @classmethod
    def create(
        cls, *, name: str, description: str | None, actor: ActorLike, at: datetime | None = None,
        external_id: str | None = None,
    ) -> Program:
        """Starts a program (``external_id``: the HR system's id for it, if any)."""
        return cls._start(
            cls.Created,
            at=at,
            actor=actor,
            name=require_text("name", name, max_length=200),
            description=optional_text("description", description),
            external_id=optional_external_id(external_id),
        )

    def update(
        self, *, name: str | None = None, description: str | None = None, actor: ActorLike,
        at: datetime | None = None,
    ) -> None:
        """Renames or redescribes the program."""
        self.check_open()
        if name is None and description is None:
            raise NothingToChange("update", "give name or description")
        self._trigger(
            self.Updated,
            at,
            actor=actor,
            name=None if name is None else require_text("name", name, max_length=200),
            description=None if description is None else optional_text("description", description),
        )

    def close(self, *, reason: str | None, actor: ActorLike, at: datetime | None = None) -> None:
        """Ends the program: nothing new starts in it."""
        self.check_open()
        self._trigger(self.Closed, at, actor=actor, reason=optional_text("reason", reason))

    def check_open(self) -> None:
        if self.closed:
            raise ProgramClosed(f"program {self.name!r} is closed")

    def to_dict(self) -> dict[str, Any]:
        """The state as plain data."""
        return {
            "id": str(self.id),
            "name": self.name,
            "description": self.description,
            "closed": self.closed,
            # Snapshots taken before external ids existed have none.
            "external_id": self.__dict__.get("external_id"),
            "version": self.version,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
        }
