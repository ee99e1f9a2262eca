"""Read-side reports: relationship lists, audit trail, program health, at-risk, mentors.

Every answer comes from the projections' view tables; only verification also reads the
event store, to compare the audit trail with the events it records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime

from api.deps import (
    DashboardReader,
    Reader,
    ReadModelsDep,
    ServiceDep,
    check_program_access,
    not_found_outside,
    read,
)
from api.errors import ProblemError, problems
from api.routes import ResourceRouter
from api.schemas import reports as s
from application.base import profile_id
from application.service import MentoringService
from domain.errors import InvalidValue, NotFound
from domain.values import canonical_uuid, require_instant
from infrastructure.api_keys import ApiKey
from projections.queries import ReadModels

router = ResourceRouter(tags=["reports"])
ERRORS = problems(401, 403, 404, 422, 503)
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=500,
                                     description="`next_cursor` of the previous page.")]
AsOf = Annotated[AwareDatetime | None, Query(
    description="Compute time-dependent figures as of this instant (default now)."),
    AfterValidator(lambda v: v if v is None else checked_instant(v))]


def checked_instant(value: datetime) -> datetime:
    try:
        return require_instant("as_of", value)
    except InvalidValue as error:
        raise ValueError(error.detail.split(": ", 1)[-1]) from None


def program_in_scope(service: MentoringService, principal: ApiKey, program_id: str) -> None:
    not_found_outside(principal, "program", program_id,
                      lambda: of_type(service, program_id, "Program"))


def of_type(service: MentoringService, aggregate_id: str, kind: str) -> str:
    """The aggregate's program, if it is a ``kind``; NotFound otherwise (cached lookups)."""
    if service.aggregate_type(aggregate_id) != kind:
        raise NotFound(f"no {kind} {aggregate_id}")
    return service.program_of(aggregate_id)


def existed_at(service: MentoringService, program_id: str, as_of: datetime | None) -> None:
    """404 for an instant before the program was created: it had no figures then."""
    if as_of is not None:
        try:
            service.program(program_id, as_of=as_of)
        except NotFound:
            raise ProblemError(404, "not-found", f"program {program_id} did not exist yet at "
                               f"{as_of.isoformat()}") from None


def relationship_in_scope(service: MentoringService, views: ReadModels, principal: ApiKey,
                          relationship_id: str) -> None:
    def program_of() -> str:
        summary = read(lambda: views.relationship_summary(relationship_id))
        if summary is not None:
            return str(summary["program_id"])
        # Not projected yet (or unknown): the event store has the last word.
        return of_type(service, relationship_id, "Relationship")

    not_found_outside(principal, "relationship", relationship_id, program_of)


@router.get("/v1/relationships", response_model=s.RelationshipSummaryPage, responses=ERRORS)
def list_relationships(
    principal: DashboardReader, service: ServiceDep, views: ReadModelsDep, limit: Limit = 50,
    cursor: Cursor = None, program_id: str | None = None, status: str | None = None,
    mentor_id: str | None = None, mentee_id: str | None = None,
) -> dict[str, Any]:
    """Relationships of the programs the key may see, oldest request first, filterable."""
    if program_id is not None:
        check_program_access(principal, program_id)
        program_id = canonical_uuid(program_id)
    programs = [program_id] if program_id else principal.program_ids
    page = read(lambda: views.relationship_summaries(
        programs, status=status, mentor_id=mentor_id, mentee_id=mentee_id, limit=limit,
        cursor=cursor))
    page["items"] = [{"id": item["relationship_id"], **item} for item in page["items"]]
    return page


