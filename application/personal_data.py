"""Personal data: erasure by destroying a person's key, and subject access."""

from __future__ import annotations

from typing import Any

from application.base import UseCases, parse_id
from application.ports import PersonalDataVault
from application.records import describe_event
from domain.base import PERSON_FIELDS, ActorLike, now
from domain.erasure import Erasure
from domain.errors import NotFound


class PersonalDataUseCases(UseCases):
    """GDPR articles 15 and 17 over an immutable log (crypto-shredding)."""

    def erase_person(self, person_id: str, *, reason: str | None,
                     actor: ActorLike) -> dict[str, Any]:
        """Destroys the person's key (idempotent) and records who erased, when and why."""
        vault = self._vault()
        past = vault.erasures_of(person_id)
        if not vault.has_key(person_id):
            if past:
                erasure_id, erased_at = past[-1]
                return {"person_id": person_id, "erasure_id": erasure_id,
                        "erased_at": erased_at, "already_erased": True}
            if not vault.aggregates_of(person_id):
                raise NotFound(f"no personal data about {person_id}")
        erasure = Erasure.record(person_id=person_id, reason=reason, actor=actor)
        self._create(erasure)
        erased_at = erasure.created_on.isoformat()
        vault.destroy_key(person_id, str(erasure.id), erased_at)
        for aggregate_id in vault.aggregates_of(person_id):
            self.store.forget(parse_id(aggregate_id))  # no decrypted copy left in memory
        return {"person_id": person_id, "erasure_id": str(erasure.id),
                "erased_at": erased_at, "already_erased": False}

    def subject_access(self, person_id: str) -> dict[str, Any]:
        """Everything held about a person: the events that name them or carry their data."""
        vault = self._vault()
        aggregate_ids = vault.aggregates_of(person_id)
        erasures = vault.erasures_of(person_id)
        if not aggregate_ids and not erasures:
            raise NotFound(f"no data about {person_id}")
        records = []
        for aggregate_id in aggregate_ids:
            events = [
                only_their_data(describe_event(event), event, person_id)
                for event in self.store.events_of(parse_id(aggregate_id))
                if person_id in (event.__dict__.get(name) for name in PERSON_FIELDS)
            ]
            if events:
                records.append({"aggregate": events[0]["aggregate"], "id": aggregate_id,
                                "events": events})
        return {"person_id": person_id, "generated_at": now(),
                "personal_data_readable": vault.has_key(person_id),
                "erasures": [{"erasure_id": e, "erased_at": at} for e, at in erasures],
                "aggregates": records}

    def _vault(self) -> PersonalDataVault:
        if self.vault is None:
            raise NotFound("personal data is not sealed in this deployment")
        return self.vault


def only_their_data(record: dict[str, Any], event: Any, person_id: str) -> dict[str, Any]:
    """Hides personal fields that are about someone else."""
    if event.__dict__.get("subject_id", person_id) != person_id:
        hidden = dict.fromkeys(getattr(type(event), "PERSONAL_FIELDS", ()), "[another person]")
        record["data"] = {**record["data"], **hidden}
    return record
