"""The admin web page: server-rendered HTML over the public API's own handlers.

Each page calls the same route functions the ``/v1`` API serves (so it reads only what the
API reads, with the same role and program-scope checks), then renders the answer. The
API key given at log-in lives in an HttpOnly, SameSite=Strict cookie scoped to
``/dashboard``; every request authenticates it again, so revoking the key logs out.
Tables and forms work without JavaScript; the page script only adds live refresh and a
timeline slider that updates without reloading."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.dashboard import charts
from api.deps import (
    DASHBOARD_ROLES,
    READ_ROLES,
    Services,
    TimeTravel,
    parse_instant,
    services,
)
from api.errors import ProblemError, status_of
from api.routes import goals, programs, relationships, reports
from domain.errors import DomainError
from infrastructure.api_keys import ApiKey
from projections.risk_rules import CODES

T = TypeVar("T")
HERE = Path(__file__).parent
COOKIE = "mentoring_session"
PREFIX = "/dashboard"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_KEY_LENGTH = 200
ROLE_NOTE = {
    "viewer": "viewer: program health, at-risk list and mentor directory",
    "analyst": "analyst: every page, read-only",
    "integration": "integration: every page of its programs",
    "admin": "admin: every page",
}

router = APIRouter(prefix=PREFIX, include_in_schema=False)
templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                        autoescape=select_autoescape(default=True), trim_blocks=True,
                        lstrip_blocks=True)


def when(value: Any) -> str:
    """An instant as people read it: ``2026-11-25 07:57 UTC``."""
    if value in (None, ""):
        return "—"
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def percent(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f} %"


def number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.{digits}f}"


def humanise(code: str) -> str:
    return code.replace("_", " ")


ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


def figure(value: Any) -> str:
    """A reason's figure: instants and numbers as people read them, lists counted."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list | tuple):
        return f"{len(value)}"
    if isinstance(value, str) and ISO_INSTANT.match(value):
        return when(value)
    return str(value)


templates.filters.update(when=when, percent=percent, number=number, humanise=humanise,
                         figure=figure)


class LoginNeeded(Exception):
    """No valid session: go to the log-in form (pages) or answer 401 (data)."""


def principal_of(request: Request) -> ApiKey:
    """The key of the session cookie, re-checked at every request (revocation logs out)."""
    secret = request.cookies.get(COOKIE, "")
    if not secret or len(secret) > MAX_KEY_LENGTH:
        raise LoginNeeded
    key = services(request).keys.authenticate(secret)
    if key is None or key.role not in DASHBOARD_ROLES:
        raise LoginNeeded
    return key