@router.get("/v1/goals", response_model=s.GoalSummaryPage, responses=ERRORS)
def list_goals(
    principal: DashboardReader, service: ServiceDep, views: ReadModelsDep, limit: Limit = 50,
    cursor: Cursor = None, program_id: str | None = None,
    mentee_id: Annotated[str | None, Query(max_length=200)] = None,
    relationship_id: str | None = None,
    status: Annotated[Literal["open", "achieved", "abandoned"] | None, Query()] = None,
) -> dict[str, Any]:
    """Goals of the programs the key may see, in the order they were defined: a mentee's
    (`mentee_id`), a relationship's (`relationship_id`), by `status`."""
    if program_id is not None:
        check_program_access(principal, program_id)
        program_id = canonical_uuid(program_id)
    if relationship_id is not None:
        linked = relationship_id
        not_found_outside(principal, "relationship", linked,
                          lambda: of_type(service, linked, "Relationship"))
        relationship_id = canonical_uuid(linked)
    programs = [program_id] if program_id else principal.program_ids
    return read(lambda: views.goal_summaries(
        None if programs is None else list(programs), mentee_id=mentee_id, status=status,
        relationship_id=relationship_id, limit=limit, cursor=cursor))


@router.get("/v1/relationships/{relationship_id}/history", response_model=s.HistoryPage,
            responses=ERRORS)
def relationship_history(
    relationship_id: str, principal: Reader, service: ServiceDep, views: ReadModelsDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    type: Annotated[list[str] | None, Query(description="Only these event names.")] = None,
) -> dict[str, Any]:
    """The audit trail of a relationship and its goals: who did what, when, in order."""
    relationship_in_scope(service, views, principal, relationship_id)
    return read(lambda: views.audit_trail(relationship_id, limit, cursor,
                                                          types=type or ()))


@router.get("/v1/goals/{goal_id}/history", response_model=s.HistoryPage, responses=ERRORS)
def goal_history(goal_id: str, principal: Reader,
                 service: ServiceDep, views: ReadModelsDep, limit: Limit = 100,
                 cursor: Cursor = None) -> dict[str, Any]:
    """The audit trail of a goal: who defined, revised, progressed or closed it, and when."""
    not_found_outside(principal, "goal", goal_id, lambda: of_type(service, goal_id, "Goal"))
    return read(lambda: views.audit_trail(goal_id, limit, cursor))


@router.get("/v1/programs/{program_id}/history", response_model=s.HistoryPage,
            responses=ERRORS)
def program_history(program_id: str, principal: Reader, service: ServiceDep, views: ReadModelsDep,
                    limit: Limit = 100, cursor: Cursor = None) -> dict[str, Any]:
    """The audit trail of the program itself (created, updated, closed)."""
    program_in_scope(service, principal, program_id)
    return read(lambda: views.audit_trail(program_id, limit, cursor))


@router.get("/v1/relationships/{relationship_id}/history/verify",
            response_model=s.TrailVerification, responses=ERRORS)
def verify_history(relationship_id: str, principal: Reader,
                   service: ServiceDep, views: ReadModelsDep) -> dict[str, Any]:
    """Recomputes the trail's hash chains and compares every entry with its event in the
    event store; reports the first altered, missing or invented entry."""
    relationship_in_scope(service, views, principal, relationship_id)
    report = read(lambda: views.verify_trail(canonical_uuid(relationship_id), service.events))
    return {**report, "relationship_id": report["aggregate_id"]}


@router.get("/v1/goals/{goal_id}/history/verify", response_model=s.TrailVerification,
            responses=ERRORS)
def verify_goal_history(goal_id: str, principal: Reader, service: ServiceDep,
                        views: ReadModelsDep) -> dict[str, Any]:
    """The goal's trail checked as a relationship's is."""
    not_found_outside(principal, "goal", goal_id, lambda: of_type(service, goal_id, "Goal"))
    return read(lambda: views.verify_trail(canonical_uuid(goal_id), service.events))


@router.get("/v1/programs/{program_id}/history/verify", response_model=s.TrailVerification,
            responses=ERRORS)
def verify_program_history(program_id: str, principal: Reader, service: ServiceDep,
                           views: ReadModelsDep) -> dict[str, Any]:
    """The program's own trail checked as a relationship's is."""
    program_in_scope(service, principal, program_id)
    return read(lambda: views.verify_trail(canonical_uuid(program_id), service.events))


@router.get("/v1/programs/{program_id}/mentors/{person_id}/history",
            response_model=s.HistoryPage, responses=ERRORS)
