"""The API as an application factory, for ``mentoring serve --workers N``: each worker
process builds its own parts from the same ``MENTORING_*`` settings."""

from __future__ import annotations

from fastapi import FastAPI

from api.http_protocol import ProblemHttpProtocol
from mentoring.bootstrap import build_runtime, freeze_start_up
from mentoring.settings import Settings


def create() -> FastAPI:
    """One worker process's API (its own connection pool, cache and committer)."""
    settings = Settings()
    ProblemHttpProtocol.header_timeout = settings.http_header_timeout_seconds
    runtime = build_runtime(settings)
    app = runtime.api()
    app.router.add_event_handler("shutdown", runtime.close)
    freeze_start_up()
    return app
