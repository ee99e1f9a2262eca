"""Builds the application service from settings: the one place that wires persistence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from application.service import MentoringService
from infrastructure.database import parse_database_url
from infrastructure.key_vault import KeyVault
from infrastructure.sql import SqlStore
from mentoring.settings import Settings
from projections.queries import ReadModels


def build_service(settings: Settings, store: SqlStore | None = None) -> MentoringService:
    """The application service on the configured event store, sealing personal data."""
    database = parse_database_url(settings.database_url, settings.database_pool_size)
    if database.sqlite_path and database.sqlite_path != ":memory:":
        Path(database.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    vault = KeyVault(store or build_store(settings))
    return MentoringService(env=database.env, vault=vault)


def build_store(settings: Settings) -> SqlStore:
    """SQL access to the event store's database, for views, API keys and idempotency."""
    database = parse_database_url(settings.database_url, settings.database_pool_size)
    return SqlStore(sqlite_path=database.sqlite_path, postgres_dsn=database.postgres_dsn,
                    pool_size=settings.database_pool_size)


@dataclass
class Container:
    """Everything a process needs, built once from settings (API, workers and CLI alike)."""

    settings: Settings
    service: MentoringService
    store: SqlStore

    def close(self) -> None:
        self.stop_embedded_projections()
        self.service.close()
        self.store.close()

    @cached_property
    def read_models(self) -> ReadModels:
        """Queries over the projections' view tables (never a replay of events)."""
        from projections.catalog import READ_MODELS
        from projections.runner import ProjectionRunner

        runner = ProjectionRunner(self.service, self.store, READ_MODELS)
        return ReadModels(self.store, setup=runner.setup)

    def start_embedded_projections(self, poll_interval: float = 0.2) -> Any:
        """Runs every projection in a background thread of this process (embedded mode)."""
        from projections.catalog import READ_MODELS
        from workers.projection_worker import ProjectionWorker

        if self.__dict__.get("_projections") is None:
            worker = ProjectionWorker(self, READ_MODELS, poll_interval=poll_interval,
                                      listen=False)
            self.__dict__["_projections"] = worker.start_thread()
        return self.__dict__["_projections"]

    def stop_embedded_projections(self) -> None:
        """Stops the background projections after their current batch (if they run)."""
        worker = self.__dict__.pop("_projections", None)
        if worker is not None:
            worker.stop()


def build_container(settings: Settings) -> Container:
    """Wires the service and SQL store for one process."""
    store = build_store(settings)
    return Container(settings=settings, service=build_service(settings, store), store=store)
