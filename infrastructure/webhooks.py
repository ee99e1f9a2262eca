"""Webhook subscriptions and their delivery log, beside the event store.

A subscription is a receiver URL for one program (or every program), with optional
event-type filters, a signing secret and a cursor: the global position up to which
events have been delivered (or passed over by the filters). The dispatcher
(``workers/webhook_worker.py``) moves the cursor only after the receiver answered 2xx,
so delivery is at least once, in global order (hence in order per aggregate).

Signing follows the Standard Webhooks specification: the secret is ``whsec_`` + base64
of 32 random bytes; each request carries ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``. Secrets
are kept wrapped by the key-encryption key (as personal-data keys are), never in clear.

Every change the API makes (enable, disable, replay) bumps the subscription's
``generation``; the dispatcher's updates name the generation they were decided on, so a
replay asked for during a delivery is never overwritten by that delivery's cursor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag

from domain.values import canonical_uuid
from infrastructure.sql import SqlStore, create_table

SECRET_PREFIX = "whsec_"
DELIVERY_LOG_KEPT = 1000  # attempts kept per subscription (the oldest are dropped)

CREATE_SUBSCRIPTIONS = """
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id TEXT PRIMARY KEY,
    program_id TEXT,
    url TEXT NOT NULL,
    event_types TEXT,
    description TEXT NOT NULL,
    wrapped_secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    after_position BIGINT NOT NULL,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT,
    failures INTEGER NOT NULL,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    attempts BIGINT NOT NULL,
    generation BIGINT NOT NULL
)
"""
CREATE_DELIVERIES = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    subscription_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    succeeded INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (subscription_id, seq)
)
"""
COLUMNS = ("id, program_id, url, event_types, description, wrapped_secret, created_by, "
           "created_at, after_position, enabled, disabled_reason, failures, next_attempt_at, "
           "attempts, generation")
DELIVERY_COLUMNS = ("seq, message_id, position, event_type, attempted_at, succeeded, "
                    "status_code, error, duration_ms")


class SecretWrapper(Protocol):
    """Wraps and unwraps small secrets under a context (the key-encryption key does)."""

    def wrap(self, person_id: str, data_key: bytes) -> bytes: ...
    def unwrap(self, person_id: str, wrapped: bytes) -> bytes: ...


