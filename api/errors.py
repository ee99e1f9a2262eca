"""Every failure as ``application/problem+json`` (RFC 9457), each error mapped explicitly."""

from __future__ import annotations

import logging
import sqlite3
from http import HTTPStatus
from typing import Any

import psycopg
from eventsourcing.persistence import ConnectionUnavailableError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    DomainError,
    InvalidValue,
    NotAParticipant,
    NotFound,
    RuleViolation,
    VersionMismatch,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:mentoring:problem:"
log = logging.getLogger("api.errors")


class FieldError(BaseModel):
    """One offending field of a request."""

    field: str = Field(description="Dotted path of the field, e.g. `body.capacity`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "type": "urn:mentoring:problem:monthly-time-cap",
                "title": "Conflict",
                "status": 409,
                "detail": "2026-03: 240 min already booked, 60 more would pass the cap of 240 min",
                "instance": "/v1/relationships/8d0c.../sessions",
                "rule": "monthly-time-cap",
            }]
        }
    )

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the HTTP status.")
    status: int
    detail: str = Field(description="What went wrong, for this request.")
    instance: str | None = Field(None, description="The request path.")
    rule: str | None = Field(None, description="The domain rule or API rule that refused it.")
    errors: list[FieldError] | None = Field(None, description="Offending fields (422).")


class ProblemError(Exception):
    """Raised anywhere in the API to answer with a problem document."""

    def __init__(self, status: int, rule: str, detail: str, *,
                 errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.rule, self.detail = status, rule, detail
        self.errors, self.headers = errors, headers


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error means (most specific class first)."""
    if isinstance(error, VersionMismatch):
        return 412
    if isinstance(error, NotAParticipant):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, InvalidValue):
        return 422
    if isinstance(error, AlreadyExists | ConcurrentUpdate | RuleViolation):
        return 409
    return 409


def problem_response(status: int, rule: str, detail: str, *, instance: str | None = None,
                     errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + rule,
        "title": _title(status),
        "status": status,
        "detail": detail,
        "instance": instance,
        "rule": rule,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


async def on_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return problem_response(error.status, error.rule, error.detail, instance=request.url.path,
                            errors=error.errors, headers=error.headers)


async def on_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    errors = None
    if isinstance(error, InvalidValue):
        errors = [{"field": f"body.{error.field}", "message": error.detail}]
    return problem_response(status_of(error), error.rule, error.detail,
                            instance=request.url.path, errors=errors)


async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field_path(item.get("loc", ())), "message": str(item.get("msg", "invalid"))}
        for item in error.errors()
    ]
    fields = ", ".join(e["field"] for e in errors) or "the request"
    return problem_response(422, "validation", f"invalid value for {fields}",
                            instance=request.url.path, errors=errors)


async def on_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else _title(error.status_code)
    if error.status_code == 400:
        # FastAPI's only 400 is a body it cannot parse: that is an invalid body, as JSON errors.
        return problem_response(422, "validation", f"invalid body: {detail}",
                                instance=request.url.path,
                                errors=[{"field": "body", "message": detail}])
    rule = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http")
    return problem_response(error.status_code, rule, detail, instance=request.url.path,
                            headers=getattr(error, "headers", None))


async def on_database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # The database is down, locked too long or out of connections: retry later, not a bug.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    return problem_response(503, "database-unavailable",
                            "the database is unavailable; retry shortly",
                            instance=request.url.path, headers={"Retry-After": "1"})


async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
    # Last resort: a bug must still answer problem+json, and never leak internals.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(500, "internal", "an unexpected error occurred; it has been logged",
                            instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Maps every error the API can meet to problem+json."""
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, on_database_unavailable)
    app.add_exception_handler(Exception, on_unexpected)


DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    StoreOperationalError, ConnectionUnavailableError, psycopg.OperationalError,
    sqlite3.OperationalError,
)

DESCRIPTIONS = {
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not do this.",
    404: "No such resource (or it belongs to a program the key cannot see).",
    409: "A domain rule refused the command, or another writer changed it first.",
    412: "If-Match does not match the current version.",
    422: "A field is missing or invalid, or an Idempotency-Key was reused with another body.",
    503: "The database (or a read model) is unavailable right now; retry shortly.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route can answer."""
    return {
        status: {"model": Problem, "description": DESCRIPTIONS.get(status, _title(status))}
        for status in sorted(set(statuses))
    }
