"""Relationships: request, read (also at a version or instant) and every command of their life."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import (
    CommandDep,
    ContainerDep,
    CreatorDep,
    Reader,
    TimeTravelDep,
    check_program_access,
    not_found_outside,
)
from api.errors import problems
from api.responses import answer, created, state
from api.schemas import relationships as s
from api.schemas.common import CommandResult, Created
from application.service import Outcome
from infrastructure.api_keys import ApiKey
from mentoring.bootstrap import Container

router = APIRouter(prefix="/v1/relationships", tags=["relationships"])
READ_ERRORS = problems(401, 403, 404, 422, 503)
ERRORS = problems(401, 403, 404, 409, 412, 422, 503)
SESSION = "/{relationship_id}/sessions/{session_id}"


def scoped_relationship(container: Container, principal: ApiKey, relationship_id: str) -> str:
    """The relationship's program; 404 unless it exists in a program the key may see."""
    return not_found_outside(principal, "relationship", relationship_id,
                             lambda: container.service.program_of(relationship_id))


def run(container: Container, command: CommandDep, relationship_id: str, name: str,
        **kwargs: Any) -> Outcome:
    """Runs one of the relationship's own commands for the caller, in scope."""
    scoped_relationship(container, command.principal, relationship_id)
    return container.service.relationship_command(
        relationship_id, name, actor=command.actor, expected_version=command.expected_version,
        **kwargs,
    )


@router.post("", status_code=201, response_model=Created,
             responses=problems(401, 403, 404, 409, 422, 503))
def request_relationship(body: s.RelationshipCreate, principal: CreatorDep,
                         container: ContainerDep, response: Response) -> dict[str, Any]:
    """A mentee asks a mentor for mentoring, with a personal message (status `requested`)."""
    check_program_access(principal, body.program_id)
    outcome = container.service.request_relationship(actor=principal.actor, **body.model_dump())
    return created(response, outcome, f"/v1/relationships/{outcome.id}")


@router.get("/{relationship_id}", response_model=s.RelationshipPublic, responses=READ_ERRORS)
def read_relationship(relationship_id: str, principal: Reader, container: ContainerDep,
                      travel: TimeTravelDep, response: Response) -> dict[str, Any]:
    """The relationship now, at `?version=N`, or `?as_of=<ISO-8601>`."""
    scoped_relationship(container, principal, relationship_id)
    current = container.service.relationship(relationship_id, version=travel.version,
                                             as_of=travel.as_of)
    return state(response, current)