def page(request: Request, template: str, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    html = templates.get_template(template).render(request=request, prefix=PREFIX, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def problem_page(request: Request, principal: ApiKey | None, status: int,
                 detail: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 422: "Not understood",
              503: "Not ready yet"}
    return page(request, "problem.html", status, principal=principal,
                title=titles.get(status, "Something went wrong"), detail=detail, status=status)


def guarded(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Runs a page: log-in redirect without a session, the API's errors as pages."""

    def run(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            principal = principal_of(request)
        except LoginNeeded:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{PREFIX}/login?next={urllib.parse.quote(target)}", 303)
        try:
            return handler(request, principal, *args, **kwargs)
        except ProblemError as error:
            return problem_page(request, principal, error.status, error.detail)
        except DomainError as error:
            return problem_page(request, principal, status_of(error), error.detail)

    return run


def allowed(principal: ApiKey, roles: tuple[str, ...]) -> None:
    if principal.role not in roles:
        raise ProblemError(403, "forbidden", f"the {principal.role} role may not open this "
                           f"page (allowed: {', '.join(roles)})")


def instant_or_none(field: str, text: str | None) -> datetime | None:
    """A picker's value (``2026-03-01T12:00``, taken as UTC) or an ISO-8601 instant."""
    if not text:
        return None
    if len(text) <= 16 and "T" in text and "+" not in text and not text.endswith("Z"):
        text += ":00+00:00"
    return parse_instant(field, text)


Views = Annotated[Services, Depends(services)]


# ---- session ---------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request, next: str = PREFIX) -> Response:
    # Any ``next`` is taken: one that is not a short path of this page falls back to it.
    try:
        principal_of(request)
        return RedirectResponse(safe_next(next), 303)
    except LoginNeeded:
        return page(request, "login.html", principal=None, next=safe_next(next), error=None)


def safe_next(target: str) -> str:
    """Only a path of this page after log-in: never another site."""
    safe = (target.startswith(PREFIX) and "//" not in target and "\\" not in target
            and target.isprintable() and len(target) <= 500)
    return target if safe else PREFIX


@router.post("/login")
async def log_in(request: Request) -> Response:
    body = await request.body()
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    secret = (form.get("api_key") or [""])[0].strip()
    target = safe_next((form.get("next") or [PREFIX])[0])
    key = None
    if secret and len(secret) <= MAX_KEY_LENGTH and secret.isprintable():
        key = await run_in_threadpool(services(request).keys.authenticate, secret)
    if key is None or key.role not in DASHBOARD_ROLES:
        error = ("unknown or revoked API key" if key is None else
                 f"the {key.role} role may not use the dashboard")
        return page(request, "login.html", 401, principal=None, next=target, error=error)
    response = RedirectResponse(target, 303, headers=SECURITY_HEADERS)
    response.set_cookie(COOKIE, secret, httponly=True, samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def log_out() -> Response:
    response = RedirectResponse(f"{PREFIX}/login", 303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


@router.get("/position")
def position(request: Request, views: Views) -> Response:
    """How far the views have got (the page script polls it to refresh when it moves)."""
    try:
        principal_of(request)
    except LoginNeeded:
        return JSONResponse({"detail": "log in first"}, 401, headers=SECURITY_HEADERS)
    return JSONResponse({"position": views_position(views)}, headers=SECURITY_HEADERS)


def views_position(views: Services) -> int:
    """The lowest position the views have applied: every page shows at least that."""
    return min((p["position"] for p in views.read_models.positions()), default=0)


# ---- pages -----------------------------------------------------------------------------

@router.get("")
def programs_page(request: Request, views: Views,
                  cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    def render(request: Request, principal: ApiKey) -> Response:
        found = programs.list_programs(principal, views.service, views.read_models, limit=50,
                                       cursor=cursor, external_id=None)
        return page(request, "programs.html", principal=principal, programs=found["items"],
                    next_cursor=found["next_cursor"], position=views_position(views),
                    role_note=ROLE_NOTE[principal.role])

    return guarded(render)(request)


@router.get("/programs/{program_id}")
def program_page(request: Request, program_id: str, views: Views,
                 as_of: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    def render(request: Request, principal: ApiKey) -> Response:
        instant = instant_or_none("as_of", as_of)
        health = reports.program_health(program_id, principal, views.service,
                                        views.read_models, instant)
        risky = reports.at_risk(program_id, principal, views.service, views.read_models,
                                instant, limit=10, cursor=None)
        program = views.service.program(health["program_id"])
        return page(request, "program.html", principal=principal, program=program,
                    health=health, at_risk=risky, as_of=instant,
                    charts=health_charts(health), position=views_position(views),
                    can_read=principal.role in READ_ROLES)

    return guarded(render)(request)


@router.get("/programs/{program_id}/at-risk")
def at_risk_page(request: Request, program_id: str, views: Views,
                 as_of: Annotated[str | None, Query(max_length=64)] = None,
                 cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    def render(request: Request, principal: ApiKey) -> Response:
        instant = instant_or_none("as_of", as_of)
        risky = reports.at_risk(program_id, principal, views.service, views.read_models,
                                instant, limit=100, cursor=cursor)
        program = views.service.program(risky["program_id"])
        counts = {code: 0 for code in CODES}
        for item in risky["items"]:
            for reason in item["reasons"]:
                counts[reason["code"]] += 1
        return page(request, "at_risk.html", principal=principal, program=program,
                    at_risk=risky, as_of=instant, counts=counts,
                    position=views_position(views), can_read=principal.role in READ_ROLES)

    return guarded(render)(request)


@router.get("/programs/{program_id}/mentors")
def mentors_page(request: Request, program_id: str, views: Views,
                 cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    def render(request: Request, principal: ApiKey) -> Response:
        directory = reports.mentor_directory(program_id, principal, views.service,
                                             views.read_models, None, limit=100,
                                             cursor=cursor)
        program = views.service.program(program_id)
        return page(request, "mentors.html", principal=principal, program=program,
                    mentors=directory["items"], next_cursor=directory["next_cursor"],
                    meter=charts.meter, position=views_position(views))

    return guarded(render)(request)


@router.get("/relationships/{relationship_id}")
def relationship_page(request: Request, relationship_id: str, views: Views,
                      version: Annotated[int | None, Query(ge=1, le=10**12)] = None,
                      as_of: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    def render(request: Request, principal: ApiKey) -> Response:
        allowed(principal, READ_ROLES)
        service, models = views.service, views.read_models
        current = relationships.read_relationship(
            relationship_id, principal, service, TimeTravel(None, None), Response())
        instant = instant_or_none("as_of", as_of)
        shown = current if version is None and instant is None else \
            relationships.read_relationship(relationship_id, principal, service,
                                            TimeTravel(version, instant), Response())
        trail = reports.relationship_history(current["id"], principal, service, models,
                                             limit=1000, cursor=None, type=None)
        verification = reports.verify_history(current["id"], principal, service, models)
        goal_list = reports.list_goals(principal, service, models, limit=100, cursor=None,
                                       program_id=None, mentee_id=None,
                                       relationship_id=current["id"], status=None)
        goal_pages = []
        for summary in goal_list["items"]:
            goal = goals.read_goal(summary["id"], principal, service, TimeTravel(None, None),
                                   Response())
            revisions = [entry for entry in reports.goal_history(
                summary["id"], principal, service, models, limit=1000,
                cursor=None)["items"] if entry["type"] == "Revised"]
            goal_pages.append({"goal": goal, "revisions": revisions})
        return page(request, "relationship.html", principal=principal, current=current,
                    shown=shown, trail=trail["items"], verification=verification,
                    goals=goal_pages, version=shown["version"], as_of=instant,
                    position=views_position(views))

    return guarded(render)(request)


# ---- charts of the health page ---------------------------------------------------------

def health_charts(health: dict[str, Any]) -> dict[str, Any]:
    """The program page's charts, from the health answer's monthly series."""
    monthly = health["monthly"]
    months = [m["month"] for m in monthly]

    def column(name: str) -> list[float | None]:
        return [m[name] for m in monthly]

    S = charts.Series
    utilisation = health["mentor_utilisation"]
    return {
        "relationships": charts.bar_chart(
            "Relationships by status at the end of each month", months,
            [S(status, [m["by_status"][status] for m in monthly])
             for status in health["relationships_by_status"]],
            y_title="relationships", stacked=True),
        "flows": charts.bar_chart(
            "Relationships requested, connected and ended each month", months,
            [S("requested", column("requested")), S("connected", column("connected")),
             S("concluded", column("concluded")),
             S("declined or withdrawn", [m["declined"] + m["withdrawn"] for m in monthly])],
            y_title="relationships"),
        "sessions": charts.bar_chart(
            "Sessions and feedback each month", months,
            [S("sessions held", column("sessions_held")),
             S("sessions missed or cancelled",
               [m["sessions_missed"] + m["sessions_cancelled"] for m in monthly]),
             S("feedback given", column("feedback"))],
            y_title="count"),
        "goals": charts.bar_chart(
            "Goals defined and closed each month", months,
            [S("defined", column("goals_defined")), S("achieved", column("goals_achieved")),
             S("abandoned", column("goals_abandoned"))], y_title="goals"),
        "satisfaction": charts.line_chart(
            "Average review satisfaction each month (1 to 5)", months,
            [S("average satisfaction", column("average_satisfaction"))],
            y_title="satisfaction (1-5)", top=5),
        "cadence": charts.meter(
            "Cadence adherence", health["cadence_adherence"]["sessions_held"],
            health["cadence_adherence"]["sessions_expected"], "sessions expected"),
        "goal_completion": charts.meter(
            "Goals achieved of goals closed", health["goal_completion"]["achieved"],
            health["goal_completion"]["achieved"] + health["goal_completion"]["abandoned"],
            "goals closed"),
        "mentees": charts.meter(
            "Active mentees of mentor capacity", utilisation["active_mentees"],
            utilisation["capacity"], "places"),
        "minutes": charts.meter(
            f"Minutes held in {utilisation['month']} of mentors' monthly minutes",
            utilisation["minutes_held"], utilisation["monthly_minutes"], "minutes"),
    }
