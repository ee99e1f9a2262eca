"""An id from the HR system for a program, a mentor or a goal, unique where it applies.

Each claim is an aggregate whose id follows from what it claims (the kind, the program
and the external id), so two commands claiming the same external id cannot both be
stored: the event store's (aggregate, version) constraint refuses the second, in the
same transaction as the resource it would have named. Programs' external ids are unique
among programs; mentors' and goals' within their program.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import ActorLike, MentoringAggregate, MentoringCreated
from domain.values import require_id

Kind = Literal["program", "mentor", "goal"]
KINDS: tuple[Kind, ...] = ("program", "mentor", "goal")


def claim_id(kind: str, program_id: str | None, external_id: str) -> UUID:
    """The claim's id: programs' in one space, mentors' and goals' per program."""
    scope = "all" if kind == "program" else str(UUID(str(program_id)))  # canonical
    return uuid5(NAMESPACE_URL, f"mentoring:external-id:{kind}:{scope}:{external_id}")


def optional_external_id(value: str | None) -> str | None:
    """An HR-system id (the same grammar as people's ids), or None."""
    return None if value is None else require_id("external_id", value)


class ExternalId(MentoringAggregate):
    """That an external id names one resource (for good: it is never reassigned)."""

    def __init__(self) -> None:
        self.kind: str
        self.external_id: str
        self.program_id: str
        self.target_id: str

    class Claimed(MentoringCreated):
        kind: str
        external_id: str
        program_id: str
        target_id: str

        def apply(self, claim: ExternalId) -> None:
            claim.kind, claim.external_id = self.kind, self.external_id
            claim.program_id, claim.target_id = self.program_id, self.target_id

        def summary(self) -> str:
            return f"External id {self.external_id!r} given to the {self.kind} {self.target_id}"

    @classmethod
    def claim(cls, *, kind: Kind, external_id: str, program_id: str, target_id: str,
              actor: ActorLike, at: datetime | None = None) -> ExternalId:
        """Names ``target_id`` (of ``program_id``; a program's is its own id)."""
        return cls._start(
            cls.Claimed, id=claim_id(kind, program_id, external_id), at=at, actor=actor,
            kind=kind, external_id=require_id("external_id", external_id),
            program_id=program_id, target_id=target_id)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "external_id": self.external_id,
                "program_id": self.program_id, "id": self.target_id}