@router.post("/{relationship_id}/accept", response_model=CommandResult, responses=ERRORS)
def accept_relationship(relationship_id: str, command: CommandDep, container: ContainerDep,
                        response: Response, body: s.Accept | None = None) -> dict[str, Any]:
    """The mentor accepts: the connection is established (status `active`)."""
    scoped_relationship(container, command.principal, relationship_id)
    outcome = container.service.accept_relationship(
        relationship_id, actor=command.actor, expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/decline", response_model=CommandResult, responses=ERRORS)
def decline_relationship(relationship_id: str, command: CommandDep, container: ContainerDep,
                         response: Response, body: s.Decline | None = None) -> dict[str, Any]:
    """The mentor declines the request (status `declined`)."""
    reason = body.reason if body else None
    outcome = run(container, command, relationship_id, "decline", reason=reason)
    return answer(response, outcome)


@router.put("/{relationship_id}/expectations", response_model=CommandResult, responses=ERRORS)
def set_expectations(relationship_id: str, body: s.Expectations, command: CommandDep,
                     container: ContainerDep, response: Response) -> dict[str, Any]:
    """Sets (or renegotiates) cadence, session length, monthly cap, topics, channel, reviews."""
    outcome = run(container, command, relationship_id, "set_expectations", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/sessions", status_code=201,
             response_model=s.SessionScheduled, responses=ERRORS)
def schedule_session(relationship_id: str, body: s.SessionSchedule, command: CommandDep,
                     container: ContainerDep, response: Response) -> dict[str, Any]:
    """Books a session; refused past the mentor's monthly time cap."""
    outcome = run(container, command, relationship_id, "schedule_session", **body.model_dump())
    return answer(response, outcome)


@router.post(SESSION + "/held", response_model=CommandResult, responses=ERRORS)
def hold_session(relationship_id: str, session_id: str, body: s.SessionHold,
                 command: CommandDep, container: ContainerDep,
                 response: Response) -> dict[str, Any]:
    """Records that a scheduled session took place, with punctuality and preparation."""
    outcome = run(container, command, relationship_id, "hold_session", session_id=session_id,
                  **body.model_dump())
    return answer(response, outcome)


@router.post(SESSION + "/cancel", response_model=CommandResult, responses=ERRORS)
def cancel_session(relationship_id: str, session_id: str, body: s.SessionCancel,
                   command: CommandDep, container: ContainerDep,
                   response: Response) -> dict[str, Any]:
    """Calls off a scheduled session."""
    outcome = run(container, command, relationship_id, "cancel_session", session_id=session_id,
                  **body.model_dump())
    return answer(response, outcome)


@router.post(SESSION + "/missed", response_model=CommandResult, responses=ERRORS)
def miss_session(relationship_id: str, session_id: str, body: s.SessionMiss,
                 command: CommandDep, container: ContainerDep,
                 response: Response) -> dict[str, Any]:
    """Records a no-show by the mentor or the mentee."""
    outcome = run(container, command, relationship_id, "miss_session", session_id=session_id,
                  **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/feedback", response_model=s.FeedbackRecorded,
             responses=ERRORS)
def receive_feedback(relationship_id: str, body: s.FeedbackCreate, command: CommandDep,
                     container: ContainerDep, response: Response) -> dict[str, Any]:
    """Records constructive feedback or praise from one side, optionally on a goal."""
    outcome = run(container, command, relationship_id, "receive_feedback", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/feedback/{feedback_id}/acknowledge",
             response_model=CommandResult, responses=ERRORS)
def acknowledge_feedback(relationship_id: str, feedback_id: str, command: CommandDep,
                         container: ContainerDep, response: Response) -> dict[str, Any]:
    """The receiver acknowledges the feedback."""
    outcome = run(container, command, relationship_id, "acknowledge_feedback",
                  feedback_id=feedback_id)
    return answer(response, outcome)


@router.post("/{relationship_id}/experiences", response_model=CommandResult, responses=ERRORS)
def share_experience(relationship_id: str, body: s.Experience, command: CommandDep,
                     container: ContainerDep, response: Response) -> dict[str, Any]:
    """The mentee shares a challenge, a success or a concern."""
    outcome = run(container, command, relationship_id, "share_experience", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/advice", response_model=CommandResult, responses=ERRORS)
def apply_advice(relationship_id: str, body: s.AdviceApplied, command: CommandDep,
                 container: ContainerDep, response: Response) -> dict[str, Any]:
    """The mentee put a piece of the mentor's advice into practice."""
    outcome = run(container, command, relationship_id, "apply_advice", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/progress", response_model=CommandResult, responses=ERRORS)
def report_progress(relationship_id: str, body: s.ProgressReport, command: CommandDep,
                    container: ContainerDep, response: Response) -> dict[str, Any]:
    """The mentee reports progress to the mentor."""
    outcome = run(container, command, relationship_id, "report_progress", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/gratitude", response_model=CommandResult, responses=ERRORS)
def express_gratitude(relationship_id: str, body: s.Gratitude, command: CommandDep,
                      container: ContainerDep, response: Response) -> dict[str, Any]:
    """The mentee thanks the mentor."""
    outcome = run(container, command, relationship_id, "express_gratitude", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/reviews", response_model=CommandResult, responses=ERRORS)
def review_relationship(relationship_id: str, body: s.Review, command: CommandDep,
                        container: ContainerDep, response: Response) -> dict[str, Any]:
    """A periodic review: both sides rate the relationship from 1 to 5."""
    outcome = run(container, command, relationship_id, "review", **body.model_dump())
    return answer(response, outcome)


@router.post("/{relationship_id}/pause", response_model=CommandResult, responses=ERRORS)
def pause_relationship(relationship_id: str, command: CommandDep, container: ContainerDep,
                       response: Response, body: s.Pause | None = None) -> dict[str, Any]:
    """Puts an active relationship on hold (status `paused`)."""
    reason = body.reason if body else None
    outcome = run(container, command, relationship_id, "pause", reason=reason)
    return answer(response, outcome)


@router.post("/{relationship_id}/resume", response_model=CommandResult, responses=ERRORS)
def resume_relationship(relationship_id: str, command: CommandDep, container: ContainerDep,
                        response: Response, body: s.Resume | None = None) -> dict[str, Any]:
    """Takes a paused relationship up again (status `active`)."""
    outcome = run(container, command, relationship_id, "resume")
    return answer(response, outcome)


@router.post("/{relationship_id}/conclude", response_model=CommandResult, responses=ERRORS)
def conclude_relationship(relationship_id: str, body: s.Conclude, command: CommandDep,
                          container: ContainerDep, response: Response) -> dict[str, Any]:
    """Ends the relationship (status `concluded`); it can only be read afterwards."""
    scoped_relationship(container, command.principal, relationship_id)
    outcome = container.service.conclude_relationship(
        relationship_id, reason=body.reason, outcome=body.outcome, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)
