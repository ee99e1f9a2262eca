"""Relationships: request, read (also at a version or instant) and every command of their life."""

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
from api.schemas import relationships as s
from api.schemas.common import CommandResult, Created
from application.service import MentoringService
from infrastructure.api_keys import ApiKey

router = ResourceRouter(prefix="/v1/relationships", tags=["relationships"])
READ_ERRORS = problems(401, 403, 404, 422, 503)
ERRORS = problems(401, 403, 404, 409, 412, 422, 503)
SESSION = "/{relationship_id}/sessions/{session_id}"


def scoped(service: MentoringService, principal: ApiKey, relationship_id: str) -> str:
    """The relationship's program; 404 unless it exists in a program the key may see."""
    return not_found_outside(principal, "relationship", relationship_id,
                             lambda: service.program_of(relationship_id))


@router.post("", status_code=201, response_model=Created,
             responses=problems(401, 403, 404, 409, 422, 503))
@runs_on_loop
def request_relationship(body: s.RelationshipCreate, command: CreatorDep,
                         service: ServiceDep, response: Response) -> dict[str, Any]:
    """A mentee asks a mentor for mentoring, with a personal message (status `requested`)."""
    check_program_access(command.principal, body.program_id)
    outcome = service.request_relationship(
        program_id=body.program_id, mentor_id=body.mentor_id, mentee_id=body.mentee_id,
        message=body.message, actor=command.actor)
    return created(response, outcome, f"/v1/relationships/{outcome.id}")


@router.get("/{relationship_id}", response_model=s.RelationshipPublic, responses=READ_ERRORS)
def read_relationship(relationship_id: str, principal: Reader, service: ServiceDep,
                      travel: TimeTravelDep, response: Response) -> dict[str, Any]:
    """The relationship now, at `?version=N`, or `?as_of=<ISO-8601>`."""
    scoped(service, principal, relationship_id)
    current = service.relationship(relationship_id, version=travel.version,
                                             as_of=travel.as_of)
    return state(response, current)


