"""Goals: define, read (also at a version or instant), revise, progress, achieve, abandon, link."""

from __future__ import annotations

from typing import Any

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
from api.schemas import goals as s
from api.schemas.common import CommandResult, Created
from application.service import MentoringService
from infrastructure.api_keys import ApiKey

router = ResourceRouter(prefix="/v1/goals", tags=["goals"])
READ_ERRORS = problems(401, 403, 404, 422, 503)
ERRORS = problems(401, 403, 404, 409, 412, 422, 503)


def scoped_goal(service: MentoringService, principal: ApiKey, goal_id: str) -> str:
    """The goal's program; 404 unless it exists in a program the key may see."""
    return not_found_outside(principal, "goal", goal_id, lambda: service.program_of(goal_id))


@router.post("", status_code=201, response_model=Created,
             responses=problems(401, 403, 404, 409, 422, 503))
@runs_on_loop
def define_goal(body: s.GoalCreate, command: CreatorDep, service: ServiceDep,
                response: Response) -> dict[str, Any]:
    """The mentee defines a goal: title, success criteria, target date (status `open`)."""
    check_program_access(command.principal, body.program_id)
    outcome = service.define_goal(
        program_id=body.program_id, mentee_id=body.mentee_id, title=body.title,
        success_criteria=body.success_criteria, target_date=body.target_date, area=body.area,
        relationship_id=body.relationship_id, actor=command.actor,
        external_id=body.external_id)
    return created(response, outcome, f"/v1/goals/{outcome.id}")


@router.get("/{goal_id}", response_model=s.GoalPublic, responses=READ_ERRORS)
def read_goal(goal_id: str, principal: Reader, service: ServiceDep, travel: TimeTravelDep,
              response: Response) -> dict[str, Any]:
    """The goal now, at `?version=N`, or `?as_of=<ISO-8601>`."""
    scoped_goal(service, principal, goal_id)
    current = service.goal(goal_id, version=travel.version, as_of=travel.as_of)
    return state(response, current)


@router.post("/{goal_id}/revisions", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def revise_goal(goal_id: str, body: s.GoalRevision, command: CommandDep,
                service: ServiceDep, response: Response) -> dict[str, Any]:
    """Revises the title, success criteria or target date, saying why."""
    scoped_goal(service, command.principal, goal_id)
    outcome = service.revise_goal(
        goal_id, reason=body.reason, title=body.title, success_criteria=body.success_criteria,
        target_date=body.target_date, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{goal_id}/progress", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def record_goal_progress(goal_id: str, body: s.GoalProgress, command: CommandDep,
                         service: ServiceDep, response: Response) -> dict[str, Any]:
    """Records how far along the goal is (0 to 100)."""
    scoped_goal(service, command.principal, goal_id)
    outcome = service.record_goal_progress(goal_id, percent=body.percent, note=body.note,
                                           actor=command.actor,
                                           expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{goal_id}/achieve", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def achieve_goal(goal_id: str, command: CommandDep, service: ServiceDep,
                 response: Response, body: s.GoalAchieve | None = None) -> dict[str, Any]:
    """The success criteria are met (status `achieved`)."""
    scoped_goal(service, command.principal, goal_id)
    outcome = service.achieve_goal(goal_id, note=body.note if body else None,
                                   actor=command.actor,
                                   expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{goal_id}/abandon", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def abandon_goal(goal_id: str, body: s.GoalAbandon, command: CommandDep,
                 service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentee drops the goal (status `abandoned`)."""
    scoped_goal(service, command.principal, goal_id)
    outcome = service.abandon_goal(goal_id, reason=body.reason, actor=command.actor,
                                   expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{goal_id}/links", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def link_goal(goal_id: str, body: s.GoalLink, command: CommandDep, service: ServiceDep,
              response: Response) -> dict[str, Any]:
    """Ties the goal to a relationship of the same mentee that works on it."""
    scoped_goal(service, command.principal, goal_id)
    outcome = service.link_goal(goal_id, relationship_id=body.relationship_id,
                                          actor=command.actor,
                                          expected_version=command.expected_version)
    return answer(response, outcome)
