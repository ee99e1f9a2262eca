"""Personal data (admin only): erasure by crypto-shredding, and subject access."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder

from api.deps import (
    Admin,
    CommandContext,
    IdempotencyKey,
    OnBehalfOf,
    PeopleManager,
    ServiceDep,
)
from api.errors import problems
from api.routes import ResourceRouter
from api.schemas.people import Departure, ErasurePublic, ErasureRequest, SubjectAccess

router = ResourceRouter(prefix="/v1/people", tags=["personal data"])
PERSON = "/{person_id}"


@router.post(PERSON + "/erasure", response_model=ErasurePublic,
             responses=problems(401, 403, 404, 422, 503))
def erase_person(person_id: str, body: ErasureRequest, principal: Admin,
                 service: ServiceDep, idempotency_key: IdempotencyKey = None
                 ) -> dict[str, Any]:
    """Erases the person's personal data for good (GDPR art. 17); repeating it is harmless."""
    del idempotency_key  # handled by the idempotency middleware
    return service.erase_person(person_id, reason=body.reason, actor=principal.actor)


@router.post(PERSON + "/departure", response_model=Departure,
             responses=problems(401, 403, 404, 422, 503))
def person_left(person_id: str, principal: PeopleManager, service: ServiceDep,
                on_behalf_of: OnBehalfOf = None,
                idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """The person left the organisation: their pending requests end, their relationships
    conclude (`participant_left`), their mentor profiles retire. Repeating it is harmless."""
    del idempotency_key  # handled by the idempotency middleware
    actor = CommandContext(principal, None, on_behalf_of).actor
    return {"person_id": person_id, **service.person_left(person_id, actor=actor)}


@router.get(PERSON + "/data", response_model=SubjectAccess,
            responses=problems(401, 403, 404, 422, 503))
def subject_access(person_id: str, principal: Admin, service: ServiceDep) -> Any:
    """Everything held about the person, machine-readable (GDPR art. 15)."""
    del principal
    return jsonable_encoder(service.subject_access(person_id))
