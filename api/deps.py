"""Typed dependencies: the service, read models and stores, the principal, roles, scope.

Dependencies that do no blocking work are ``async``: FastAPI runs a plain ``def``
dependency in the thread pool, and those hops were a quarter of a command's CPU time.
Anything that may touch the database goes to the thread pool explicitly."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from api.errors import ProblemError
from application.service import MentoringService
from domain.base import Actor
from domain.errors import InvalidValue, NotFound
from domain.values import require_instant
from infrastructure.api_keys import ApiKey, KeyStore
from infrastructure.idempotency import IdempotencyStore
from infrastructure.sql import SqlStore
from infrastructure.webhooks import WebhookStore
from projections.queries import (
    InvalidCursor,
    PositionAhead,
    ProjectionBehind,
    ProjectionNotReady,
    ReadModels,
)

ADMIN = ("admin",)
COMMAND_ROLES = ("admin", "integration")
READ_ROLES = ("admin", "integration", "analyst")
DASHBOARD_ROLES = ("admin", "integration", "analyst", "viewer")

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <secret>`.")


@dataclass(frozen=True)
class Services:
    """What the API is given by the composition root (nothing else reaches its routes)."""

    service: MentoringService
    read_models: ReadModels
    keys: KeyStore
    idempotency: IdempotencyStore
    database: SqlStore
    webhooks: WebhookStore


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def get_service(request: Request) -> MentoringService:
    return services(request).service


async def get_plain_read_models(request: Request) -> ReadModels:
    """The read models as they are (for operations: no ``min_position``)."""
    return services(request).read_models


async def get_read_models(
    request: Request,
    min_position: Annotated[int | None, Query(
        ge=0, le=2**63 - 1,
        description="Answer only once the views read have applied every event up to this "
                    "global position (a command's `Mentoring-Position`); waits up to "
                    "`MENTORING_READ_WAIT_SECONDS`, then 503 with `Retry-After`.")] = None,
) -> ReadModels:
    views = services(request).read_models
    if not min_position:
        return views
    try:
        # Reads the log's head from the database: off the event loop.
        return await run_in_threadpool(views.at_least, min_position)
    except PositionAhead as error:
        raise ProblemError(422, "invalid-value", str(error),
                           errors=[{"field": "query.min_position", "message": str(error)}]
                           ) from None


async def get_keys(request: Request) -> KeyStore:
    return services(request).keys


async def get_database(request: Request) -> SqlStore:
    return services(request).database


async def get_webhooks(request: Request) -> WebhookStore:
    return services(request).webhooks


ServiceDep = Annotated[MentoringService, Depends(get_service)]
ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
PlainReadModelsDep = Annotated[ReadModels, Depends(get_plain_read_models)]
KeysDep = Annotated[KeyStore, Depends(get_keys)]
DatabaseDep = Annotated[SqlStore, Depends(get_database)]
WebhooksDep = Annotated[WebhookStore, Depends(get_webhooks)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None
                       ) -> ApiKey:
    """The API key of the request; 401 without one, or with an unknown or revoked one."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or not credentials.credentials:
        raise ProblemError(401, "unauthenticated", "send an API key: Authorization: Bearer <key>",
                           headers=challenge)
    keys = services(request).keys
    seen, principal = keys.recently_seen(credentials.credentials)
    if not seen:  # a database read: off the event loop
        principal = await run_in_threadpool(keys.authenticate, credentials.credentials)
    if principal is None:
        raise ProblemError(401, "unauthenticated", "unknown or revoked API key",
                           headers=challenge)
    return principal


async def get_principal(request: Request, credentials: Credentials) -> ApiKey:
    """The API key of the request (401 without a valid one)."""
    return await authenticate(request, credentials)


PrincipalDep = Annotated[ApiKey, Depends(get_principal)]


def check_role(principal: ApiKey, roles: tuple[str, ...]) -> ApiKey:
    """The principal, if it has one of ``roles``; 403 otherwise."""
    if principal.role not in roles:
        raise ProblemError(403, "forbidden",
                           f"the {principal.role} role may not do this "
                           f"(allowed: {', '.join(roles)})")
    return principal


def require_role(*roles: str) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency answering 403 unless the principal has one of ``roles``."""

    async def checked(principal: PrincipalDep) -> ApiKey:
        return check_role(principal, roles)

    return checked


async def require_unlimited_admin(
        principal: Annotated[ApiKey, Depends(require_role(*ADMIN))]) -> ApiKey:
    """403 unless an admin key not limited to programs: API keys (it could grant more than
    it has) and people's data (a person's data spans programs) are beyond any program."""
    if principal.program_ids is not None:
        raise ProblemError(403, "forbidden", "this needs an admin key that is not limited to "
                           "programs")
    return principal


Admin = Annotated[ApiKey, Depends(require_unlimited_admin)]


async def require_people_manager(
        principal: Annotated[ApiKey, Depends(require_role(*COMMAND_ROLES))]) -> ApiKey:
    """An admin or integration key not limited to programs: a person spans programs."""
    if principal.program_ids is not None:
        raise ProblemError(403, "forbidden", "this needs a key that is not limited to "
                           "programs")
    return principal


PeopleManager = Annotated[ApiKey, Depends(require_people_manager)]
Writer = Annotated[ApiKey, Depends(require_role(*COMMAND_ROLES))]
Reader = Annotated[ApiKey, Depends(require_role(*READ_ROLES))]
DashboardReader = Annotated[ApiKey, Depends(require_role(*DASHBOARD_ROLES))]


def check_program_access(principal: ApiKey, program_id: str, *,
                         detail: str | None = None) -> None:
    """404 (never 403, so ids do not leak) when the key cannot see the program."""
    if not principal.sees(program_id):
        raise ProblemError(404, "not-found", detail or f"no program {program_id}")


def not_found_outside(principal: ApiKey, what: str, resource_id: str,
                      program_of: Callable[[], str]) -> str:
    """The resource's program, with the same 404 for missing and out-of-scope resources."""
    detail = f"no {what} {resource_id}"
    try:
        program_id = program_of()
    except NotFound:
        raise ProblemError(404, "not-found", detail) from None
    check_program_access(principal, program_id, detail=detail)
    return program_id


