"""The projection worker: follows the event store and keeps read models up to date.

On PostgreSQL it LISTENs on the event store's NOTIFY channel (the ``eventsourcing``
recorder notifies on every insert) and also polls every ``poll_interval`` seconds, so a
lost notification delays it by at most that much. On SQLite it polls. A stop request
(SIGTERM, SIGINT, or ``stop()``) lets the current batch commit, then the loop ends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from projections.runner import ProjectionRunner

log = logging.getLogger("workers.projection_worker")


@dataclass(frozen=True)
class Listener:
    """Where to LISTEN for new events: a PostgreSQL DSN and the event store's channel."""

    dsn: str
    channel: str

    def connect(self) -> psycopg.Connection[Any]:
        connection = psycopg.connect(self.dsn, autocommit=True)
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        log.info("listening on channel %s", self.channel)
        return connection


class ProjectionWorker:
    """Runs a projection runner's read models until asked to stop."""

    def __init__(self, runner: ProjectionRunner, *, poll_interval: float = 1.0,
                 listener: Listener | None = None) -> None:
        self.runner, self.poll_interval, self.listener = runner, poll_interval, listener
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Catches up, then follows new events until ``stop()``."""
        self.runner.setup()
        connection = None
        while not self.stopping.is_set():
            try:
                if self.listener is not None and connection is None:
                    connection = self.listener.connect()
                if not self.runner.catch_up_all(self.stopping):
                    self._wait(connection)  # nothing new in this pass: sleep until woken
            except Exception:  # the database went away, say: keep trying, slowly
                log.exception("projection pass failed; retrying in %.1fs", self.poll_interval)
                connection = self._close(connection)
                self.stopping.wait(self.poll_interval)
        self._close(connection)

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

    def _wait(self, connection: psycopg.Connection[Any] | None) -> None:
        """Until a notification, the poll interval, or a stop request."""
        if connection is None:
            self.stopping.wait(self.poll_interval)
            return
        # Wakes on the first notification; the others of a burst are drained with it.
        for _ in connection.notifies(timeout=self.poll_interval, stop_after=1):
            pass

    @staticmethod
    def _close(connection: psycopg.Connection[Any] | None) -> None:
        if connection is not None:
            try:
                connection.close()
            except psycopg.Error:
                log.debug("closing the listener failed", exc_info=True)
        return None
