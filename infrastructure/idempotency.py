"""The ``idempotency_keys`` table: a claim per (principal, key), then the stored response.

The key is claimed with an INSERT (unique on principal + key) before the command runs, so
two concurrent requests can never both run it; the response is stored after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from infrastructure.sql import SqlStore, create_table

# A claim with no response this long after it was made belongs to a crashed process.
ABANDONED_AFTER = timedelta(minutes=5)

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    principal_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    headers TEXT,
    body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (principal_id, key)
)
"""
CLAIM = """
INSERT INTO idempotency_keys (principal_id, key, fingerprint, created_at)
VALUES (%s, %s, %s, %s) ON CONFLICT (principal_id, key) DO NOTHING
"""
SELECT = """
SELECT fingerprint, status, headers, body, created_at FROM idempotency_keys
WHERE principal_id = %s AND key = %s
"""
TAKE_OVER = """
UPDATE idempotency_keys SET fingerprint = %s, created_at = %s
WHERE principal_id = %s AND key = %s AND status IS NULL AND created_at = %s
"""
COMPLETE = """
UPDATE idempotency_keys SET status = %s, headers = %s, body = %s
WHERE principal_id = %s AND key = %s
"""
RELEASE = "DELETE FROM idempotency_keys WHERE principal_id = %s AND key = %s AND status IS NULL"
CREATE_INDEX = ("CREATE INDEX IF NOT EXISTS idempotency_keys_created "
                "ON idempotency_keys (created_at)")
EXPIRE_ONE = "DELETE FROM idempotency_keys WHERE principal_id = %s AND key = %s AND created_at < %s"
PURGE = "DELETE FROM idempotency_keys WHERE created_at < %s"
PURGE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Claim:
    """What claiming a key found: ``claimed``, ``replay``, ``mismatch`` or ``in-flight``."""

    outcome: str
    status: int = 0
    headers: list[list[str]] | None = None
    body: str = ""


class IdempotencyStore:
    """The ``idempotency_keys`` table: claims, stored responses, releases."""

    def __init__(self, store: SqlStore, *, ttl: float = 86_400) -> None:
        self.store, self.ttl = store, timedelta(seconds=ttl)
        self._purged_at = datetime.min.replace(tzinfo=UTC)

    def ensure_schema(self) -> None:
        create_table(self.store, CREATE_TABLE)
        create_table(self.store, CREATE_INDEX)

    def claim(self, principal_id: str, key: str, fingerprint: str) -> Claim:
        """Claims the key for this request, or says what an earlier request left there."""
        now = datetime.now(UTC)
        if now - self._purged_at > PURGE_EVERY:
            self.purge(now)
        with self.store.transaction() as cursor:
            # A record older than the time to live is forgotten, even if not purged yet.
            cursor.execute(EXPIRE_ONE, (principal_id, key, (now - self.ttl).isoformat()))
            if cursor.execute(CLAIM, (principal_id, key, fingerprint, now.isoformat())).rowcount:
                return Claim("claimed")
            row = cursor.execute(SELECT, (principal_id, key)).fetchone()
            if row is None:  # released between our INSERT and SELECT: the caller may retry
                return Claim("in-flight")
            stored_fingerprint, status, headers, body, created_at = row
            if stored_fingerprint != fingerprint:
                return Claim("mismatch")
            if status is not None:
                return Claim("replay", int(status), json.loads(headers), body)
            if now - datetime.fromisoformat(created_at) > ABANDONED_AFTER:
                taken = cursor.execute(TAKE_OVER, (fingerprint, now.isoformat(), principal_id,
                                                   key, created_at)).rowcount
                return Claim("claimed" if taken else "in-flight")
            return Claim("in-flight")

    def complete(self, principal_id: str, key: str, status: int, headers: list[list[str]],
                 body: str) -> None:
        with self.store.transaction() as cursor:
            cursor.execute(COMPLETE, (status, json.dumps(headers), body, principal_id, key))

    def release(self, principal_id: str, key: str) -> None:
        with self.store.transaction() as cursor:
            cursor.execute(RELEASE, (principal_id, key))

    def purge(self, now: datetime | None = None) -> int:
        """Deletes every record older than the time to live; returns how many."""
        now = now or datetime.now(UTC)
        self._purged_at = now
        with self.store.transaction() as cursor:
            return cursor.execute(PURGE, ((now - self.ttl).isoformat(),)).rowcount