IF_MATCH = r'^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$'


IfMatch = Annotated[str | None, Header(
    alias="If-Match", pattern=IF_MATCH,
    description='Only apply the command at this version: `"3"` (an ETag), `3` or `*`.',
)]


def expected_version(if_match: str | None) -> int | None:
    """The version the caller expects (from If-Match), or None for any."""
    if if_match is None or if_match == "*":
        return None
    return int(re.sub(r'[^0-9]', "", if_match))


IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Retrying with the same key and body returns the first response.",
)]


ON_BEHALF_OF = r"^(mentor|mentee|hr_admin):[A-Za-z0-9_.:@-]{1,200}$"
OnBehalfOf = Annotated[str | None, Header(
    alias="On-Behalf-Of", pattern=ON_BEHALF_OF,
    description="Whom the key acts for, recorded in the events and the audit trail: "
                "`mentee:<person id>`, `mentor:<person id>` (a participant of what the "
                "command changes) or `hr_admin:<person id>`.")]


@dataclass(frozen=True)
class CommandContext:
    """Who runs a command (and for whom), and at which version they expect the aggregate."""

    principal: ApiKey
    expected_version: int | None
    on_behalf_of: str | None = None

    @property
    def actor(self) -> Actor:
        """The principal, and the person it acts for (from ``On-Behalf-Of``), if any."""
        if self.on_behalf_of is None:
            return Actor(self.principal.actor)
        role, _, person = self.on_behalf_of.partition(":")
        return Actor(self.principal.actor, role, person)


# Commands solve one dependency (and the bearer scheme) instead of a tree of them: each
# node FastAPI solves costs about as much as a command's own domain logic.
async def command_context(
    request: Request,
    credentials: Credentials,
    if_match: IfMatch = None,
    on_behalf_of: OnBehalfOf = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandContext:
    """Who runs the command (an admin or integration key), for whom, at which version."""
    # The Idempotency-Key is handled by the idempotency middleware; it is declared here so
    # that it appears in the OpenAPI document of every command.
    del idempotency_key
    principal = check_role(await authenticate(request, credentials), COMMAND_ROLES)
    return CommandContext(principal, expected_version(if_match), on_behalf_of)


async def create_context(request: Request, credentials: Credentials,
                         on_behalf_of: OnBehalfOf = None,
                         idempotency_key: IdempotencyKey = None) -> CommandContext:
    """Who creates the resource (an admin or integration key), and for whom."""
    del idempotency_key
    principal = check_role(await authenticate(request, credentials), COMMAND_ROLES)
    return CommandContext(principal, None, on_behalf_of)


CommandDep = Annotated[CommandContext, Depends(command_context)]
CreatorDep = Annotated[CommandContext, Depends(create_context)]


@dataclass(frozen=True)
class TimeTravel:
    """Which state to read: now, at a version, or as of an instant."""

    version: int | None
    as_of: datetime | None


INSTANT = TypeAdapter(AwareDatetime)


def parse_instant(field: str, text: str) -> datetime:
    """An ISO-8601 instant with a timezone; 422 naming the field otherwise."""
    # An unencoded "+01:00" in a query string arrives as " 01:00": take it as meant.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text.strip())
    try:
        return require_instant(field, INSTANT.validate_python(text))
    except ValidationError as error:
        message = error.errors()[0]["msg"]
    except InvalidValue as error:
        message = error.detail.split(": ", 1)[-1]
    raise ProblemError(422, "validation", f"invalid value for {field}: {message}",
                       errors=[{"field": field, "message": message}])


async def time_travel(
    version: Annotated[int | None, Query(ge=1, le=10**12,
                                         description="Read the state at this version.")] = None,
    as_of: Annotated[str | None, Query(
        max_length=64, json_schema_extra={"format": "date-time"},
        description="Read the state as of this instant (ISO-8601 with a timezone).")] = None,
) -> TimeTravel:
    return TimeTravel(version, None if as_of is None else parse_instant("query.as_of", as_of))


TimeTravelDep = Annotated[TimeTravel, Depends(time_travel)]


def read(query: Callable[[], T]) -> T:
    """Runs a read-model query, mapping its errors to problem documents."""
    try:
        return query()
    except InvalidCursor as error:
        raise ProblemError(422, "invalid-cursor", str(error)) from None
    except ProjectionBehind as error:
        raise ProblemError(503, "projection-behind", str(error),
                           headers={"Retry-After": str(error.retry_after)}) from None
    except ProjectionNotReady as error:
        raise ProblemError(503, "projection-not-ready", str(error),
                           headers={"Retry-After": str(error.retry_after)}) from None
