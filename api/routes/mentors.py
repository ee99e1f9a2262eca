"""Mentor profiles: register, read (also at a version or instant), update, capacity, retire."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Response

from api.deps import (
    CommandDep,
    CreatorDep,
    Reader,
    ServiceDep,
    TimeTravelDep,
    check_program_access,
    not_found_outside,
)
from api.errors import problems
from api.on_loop import runs_on_loop
from api.responses import answer, created, state
from api.routes import ResourceRouter
from api.schemas.common import CommandResult, Created
from api.schemas.mentors import (
    CapacityChange,
    MentorCreate,
    MentorPublic,
    MentorRetire,
    MentorUpdate,
)
from application.base import profile_id
from application.service import MentoringService
from infrastructure.api_keys import ApiKey

router = ResourceRouter(prefix="/v1", tags=["mentors"])
MENTOR = "/programs/{program_id}/mentors/{person_id}"
READ_ERRORS = problems(401, 403, 404, 422, 503)
COMMAND_ERRORS = problems(401, 403, 404, 409, 412, 422, 503)


def scoped_mentor(service: MentoringService, principal: ApiKey, program_id: str,
                  person_id: str) -> None:
    """404 unless the mentor exists in a program the key may see."""
    not_found_outside(principal, f"mentor in program {program_id}:", person_id,
                      lambda: service.program_of(str(profile_id(program_id, person_id))))


@router.post("/mentors", status_code=201, response_model=Created,
             responses=problems(401, 403, 404, 409, 422, 503))
@runs_on_loop
def register_mentor(body: MentorCreate, command: CreatorDep, service: ServiceDep,
                    response: Response) -> dict[str, Any]:
    """Registers a person as a mentor in a program (skills, capacity, monthly minutes)."""
    check_program_access(command.principal, body.program_id)
    outcome = service.register_mentor(
        program_id=body.program_id, person_id=body.person_id, skills=body.skills,
        capacity=body.capacity, monthly_minutes=body.monthly_minutes,
        experience_years=body.experience_years, bio=body.bio, actor=command.actor,
        external_id=body.external_id)
    program, person = quote(body.program_id, safe=""), quote(body.person_id, safe="")
    location = f"/v1/programs/{program}/mentors/{person}"
    return created(response, outcome, location)


@router.get(MENTOR, response_model=MentorPublic, responses=READ_ERRORS)
def read_mentor(program_id: str, person_id: str, principal: Reader, service: ServiceDep,
                travel: TimeTravelDep, response: Response) -> dict[str, Any]:
    """The mentor profile now, at `?version=N`, or `?as_of=<ISO-8601>`."""
    scoped_mentor(service, principal, program_id, person_id)
    current = service.mentor(program_id, person_id, version=travel.version,
                                       as_of=travel.as_of)
    return state(response, current)


@router.patch(MENTOR, response_model=CommandResult, responses=COMMAND_ERRORS)
@runs_on_loop
def update_mentor(program_id: str, person_id: str, body: MentorUpdate, command: CommandDep,
                  service: ServiceDep, response: Response) -> dict[str, Any]:
    """Changes the mentor's skills, experience, monthly minutes or bio."""
    scoped_mentor(service, command.principal, program_id, person_id)
    outcome = service.update_mentor(
        program_id, person_id, skills=body.skills, experience_years=body.experience_years,
        monthly_minutes=body.monthly_minutes, bio=body.bio, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.put(MENTOR + "/capacity", response_model=CommandResult, responses=COMMAND_ERRORS)
@runs_on_loop
def change_mentor_capacity(program_id: str, person_id: str, body: CapacityChange,
                           command: CommandDep, service: ServiceDep,
                           response: Response) -> dict[str, Any]:
    """Sets how many active mentees the mentor takes."""
    scoped_mentor(service, command.principal, program_id, person_id)
    outcome = service.change_mentor_capacity(
        program_id, person_id, capacity=body.capacity, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post(MENTOR + "/retire", response_model=CommandResult, responses=COMMAND_ERRORS)
@runs_on_loop
def retire_mentor(program_id: str, person_id: str, body: MentorRetire, command: CommandDep,
                  service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentor stops taking new mentees."""
    scoped_mentor(service, command.principal, program_id, person_id)
    outcome = service.retire_mentor(program_id, person_id, reason=body.reason,
                                    actor=command.actor,
                                    expected_version=command.expected_version)
    return answer(response, outcome)
