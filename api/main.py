"""The FastAPI application, built from the parts it is given (never at import time)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api.dashboard import pages as dashboard
from api.deps import Services
from api.errors import PROBLEM_JSON, install_error_handlers
from api.guards import DEFAULT_MAX_BODY, RequestGuard
from api.idempotency import IdempotencyMiddleware
from api.metrics import Metrics, MetricsMiddleware
from api.routes import (
    api_keys,
    events,
    external_ids,
    goals,
    mentors,
    ops,
    people,
    programs,
    relationships,
    reports,
    webhooks,
)
from application.service import MentoringService
from infrastructure.api_keys import KeyStore
from infrastructure.idempotency import IdempotencyStore
from infrastructure.sql import SqlStore
from infrastructure.webhooks import WebhookStore
from projections.queries import ReadModels

DESCRIPTION = """
Event-sourced mentoring: programs, mentors, relationships and goals, with time travel,
an audit trail and a global ordered event feed.

* **Auth**: `Authorization: Bearer <API key>`; roles `admin`, `integration`, `analyst`,
  `viewer`; keys may be limited to programs (other programs' resources answer 404).
* **Errors**: `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail`
  and, for refused commands, the domain `rule`.
* **Concurrency**: every read and command answers an `ETag` (the aggregate version);
  commands accept `If-Match` (412 on mismatch).
* **Idempotency**: send `Idempotency-Key` on commands; a retry replays the first response.
"""

TAGS = [
    {"name": "programs", "description": "Programs: the scope of everything else."},
    {"name": "mentors", "description": "Mentor profiles in a program."},
    {"name": "relationships", "description": "Mentoring relationships and all their commands."},
    {"name": "goals", "description": "Mentees' goals."},
    {"name": "events", "description": "The global ordered event feed."},
    {"name": "webhooks", "description": "Signed HTTP delivery of events (admin, integration)."},
    {"name": "api-keys", "description": "API keys (admin only)."},
    {"name": "personal data", "description": "Erasure and subject access (admin only)."},
    {"name": "ops", "description": "Health, readiness and Prometheus metrics."},
]


def create_app(service: MentoringService, read_models: ReadModels, keys: KeyStore,
               idempotency: IdempotencyStore, database: SqlStore,
               webhook_store: WebhookStore, *,
               bootstrap_admin_key: str | None = None,
               max_body_bytes: int = DEFAULT_MAX_BODY) -> FastAPI:
    """The HTTP API over these parts; creates its tables and the bootstrap admin key."""
    keys.ensure_schema()
    idempotency.ensure_schema()
    webhook_store.ensure_schema()
    if bootstrap_admin_key:
        keys.ensure_admin(bootstrap_admin_key)
    app = FastAPI(title="Mentoring service API", version="1.0.0", description=DESCRIPTION,
                  openapi_tags=TAGS)
    app.state.services = Services(service, read_models, keys, idempotency, database,
                                  webhook_store)
    app.state.metrics = Metrics(service, read_models)
    install_error_handlers(app)
    routers = [module.router for module in
               (programs, mentors, relationships, goals, reports, events, webhooks, api_keys,
                people, external_ids, ops)]
    for router in routers:
        app.include_router(router)
    app.include_router(dashboard.router)
    app.mount(f"{dashboard.PREFIX}/static", StaticFiles(directory=dashboard.HERE / "static"),
              name="dashboard-static")
    app.add_middleware(IdempotencyMiddleware, store=idempotency, keys=keys)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics,
                       routes=[route for router in routers for route in router.routes])
    # Outermost: nothing oversized or with control characters reaches anything else.
    app.add_middleware(RequestGuard, max_body=max_body_bytes)
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    return app


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with error responses typed ``application/problem+json``."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        app.openapi_schema = schema
    return app.openapi_schema