@dataclass(frozen=True)
class Subscription:
    """A receiver and what it wants; ``after_position`` is where delivery stands."""

    id: str
    program_id: str | None
    url: str
    event_types: tuple[str, ...] | None
    description: str
    created_by: str
    created_at: datetime
    after_position: int
    enabled: bool
    disabled_reason: str | None
    failures: int
    next_attempt_at: float
    attempts: int
    generation: int
    secret: str

    def wants(self, event_type: str, program_id: str | None) -> bool:
        """Whether an event of this type and program is for this receiver. Events of no
        program (a person's erasure) go to every receiver, so that each can erase too."""
        if self.program_id is not None and program_id is not None \
                and program_id != self.program_id:
            return False
        return self.event_types is None or any(matches(pattern, event_type)
                                               for pattern in self.event_types)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt, as the delivery log keeps it."""

    seq: int
    message_id: str
    position: int
    event_type: str
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: float


def matches(pattern: str, event_type: str) -> bool:
    """``mentoring.relationship.*`` matches every relationship event; else exact names."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of a body, per Standard Webhooks."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, body: bytes,
                   timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers (and the content type) for one request."""
    when = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": message_id, "webhook-timestamp": str(when),
            "webhook-signature": signature(secret, message_id, when, body),
            "content-type": "application/json"}


class WebhookStore:
    """Subscriptions, cursors and the delivery log in the service's database."""

    def __init__(self, store: SqlStore, wrapper: SecretWrapper) -> None:
        self.store, self.wrapper = store, wrapper

    def ensure_schema(self) -> None:
        create_table(self.store, CREATE_SUBSCRIPTIONS)
        create_table(self.store, CREATE_DELIVERIES)

    # -- what the API does ---------------------------------------------------------------

    def create(self, *, url: str, program_id: str | None, event_types: Sequence[str] | None,
               description: str, created_by: str, after_position: int) -> Subscription:
        """A new, enabled subscription; its secret is in the answer (show it once)."""
        subscription_id = str(uuid.uuid4())
        secret = new_secret()
        wrapped = base64.b64encode(self.wrapper.wrap(self._context(subscription_id),
                                                     secret.encode())).decode("ascii")
        types = None if event_types is None else json.dumps(sorted(set(event_types)))
        program = None if program_id is None else canonical_uuid(program_id)
        with self.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO webhook_subscriptions ({COLUMNS}) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, 1, NULL, 0, 0, 0, 0)",
                (subscription_id, program, url, types, description, wrapped, created_by,
                 datetime.now(UTC).isoformat(), after_position))
        found = self.get(subscription_id)
        assert found is not None
        return found

    def get(self, subscription_id: str) -> Subscription | None:
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute(f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = %s",
                                 (subscription_id,)).fetchone()
        return None if row is None else self._subscription(row)

    def page(self, *, programs: Sequence[str] | None, after: str = "",
             limit: int = 100) -> list[Subscription]:
        """Subscriptions ordered by id; only those of ``programs`` unless it is None."""
        where = "id > %s"
        params: list[Any] = [after]
        if programs is not None:
            if not programs:
                return []
            where += f" AND program_id IN ({', '.join(['%s'] * len(programs))})"
            params += list(programs)
        with self.store.transaction(write=False) as cursor:
            rows = cursor.execute(f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE {where} "
                                  f"ORDER BY id LIMIT {int(limit)}", params).fetchall()
        return [self._subscription(row) for row in rows]

    def delete(self, subscription_id: str) -> bool:
        """Removes a subscription and its delivery log; False if there was none."""
        with self.store.transaction() as cursor:
            cursor.execute("DELETE FROM webhook_deliveries WHERE subscription_id = %s",
                           (subscription_id,))
            cursor.execute("DELETE FROM webhook_subscriptions WHERE id = %s",
                           (subscription_id,))
            return cursor.rowcount > 0

    def enable(self, subscription_id: str) -> Subscription | None:
        """Delivery starts again at once, from where it stopped, with a clean slate."""
        return self._change(subscription_id, "enabled = 1, disabled_reason = NULL, "
                                             "failures = 0, next_attempt_at = 0")

    def disable(self, subscription_id: str, reason: str) -> Subscription | None:
        return self._change(subscription_id, "enabled = 0, disabled_reason = %s", reason)

    def replay(self, subscription_id: str, after_position: int) -> Subscription | None:
        """Delivery goes on from the event after ``after_position`` (back or forward)."""
        return self._change(subscription_id,
                            "after_position = %s, failures = 0, next_attempt_at = 0",
                            after_position)

    def deliveries(self, subscription_id: str, *, before: int | None = None,
                   limit: int = 100) -> list[Attempt]:
        """The newest attempts first (``before``: a ``seq`` of the previous page)."""
        where = "subscription_id = %s"
        params: list[Any] = [subscription_id]
        if before is not None:
            where += " AND seq < %s"
            params.append(before)
        with self.store.transaction(write=False) as cursor:
            rows = cursor.execute(f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries "
                                  f"WHERE {where} ORDER BY seq DESC LIMIT {int(limit)}",
                                  params).fetchall()
        return [Attempt(seq=int(r[0]), message_id=r[1], position=int(r[2]), event_type=r[3],
                        attempted_at=datetime.fromisoformat(r[4]), succeeded=bool(r[5]),
                        status_code=r[6], error=r[7], duration_ms=float(r[8])) for r in rows]

    # -- what the dispatcher does --------------------------------------------------------

    def due(self, now: float, head: int) -> list[Subscription]:
        """Enabled subscriptions with events to deliver whose retry time has come."""
        with self.store.transaction(write=False) as cursor:
            rows = cursor.execute(
                f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE enabled = 1 "
                "AND next_attempt_at <= %s AND after_position < %s ORDER BY id",
                (now, head)).fetchall()
        return [self._subscription(row) for row in rows]

    def advance(self, subscription: Subscription, position: int) -> bool:
        """Moves the cursor over events the filters passed over; False if the API changed
        the subscription meanwhile (its answer stands)."""
        with self.store.transaction() as cursor:
            cursor.execute("UPDATE webhook_subscriptions SET after_position = %s "
                           "WHERE id = %s AND generation = %s AND after_position < %s",
                           (position, subscription.id, subscription.generation, position))
            return cursor.rowcount > 0

    def record(self, subscription: Subscription, attempt: Attempt, *, retry_in: float,
               max_failures: int) -> bool:
        """Logs an attempt and moves the cursor (success) or counts a failure, schedules
        the retry, and disables the subscription after ``max_failures`` in a row. False if
        the API changed the subscription meanwhile (only the log entry is kept)."""
        with self.store.transaction() as cursor:
            row = cursor.execute(
                "SELECT attempts, failures, generation FROM webhook_subscriptions "
                "WHERE id = %s", (subscription.id,)).fetchone()
            if row is None:
                return False  # deleted meanwhile
            seq, failures, generation = int(row[0]) + 1, int(row[1]), int(row[2])
            cursor.execute(
                f"INSERT INTO webhook_deliveries (subscription_id, {DELIVERY_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (subscription.id, seq, attempt.message_id, attempt.position,
                 attempt.event_type, attempt.attempted_at.isoformat(), int(attempt.succeeded),
                 attempt.status_code, attempt.error, attempt.duration_ms))
            cursor.execute("DELETE FROM webhook_deliveries WHERE subscription_id = %s "
                           "AND seq <= %s", (subscription.id, seq - DELIVERY_LOG_KEPT))
            cursor.execute("UPDATE webhook_subscriptions SET attempts = %s WHERE id = %s",
                           (seq, subscription.id))
            if generation != subscription.generation:
                return False
            if attempt.succeeded:
                cursor.execute("UPDATE webhook_subscriptions SET after_position = %s, "
                               "failures = 0, next_attempt_at = 0 WHERE id = %s",
                               (attempt.position, subscription.id))
                return True
            failures += 1
            if failures >= max_failures:
                reason = (f"disabled after {failures} failed attempts in a row; last: "
                          f"{attempt.error or f'HTTP {attempt.status_code}'}")
                cursor.execute("UPDATE webhook_subscriptions SET failures = %s, enabled = 0, "
                               "disabled_reason = %s, generation = generation + 1 "
                               "WHERE id = %s", (failures, reason[:500], subscription.id))
            else:
                cursor.execute("UPDATE webhook_subscriptions SET failures = %s, "
                               "next_attempt_at = %s WHERE id = %s",
                               (failures, time.time() + retry_in, subscription.id))
            return True

    def rewrap(self, new: SecretWrapper) -> int:
        """Wraps every secret with a new key-encryption key (``keys rotate-kek``); secrets
        the new key wraps already (a rotation that stopped half-way) are left alone."""
        count = 0
        with self.store.transaction() as cursor:
            rows = cursor.execute("SELECT id, wrapped_secret FROM webhook_subscriptions"
                                  ).fetchall()
            for subscription_id, wrapped in rows:
                context, sealed = self._context(subscription_id), base64.b64decode(wrapped)
                try:
                    new.unwrap(context, sealed)
                    continue
                except InvalidTag:
                    secret = self.wrapper.unwrap(context, sealed)
                cursor.execute("UPDATE webhook_subscriptions SET wrapped_secret = %s "
                               "WHERE id = %s", (base64.b64encode(new.wrap(context, secret))
                                                 .decode("ascii"), subscription_id))
                count += 1
        self.wrapper = new
        return count

    # -- helpers -------------------------------------------------------------------------

    def _change(self, subscription_id: str, assignments: str, *params: Any
                ) -> Subscription | None:
        with self.store.transaction() as cursor:
            cursor.execute(f"UPDATE webhook_subscriptions SET {assignments}, "
                           "generation = generation + 1 WHERE id = %s",
                           (*params, subscription_id))
        return self.get(subscription_id)

    @staticmethod
    def _context(subscription_id: str) -> str:
        return f"webhook-subscription:{subscription_id}"

    def _subscription(self, row: Sequence[Any]) -> Subscription:
        (subscription_id, program_id, url, types, description, wrapped, created_by,
         created_at, after_position, enabled, disabled_reason, failures, next_attempt_at,
         attempts, generation) = row
        secret = self.wrapper.unwrap(self._context(subscription_id),
                                     base64.b64decode(wrapped)).decode()
        return Subscription(
            id=subscription_id, program_id=program_id, url=url,
            event_types=None if types is None else tuple(json.loads(types)),
            description=description, created_by=created_by,
            created_at=datetime.fromisoformat(created_at), after_position=int(after_position),
            enabled=bool(enabled), disabled_reason=disabled_reason, failures=int(failures),
            next_attempt_at=float(next_attempt_at), attempts=int(attempts),
            generation=int(generation), secret=secret)
