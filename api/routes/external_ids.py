"""Finding a program, mentor or goal by the HR system's own id for it."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Path, Query
from pydantic import BaseModel, Field

from api.deps import DashboardReader, ServiceDep, check_program_access
from api.errors import ProblemError, problems
from api.routes import ResourceRouter
from domain.errors import NotFound

router = ResourceRouter(prefix="/v1/external-ids", tags=["programs"])


class ExternalIdPublic(BaseModel):
    """What an external id names, and where to read it."""

    kind: Literal["program", "mentor", "goal"]
    external_id: str
    program_id: str
    id: str = Field(description="The resource's id in this service.")
    person_id: str | None = Field(None, description="A mentor's person id.")
    href: str = Field(description="Where the resource is read.")


@router.get("/{kind}/{external_id}", response_model=ExternalIdPublic,
            responses=problems(401, 403, 404, 422, 503))
def resolve_external_id(
    kind: Literal["program", "mentor", "goal"],
    external_id: Annotated[str, Path(max_length=200)],
    principal: DashboardReader, service: ServiceDep,
    program_id: Annotated[str | None, Query(
        max_length=64, description="The program (required for a mentor or a goal).")] = None,
) -> dict[str, Any]:
    """The resource that the HR system calls `external_id` (404 if none the key may see)."""
    if kind != "program" and program_id is None:
        raise ProblemError(422, "invalid-value", f"a {kind}'s external id is unique within its "
                           "program: give program_id",
                           errors=[{"field": "query.program_id", "message": "required"}])
    if program_id is not None and kind != "program":
        check_program_access(principal, program_id)
    try:
        found = service.resolve_external_id(kind, external_id, program_id)
    except NotFound as error:
        raise ProblemError(404, "not-found", error.detail) from None
    check_program_access(principal, found["program_id"],
                         detail=f"no {kind} has external_id {external_id!r}")
    if kind == "program":
        href = f"/v1/programs/{found['id']}"
    elif kind == "goal":
        href = f"/v1/goals/{found['id']}"
    else:
        href = (f"/v1/programs/{found['program_id']}/mentors/"
                f"{quote(str(found['person_id']), safe='')}")
    return {**found, "href": href}