def mentor_history(program_id: str, person_id: str, principal: Reader, service: ServiceDep,
                   views: ReadModelsDep, limit: Limit = 100,
                   cursor: Cursor = None) -> dict[str, Any]:
    """The audit trail of a mentor profile: registered, updated, capacity, mentees, time."""
    profile = mentor_in_scope(service, principal, program_id, person_id)
    return read(lambda: views.audit_trail(profile, limit, cursor))


@router.get("/v1/programs/{program_id}/mentors/{person_id}/history/verify",
            response_model=s.TrailVerification, responses=ERRORS)
def verify_mentor_history(program_id: str, person_id: str, principal: Reader,
                          service: ServiceDep, views: ReadModelsDep) -> dict[str, Any]:
    """The mentor profile's trail checked as a relationship's is."""
    profile = mentor_in_scope(service, principal, program_id, person_id)
    return read(lambda: views.verify_trail(profile, service.events))


def mentor_in_scope(service: MentoringService, principal: ApiKey, program_id: str,
                    person_id: str) -> str:
    """The mentor profile's id, if the key may see it (404 otherwise)."""
    profile = str(profile_id(program_id, person_id))
    not_found_outside(principal, f"mentor in program {program_id}:", person_id,
                      lambda: of_type(service, profile, "MentorProfile"))
    return profile


@router.get("/v1/programs/{program_id}/health", response_model=s.ProgramHealth,
            responses=ERRORS)
def program_health(program_id: str, principal: DashboardReader,
                   service: ServiceDep, views: ReadModelsDep,
                   as_of: AsOf = None) -> dict[str, Any]:
    """The program's dashboard as of now or `as_of`: statuses, cadence, feedback, goals,
    sessions, satisfaction, mentor load and monthly trends (definitions: docs/figures.md)."""
    program_in_scope(service, principal, program_id)
    existed_at(service, program_id, as_of)
    return read(lambda: views.program_health(program_id, as_of))


@router.get("/v1/programs/{program_id}/at-risk", response_model=s.AtRiskPage,
            responses=ERRORS)
def at_risk(program_id: str, principal: DashboardReader, service: ServiceDep, views: ReadModelsDep,
            as_of: AsOf = None, limit: Limit = 100, cursor: Cursor = None) -> dict[str, Any]:
    """Relationships at risk as of now or `as_of`, most reasons first, each reason with the
    instant it started and its figures; in pages (follow `next_cursor`)."""
    program_in_scope(service, principal, program_id)
    existed_at(service, program_id, as_of)
    return read(lambda: views.at_risk(program_id, as_of, limit=limit, cursor=cursor))


@router.get("/v1/programs/{program_id}/mentors", response_model=s.MentorDirectoryPage,
            responses=ERRORS)
def mentor_directory(program_id: str, principal: DashboardReader,
                     service: ServiceDep, views: ReadModelsDep,
                     as_of: AsOf = None, limit: Limit = 100,
                     cursor: Cursor = None) -> dict[str, Any]:
    """The program's mentors by person id: skills, capacity left and minutes left this
    month; in pages (follow `next_cursor`)."""
    program_in_scope(service, principal, program_id)
    return read(lambda: views.mentor_directory_page(
        program_id, as_of, limit=limit, cursor=cursor))


def goal_title(service: MentoringService, goal_id: str) -> str | None:
    """The goal's title (personal text, never kept in a view); None for an unknown goal."""
    try:
        return str(service.goal(goal_id)["title"])
    except NotFound:
        return None


@router.get("/v1/goals/{goal_id}/mentor-suggestions", response_model=s.MentorSuggestions,
            responses=ERRORS)
def mentor_suggestions(goal_id: str, principal: Reader, service: ServiceDep, views: ReadModelsDep,
                       as_of: AsOf = None) -> dict[str, Any]:
    """Mentors ranked for the goal by skill fit, capacity and hours left, score explained."""
    title = goal_title(service, goal_id)
    found = read(lambda: views.suggest_mentors(goal_id, as_of, title))

    def program_of() -> str:
        if found is None:
            raise NotFound(f"no goal {goal_id}")
        return str(found["program_id"])

    not_found_outside(principal, "goal", goal_id, program_of)
    assert found is not None
    return found