@router.post("/{relationship_id}/accept", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def accept_relationship(relationship_id: str, command: CommandDep, service: ServiceDep,
                        response: Response, body: s.Accept | None = None) -> dict[str, Any]:
    """The mentor accepts: the connection is established (status `active`)."""
    scoped(service, command.principal, relationship_id)
    outcome = service.accept_relationship(
        relationship_id, actor=command.actor, expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/decline", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def decline_relationship(relationship_id: str, command: CommandDep, service: ServiceDep,
                         response: Response, body: s.Decline | None = None) -> dict[str, Any]:
    """The mentor declines the request (status `declined`)."""
    reason = body.reason if body else None
    scoped(service, command.principal, relationship_id)
    outcome = service.decline_relationship(
        relationship_id, reason=reason, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/withdraw", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def withdraw_request(relationship_id: str, command: CommandDep, service: ServiceDep,
                     response: Response, body: s.Withdraw | None = None) -> dict[str, Any]:
    """The mentee withdraws a request the mentor has not answered (status `withdrawn`)."""
    scoped(service, command.principal, relationship_id)
    outcome = service.withdraw_request(
        relationship_id, reason=body.reason if body else None, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.put("/{relationship_id}/expectations", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def set_expectations(relationship_id: str, body: s.Expectations, command: CommandDep,
                     service: ServiceDep, response: Response) -> dict[str, Any]:
    """Sets (or renegotiates) cadence, session length, monthly cap, topics, channel, reviews."""
    scoped(service, command.principal, relationship_id)
    outcome = service.set_expectations(
        relationship_id, meeting_every_days=body.meeting_every_days,
        session_minutes=body.session_minutes,
        monthly_minutes_cap=body.monthly_minutes_cap, topics=body.topics, channel=body.channel,
        review_every_days=body.review_every_days, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/sessions", status_code=201,
             response_model=s.SessionScheduled, responses=ERRORS)
@runs_on_loop
def schedule_session(relationship_id: str, body: s.SessionSchedule, command: CommandDep,
                     service: ServiceDep, response: Response) -> dict[str, Any]:
    """Books a session; refused past the mentor's monthly time cap."""
    scoped(service, command.principal, relationship_id)
    outcome = service.schedule_session(
        relationship_id, scheduled_for=body.scheduled_for, duration_minutes=body.duration_minutes,
        agenda=body.agenda, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post(SESSION + "/held", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def hold_session(relationship_id: str, session_id: str, body: s.SessionHold,
                 command: CommandDep, service: ServiceDep,
                 response: Response) -> dict[str, Any]:
    """Records that a scheduled session took place, with punctuality and preparation."""
    scoped(service, command.principal, relationship_id)
    outcome = service.hold_session(
        relationship_id, session_id, held_at=body.held_at,
        duration_minutes=body.duration_minutes, mentee_on_time=body.mentee_on_time,
        mentee_prepared=body.mentee_prepared, notes=body.notes, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post(SESSION + "/cancel", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def cancel_session(relationship_id: str, session_id: str, body: s.SessionCancel,
                   command: CommandDep, service: ServiceDep,
                   response: Response) -> dict[str, Any]:
    """Calls off a scheduled session."""
    scoped(service, command.principal, relationship_id)
    outcome = service.cancel_session(
        relationship_id, session_id,
        cancelled_by=body.cancelled_by, reason=body.reason, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post(SESSION + "/missed", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def miss_session(relationship_id: str, session_id: str, body: s.SessionMiss,
                 command: CommandDep, service: ServiceDep,
                 response: Response) -> dict[str, Any]:
    """Records a no-show by the mentor or the mentee."""
    scoped(service, command.principal, relationship_id)
    outcome = service.miss_session(
        relationship_id, session_id, missed_by=body.missed_by, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/feedback", response_model=s.FeedbackRecorded,
             responses=ERRORS)
@runs_on_loop
def receive_feedback(relationship_id: str, body: s.FeedbackCreate, command: CommandDep,
                     service: ServiceDep, response: Response) -> dict[str, Any]:
    """Records constructive feedback or praise from one side, optionally on a goal."""
    scoped(service, command.principal, relationship_id)
    outcome = service.receive_feedback(
        relationship_id, from_role=body.from_role,
        kind=body.kind, text=body.text, goal_id=body.goal_id, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/feedback/{feedback_id}/acknowledge",
             response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def acknowledge_feedback(relationship_id: str, feedback_id: str, command: CommandDep,
                         service: ServiceDep, response: Response) -> dict[str, Any]:
    """The receiver acknowledges the feedback."""
    scoped(service, command.principal, relationship_id)
    outcome = service.acknowledge_feedback(
        relationship_id, feedback_id, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/experiences", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def share_experience(relationship_id: str, body: s.Experience, command: CommandDep,
                     service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentee shares a challenge, a success or a concern."""
    scoped(service, command.principal, relationship_id)
    outcome = service.share_experience(
        relationship_id, kind=body.kind, text=body.text, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/advice", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def apply_advice(relationship_id: str, body: s.AdviceApplied, command: CommandDep,
                 service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentee put a piece of the mentor's advice into practice."""
    scoped(service, command.principal, relationship_id)
    outcome = service.apply_advice(
        relationship_id, advice=body.advice, outcome=body.outcome, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/progress", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def report_progress(relationship_id: str, body: s.ProgressReport, command: CommandDep,
                    service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentee reports progress to the mentor."""
    scoped(service, command.principal, relationship_id)
    outcome = service.report_progress(
        relationship_id, note=body.note, goal_id=body.goal_id, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/gratitude", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def express_gratitude(relationship_id: str, body: s.Gratitude, command: CommandDep,
                      service: ServiceDep, response: Response) -> dict[str, Any]:
    """The mentee thanks the mentor."""
    scoped(service, command.principal, relationship_id)
    outcome = service.express_gratitude(
        relationship_id, message=body.message, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/reviews", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def review_relationship(relationship_id: str, body: s.Review, command: CommandDep,
                        service: ServiceDep, response: Response) -> dict[str, Any]:
    """A periodic review: both sides rate the relationship from 1 to 5."""
    scoped(service, command.principal, relationship_id)
    outcome = service.review_relationship(
        relationship_id, mentor_satisfaction=body.mentor_satisfaction,
        mentee_satisfaction=body.mentee_satisfaction, notes=body.notes, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/pause", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def pause_relationship(relationship_id: str, command: CommandDep, service: ServiceDep,
                       response: Response, body: s.Pause | None = None) -> dict[str, Any]:
    """Puts an active relationship on hold (status `paused`)."""
    reason = body.reason if body else None
    scoped(service, command.principal, relationship_id)
    outcome = service.pause_relationship(
        relationship_id, reason=reason, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/resume", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def resume_relationship(relationship_id: str, command: CommandDep, service: ServiceDep,
                        response: Response, body: s.Resume | None = None) -> dict[str, Any]:
    """Takes a paused relationship up again (status `active`)."""
    scoped(service, command.principal, relationship_id)
    outcome = service.resume_relationship(
        relationship_id, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)


@router.post("/{relationship_id}/conclude", response_model=CommandResult, responses=ERRORS)
@runs_on_loop
def conclude_relationship(relationship_id: str, body: s.Conclude, command: CommandDep,
                          service: ServiceDep, response: Response) -> dict[str, Any]:
    """Ends the relationship (status `concluded`); it can only be read afterwards."""
    scoped(service, command.principal, relationship_id)
    outcome = service.conclude_relationship(
        relationship_id, reason=body.reason, outcome=body.outcome, actor=command.actor,
        expected_version=command.expected_version)
    return answer(response, outcome)
