"""The webhook dispatcher: delivers stored events to subscribed receivers, signed.

Each subscription is served in global order, one request per event, and its cursor
moves only after a 2xx answer: delivery is at least once, in order per aggregate, and a
receiver drops duplicates by ``webhook-id`` (``<aggregate id>:<version>``, the same on
every retry and replay). A failure (an answer that is not 2xx, a timeout, a refused
connection) stops that subscription until its retry time, ``retry_seconds`` doubled per
failure in a row (at most an hour); after ``max_failures`` in a row it is disabled until
the API enables it again. Other subscriptions are not held up by a failing one.

Only one dispatcher delivers at a time (a database lock); another one started beside it
waits as a hot standby and takes over when the first stops or dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

import httpx
import orjson

from application.integration_events import IntegrationEvent
from infrastructure.sql import SqlStore
from infrastructure.webhooks import Attempt, Subscription, WebhookStore, signed_headers
from projections.program_feed import EVERY_PROGRAM

log = logging.getLogger("workers.webhook_worker")
LOCK = "webhook-dispatcher"
MAX_RETRY_SECONDS = 3600.0
ERROR_TEXT_KEPT = 300


class EventSource(Protocol):
    """Where events come from (the application service answers this)."""

    def integration_feed(self, *, after: int, limit: int) -> list[IntegrationEvent]: ...
    def integration_feed_at(self, positions: list[int]) -> list[IntegrationEvent]: ...
    def last_position(self) -> int: ...


class ProgramIndex(Protocol):
    """Positions of programs' events (the ``program_feed`` view answers this), and the
    position up to which it is complete."""

    def program_feed(self, program_ids: Sequence[str], *, after: int,
                     limit: int) -> tuple[list[int], int]: ...


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: request timeout, first retry delay, failures before disabling."""

    timeout_seconds: float = 10.0
    retry_seconds: float = 5.0
    max_failures: int = 10
    batch_size: int = 200

    def retry_in(self, failures: int) -> float:
        """Seconds before the next attempt after ``failures`` failures in a row."""
        return float(min(self.retry_seconds * 2 ** max(failures - 1, 0), MAX_RETRY_SECONDS))


def body_of(event: IntegrationEvent) -> bytes:
    """The JSON a receiver gets: the event's public form."""
    return orjson.dumps({
        "id": event.id, "type": event.type, "subject": event.subject,
        "time": event.time.astimezone(UTC).isoformat(), "position": event.position,
        "program_id": event.program_id, "data": event.data,
    }, default=str)


class WebhookDispatcher:
    """Delivers due subscriptions' events until asked to stop."""

    def __init__(self, store: WebhookStore, source: EventSource, sql: SqlStore, *,
                 index: ProgramIndex | None = None, policy: DeliveryPolicy | None = None,
                 poll_interval: float = 0.5, client: httpx.Client | None = None) -> None:
        self.store, self.source, self.sql, self.index = store, source, sql, index
        self.policy = policy or DeliveryPolicy()
        self.poll_interval = poll_interval
        self.client = client or httpx.Client(timeout=self.policy.timeout_seconds,
                                             follow_redirects=False)
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Takes the dispatcher lock (waiting as a standby), then delivers until stopped."""
        self.store.ensure_schema()
        while not self.stopping.is_set():
            try:
                with self.sql.exclusive(LOCK, wait=False) as taken:
                    if not taken:
                        self.stopping.wait(self.poll_interval * 4)
                        continue
                    log.info("delivering webhooks")
                    while not self.stopping.is_set():
                        if not self.dispatch_once():
                            self.stopping.wait(self.poll_interval)
            except Exception:  # the database went away, say: let go of the lock, retry
                log.exception("webhook pass failed; retrying in %.1fs", self.poll_interval)
                self.stopping.wait(self.poll_interval)
        self.client.close()

    def dispatch_once(self) -> bool:
        """One pass over the due subscriptions; True if anything was delivered."""
        head = self.source.last_position()
        delivered = False
        for subscription in self.store.due(time.time(), head):
            if self.stopping.is_set():
                break
            delivered = self._deliver(subscription) or delivered
        return delivered

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)

    def start_thread(self) -> WebhookDispatcher:
        """Runs the loop in a daemon thread (embedded mode)."""
        self._thread = threading.Thread(target=self.run, name="webhooks", daemon=True)
        self._thread.start()
        return self

    def _deliver(self, subscription: Subscription) -> bool:
        """Delivers the subscription's next events in order, up to a batch; stops at the
        first failure. True if at least one was delivered."""
        events, read_past = self._next_events(subscription)
        passed, delivered = subscription.after_position, False
        for event in events:
            if self.stopping.is_set():
                break
            if not subscription.wants(event.type, event.program_id):
                passed = event.position
                continue
            if passed > subscription.after_position:
                if not self.store.advance(subscription, passed):
                    return delivered  # the API changed it meanwhile: start again next pass
                subscription = replace(subscription, after_position=passed)
            attempt = self._post(subscription, event)
            current = self.store.record(subscription, attempt,
                                        retry_in=self.policy.retry_in(subscription.failures + 1),
                                        max_failures=self.policy.max_failures)
            if not current or not attempt.succeeded:
                return delivered
            delivered, passed = True, event.position
            subscription = replace(subscription, after_position=event.position, failures=0)
        else:
            passed = max(passed, read_past)  # nothing else up to there is for this one
        if passed > subscription.after_position:
            self.store.advance(subscription, passed)
        return delivered

    def _next_events(self, subscription: Subscription) -> tuple[list[IntegrationEvent], int]:
        """The next events that may be for a subscription, in order, and the position up
        to which no other event is for it.

        A subscription for one program reads its program's positions (and erasures')
        from the ``program_feed`` index, so one program's receiver does not decode every
        other program's events to reach its own; events after the index's position are
        read in order as for every other subscription."""
        after, limit = subscription.after_position, self.policy.batch_size
        if subscription.program_id is not None and self.index is not None:
            positions, indexed = self.index.program_feed(
                [subscription.program_id, EVERY_PROGRAM], after=after, limit=limit)
            events = self.source.integration_feed_at(positions)
            if len(positions) == limit:
                return events, positions[-1]
            after = max(after, indexed)  # the index has every one of them up to here
        else:
            events = []
        scanned = self.source.integration_feed(after=after, limit=limit)
        return events + scanned, (scanned[-1].position if scanned else after)

    def _post(self, subscription: Subscription, event: IntegrationEvent) -> Attempt:
        body = body_of(event)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            with self.client.stream("POST", subscription.url, content=body,
                                    headers=signed_headers(subscription.secret, event.id,
                                                           body)) as response:
                status = response.status_code  # the body is not read: it could be huge
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:ERROR_TEXT_KEPT]
        elapsed = (time.perf_counter() - started) * 1000
        if error:
            log.warning("webhook %s: %s for %s", subscription.id, error, event.id)
        return Attempt(seq=0, message_id=event.id, position=event.position,
                       event_type=event.type, attempted_at=datetime.now(UTC),
                       succeeded=error is None, status_code=status, error=error,
                       duration_ms=round(elapsed, 3))

