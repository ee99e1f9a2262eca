"""The projection worker: follows the event store and keeps read models up to date.

On PostgreSQL it LISTENs on the event store's NOTIFY channel (the ``eventsourcing``
recorder notifies on every insert) and also polls every ``poll_interval`` seconds, so a
lost notification delays it by at most that much. On SQLite it polls. A stop request
(SIGTERM, SIGINT, or ``stop()``) lets the current batch commit, then the loop ends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from infrastructure.database import parse_database_url
from mentoring.bootstrap import Container
from projections.base import ReadModel
from projections.runner import ProjectionRunner

log = logging.getLogger("workers.projection_worker")


class ProjectionWorker:
    """Runs read models until asked to stop."""

    def __init__(self, container: Container, models: Sequence[ReadModel], *,
                 poll_interval: float = 1.0, listen: bool = True,
                 batch_size: int = 2000) -> None:
        self.container, self.poll_interval = container, poll_interval
        self.runner = ProjectionRunner(container.service, container.store, models,
                                       batch_size=batch_size)
        self.listen = listen and container.store.kind == "postgres"
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Catches up, then follows new events until ``stop()``."""
        self.runner.setup()
        listener = None
        while not self.stopping.is_set():
            try:
                if self.listen and listener is None:
                    listener = self._listen()
                if not self.runner.catch_up_all(self.stopping):
                    self._wait(listener)  # nothing new in this pass: sleep until woken
            except Exception:  # the database went away, say: keep trying, slowly
                log.exception("projection pass failed; retrying in %.1fs", self.poll_interval)
                listener = self._close(listener)
                self.stopping.wait(self.poll_interval)
        self._close(listener)

    def stop(self) -> None:
        """Asks the loop to end after the current batch; waits for a background thread."""
        self.stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)

    def start_thread(self) -> ProjectionWorker:
        """Runs the loop in a daemon thread (embedded mode)."""
        self._thread = threading.Thread(target=self.run, name="projections", daemon=True)
        self._thread.start()
        return self

    # ---- waking up ----------------------------------------------------------

    def _listen(self) -> psycopg.Connection[Any] | None:
        channel = getattr(self.container.service.recorder, "channel_name", None)
        dsn = parse_database_url(self.container.settings.database_url).postgres_dsn
        if not channel or not dsn:
            return None
        connection = psycopg.connect(dsn, autocommit=True)
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        log.info("listening on channel %s", channel)
        return connection

    def _wait(self, listener: psycopg.Connection[Any] | None) -> None:
        """Until a notification, the poll interval, or a stop request."""
        if listener is None:
            self.stopping.wait(self.poll_interval)
            return
        # Wakes on the first notification; the others of a burst are drained with it.
        for _ in listener.notifies(timeout=self.poll_interval, stop_after=1):
            pass

    @staticmethod
    def _close(listener: psycopg.Connection[Any] | None) -> None:
        if listener is not None:
            try:
                listener.close()
            except psycopg.Error:
                log.debug("closing the listener failed", exc_info=True)
        return None
