"""The record of a person's personal data being erased (GDPR article 17)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.base import ActorLike, MentoringAggregate, MentoringCreated
from domain.values import optional_label, require_person


class Erasure(MentoringAggregate):
    """Who erased whose personal data, when and why; the data itself is gone."""

    def __init__(self) -> None:
        self.person_id: str
        self.reason: str

    class PersonalDataErased(MentoringCreated):
        person_id: str
        reason: str

        def apply(self, erasure: Erasure) -> None:
            erasure.person_id, erasure.reason = self.person_id, self.reason

        def summary(self) -> str:
            return f"Personal data of {self.person_id} erased"

    @classmethod
    def record(cls, *, person_id: str, reason: str | None, actor: ActorLike,
               at: datetime | None = None) -> Erasure:
        """Records that a person's key was destroyed."""
        return cls._start(
            cls.PersonalDataErased,
            at=at,
            actor=actor,
            person_id=require_person("person_id", person_id),
            reason=optional_label("reason", reason, max_length=200),
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data."""
        return {
            "id": str(self.id),
            "person_id": self.person_id,
            "reason": self.reason,
            "erased_at": self.created_on,
            "version": self.version,
        }
