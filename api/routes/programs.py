"""Programs: create, read (also at a version or instant), update and close."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from api.deps import (
    CommandDep,
    CreatorDep,
    DashboardReader,
    Reader,
    ReadModelsDep,
    ServiceDep,
    TimeTravelDep,
    not_found_outside,
    read,
)
from api.errors import ProblemError, problems
from api.on_loop import runs_on_loop
from api.responses import answer, created, state
from api.routes import ResourceRouter
from api.schemas.common import CommandResult, Created
from api.schemas.programs import (
    ProgramClose,
    ProgramCreate,
    ProgramPage,
    ProgramPublic,
    ProgramUpdate,
)
from application.service import MentoringService
from domain.errors import NotFound
from infrastructure.api_keys import ApiKey
from projections.queries import (
    decode_text_cursor,
    encode_text_cursor,
    page,
)

router = ResourceRouter(prefix="/v1/programs", tags=["programs"])
READ_ERRORS = problems(401, 403, 404, 422, 503)
COMMAND_ERRORS = problems(401, 403, 404, 409, 412, 422, 503)


def scoped_program(service: MentoringService, principal: ApiKey, program_id: str) -> str:
    """404 unless the program exists and the key may see it."""
    return not_found_outside(principal, "program", program_id,
                             lambda: service.program_of(program_id))


@router.post("", status_code=201, response_model=Created,
             responses=problems(401, 403, 409, 422, 503))
@runs_on_loop
def create_program(body: ProgramCreate, command: CreatorDep, service: ServiceDep,
                   response: Response) -> dict[str, Any]:
    """Creates a program (admin, or an integration key not limited to programs)."""
    if command.principal.program_ids is not None:
        raise ProblemError(403, "forbidden", "a key limited to programs cannot create programs")
    outcome = service.create_program(name=body.name, description=body.description,
                                     actor=command.actor, external_id=body.external_id)
    return created(response, outcome, f"/v1/programs/{outcome.id}")


@router.get("", response_model=ProgramPage, responses=READ_ERRORS)
def list_programs(principal: DashboardReader, service: ServiceDep, views: ReadModelsDep,
                  limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 50,
                  cursor: Annotated[str | None, Query(max_length=500)] = None,
                  external_id: Annotated[str | None, Query(
                      max_length=200, description="Only the program with this HR-system id "
                                                  "(an empty list if none).")] = None,
                  ) -> dict[str, Any]:
    """The programs this key may see, in id order (a key limited to programs: those)."""
    if external_id is not None:
        try:
            named = service.resolve_external_id("program", external_id)["id"]
        except NotFound:
            return {"items": [], "next_cursor": None}
        visible = principal.sees(named)
        return {"items": [service.program(named)] if visible else [], "next_cursor": None}
    if principal.program_ids is None:
        found = read(lambda: views.program_ids(limit=limit, cursor=cursor))
    else:
        after = read(lambda: decode_text_cursor("g", cursor) or "")
        ids = sorted(p for p in set(principal.program_ids) if p > after)
        found = page([{"id": p} for p in ids[:limit + 1]], limit,
                     lambda last: encode_text_cursor("g", last["id"]))
    items = []
    for item in found["items"]:
        try:
            items.append(service.program(item["id"]))
        except NotFound:
            continue  # a key may name a program not created yet
    return {"items": items, "next_cursor": found["next_cursor"]}


@router.get("/{program_id}", response_model=ProgramPublic, responses=READ_ERRORS)
def read_program(program_id: str, principal: Reader, service: ServiceDep,
                 travel: TimeTravelDep, response: Response) -> dict[str, Any]:
    """The program now, at `?version=N`, or `?as_of=<ISO-8601>`."""
    scoped_program(service, principal, program_id)
    current = service.program(program_id, version=travel.version, as_of=travel.as_of)
    return state(response, current)


@router.patch("/{program_id}", response_model=CommandResult, responses=COMMAND_ERRORS)
@runs_on_loop
def update_program(program_id: str, body: ProgramUpdate, command: CommandDep,
                   service: ServiceDep, response: Response) -> dict[str, Any]:
    """Renames or redescribes the program."""
    scoped_program(service, command.principal, program_id)
    outcome = service.update_program(
        program_id, name=body.name, description=body.description, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{program_id}/close", response_model=CommandResult, responses=COMMAND_ERRORS)
@runs_on_loop
def close_program(program_id: str, body: ProgramClose, command: CommandDep,
                  service: ServiceDep, response: Response) -> dict[str, Any]:
    """Closes the program: no new mentors, relationships or goals start in it."""
    scoped_program(service, command.principal, program_id)
    outcome = service.close_program(program_id, reason=body.reason, actor=command.actor,
                                              expected_version=command.expected_version)
    return answer(response, outcome)
