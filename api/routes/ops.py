"""Operations: liveness, readiness (database reachable) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from api.deps import DatabaseDep, ServiceDep
from api.errors import ProblemError, problems

router = APIRouter(tags=["ops"])
log = logging.getLogger("api.ops")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    last_position: int


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (it does not touch the database)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problems(503))
def readyz(database: DatabaseDep, service: ServiceDep) -> Readiness:
    """The database answers: the service can take traffic."""
    try:
        database.ping()
        position = service.last_position()
    except Exception as error:  # any driver error means "not ready"
        log.warning("readiness check failed: %s", error)
        raise ProblemError(503, "database-unreachable", "the database does not answer") from None
    return Readiness(status="ready", database=database.kind, last_position=position)


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
