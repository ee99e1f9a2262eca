"""Operations: liveness, readiness (database reachable) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from api.deps import DatabaseDep, PlainReadModelsDep, ServiceDep
from api.errors import ProblemError, problems
from api.routes import ResourceRouter
from infrastructure.kafka import relay_positions

router = ResourceRouter(tags=["ops"])
log = logging.getLogger("api.ops")


class Health(BaseModel):
    status: str


class ProjectionState(BaseModel):
    position: int
    lag: int = Field(description="Events stored but not applied yet.")
    parked: int = Field(description="Events the view could not apply and stepped over.")


class RelayState(BaseModel):
    position: int = Field(description="Last position the broker acknowledged.")
    lag: int = Field(description="Positions stored but not yet on the topic.")


class Readiness(BaseModel):
    status: str = Field(description="`ready`, or `degraded` when a view stepped over events "
                                    "(see `mentoring project --status`).")
    database: str
    last_position: int
    projections: dict[str, ProjectionState] = Field(default_factory=dict)
    relays: dict[str, RelayState] = Field(default_factory=dict, description=(
        "Kafka relay per topic (none if no relay ever ran against this database)."))


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    """Where a person opening the service's address starts: the admin web page (it asks
    for a key first); the API's interactive docs are at /docs."""
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (it does not touch the database)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problems(503))
def readyz(database: DatabaseDep, service: ServiceDep,
           views: PlainReadModelsDep) -> Readiness:
    """The database answers: the service can take traffic (each view's lag and parked
    events are reported; a view that stepped over events makes the status `degraded`)."""
    try:
        database.ping()
        position = service.last_position()
        rows = views.positions()
        relays = {row["topic"]: RelayState(position=row["position"],
                                           lag=max(position - row["position"], 0))
                  for row in relay_positions(database)}
    except Exception as error:  # any driver error means "not ready"
        log.warning("readiness check failed: %s", error)
        raise ProblemError(503, "database-unreachable", "the database does not answer") from None
    projections = {row["name"]: ProjectionState(position=row["position"], lag=row["lag"],
                                                parked=row["parked"]) for row in rows}
    degraded = any(state.parked for state in projections.values())
    return Readiness(status="degraded" if degraded else "ready", database=database.kind,
                     last_position=position, projections=projections, relays=relays)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                     "description": "Prometheus text exposition format."}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, latencies, events appended, projection positions and lag."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
