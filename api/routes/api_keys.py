"""API keys (admin only): create (the secret is shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from api.deps import Admin, KeysDep, ServiceDep
from api.errors import ProblemError, problems
from api.routes import ResourceRouter
from api.schemas.events import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyPublic
from domain.errors import NotFound
from infrastructure.api_keys import ApiKey

router = ResourceRouter(prefix="/v1/api-keys", tags=["api-keys"])


def public(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "role": key.role, "created_at": key.created_at,
            "revoked_at": key.revoked_at,
            "program_ids": None if key.program_ids is None else list(key.program_ids)}


@router.post("", status_code=201, response_model=ApiKeyCreated,
             responses=problems(401, 403, 422, 503))
def create_api_key(body: ApiKeyCreate, principal: Admin, keys: KeysDep, service: ServiceDep,
                   response: Response) -> dict[str, Any]:
    """Creates a key with a role, optionally limited to programs; the secret is shown once."""
    for program_id in body.program_ids or []:
        try:
            service.program(program_id)
        except NotFound:
            raise ProblemError(422, "unknown-program", f"no program {program_id}",
                               errors=[{"field": "body.program_ids",
                                        "message": f"no program {program_id}"}]) from None
    key, secret = keys.create(body.role, body.program_ids)
    response.headers["Location"] = f"/v1/api-keys/{key.id}"
    # A secret must not be kept by caches, nor by the idempotency store for retries.
    response.headers["Cache-Control"] = "no-store"
    return {**public(key), "secret": secret}


@router.get("", response_model=ApiKeyPage, responses=problems(401, 403, 422, 503))
def list_api_keys(principal: Admin, keys: KeysDep,
                  cursor: Annotated[str | None, Query(max_length=100)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Every key (never a secret), ordered by id, cursor-paginated."""
    page = keys.page(after=cursor or "", limit=limit)
    next_cursor = page[-1].id if len(page) == limit else None
    return {"items": [public(key) for key in page], "next_cursor": next_cursor}


@router.delete("/{key_id}", response_model=ApiKeyPublic,
               responses=problems(401, 403, 404, 422, 503))
def revoke_api_key(key_id: str, principal: Admin, keys: KeysDep) -> dict[str, Any]:
    """Revokes a key: it stops working at once (revoking again changes nothing)."""
    key = keys.revoke(key_id)
    if key is None:
        raise ProblemError(404, "not-found", f"no API key {key_id}")
    return public(key)
