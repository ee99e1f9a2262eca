"""API keys: random secrets stored only as SHA-256 hashes, each with a role and programs."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.values import canonical_uuid
from infrastructure.sql import SqlStore, create_table

ROLES = ("admin", "integration", "analyst", "viewer")
SECRET_PREFIX = "mk_"

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    program_ids TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""
INSERT_KEY = """
INSERT INTO api_keys (id, secret_hash, role, program_ids, created_at, revoked_at)
VALUES (%s, %s, %s, %s, %s, NULL)
ON CONFLICT (secret_hash) DO NOTHING
"""
COLUMNS = "id, role, program_ids, created_at, revoked_at"
SELECT_BY_HASH = f"SELECT {COLUMNS} FROM api_keys WHERE secret_hash = %s"
SELECT_BY_ID = f"SELECT {COLUMNS} FROM api_keys WHERE id = %s"
SELECT_PAGE = f"SELECT {COLUMNS} FROM api_keys WHERE id > %s ORDER BY id LIMIT %s"
AUTH_CACHE_SECONDS = 2.0
REVOKE = "UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL"
REINSTATE_ADMIN = """
UPDATE api_keys SET role = 'admin', program_ids = NULL, revoked_at = NULL WHERE secret_hash = %s
"""


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never its secret): who it is, what it may do, where."""

    id: str
    role: str
    program_ids: tuple[str, ...] | None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How commands made with this key are attributed in the audit trail."""
        return f"api-key:{self.id}"

    def sees(self, program_id: str) -> bool:
        """True if the key is not limited to programs, or lists this one (however spelled)."""
        return self.program_ids is None or canonical_uuid(program_id) in self.program_ids


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def hash_secret(secret: str) -> str:
    # Secrets are 32 random bytes, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _row_to_key(row: Any) -> ApiKey:
    key_id, role, program_ids, created_at, revoked_at = row
    return ApiKey(
        id=key_id,
        role=role,
        program_ids=None if program_ids is None else tuple(json.loads(program_ids)),
        created_at=datetime.fromisoformat(created_at),
        revoked_at=None if revoked_at is None else datetime.fromisoformat(revoked_at),
    )


class KeyStore:
    """Creates, finds, lists and revokes API keys in the ``api_keys`` table."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        # secret hash -> (when read, key): saves a query per request; a revocation made by
        # another process takes effect within AUTH_CACHE_SECONDS.
        self._recent: dict[str, tuple[float, ApiKey | None]] = {}
        self._recent_lock = threading.Lock()

    def ensure_schema(self) -> None:
        create_table(self.store, CREATE_TABLE)

    def create(self, role: str, program_ids: list[str] | None = None,
               secret: str | None = None) -> tuple[ApiKey, str]:
        """A new key and its secret (shown once; only the hash is kept)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        secret = secret or SECRET_PREFIX + secrets.token_urlsafe(32)
        if program_ids is not None and any(not is_uuid(p) for p in program_ids):
            raise ValueError("program ids are UUIDs")
        programs = None if program_ids is None else json.dumps(
            sorted({canonical_uuid(p) for p in program_ids}))
        key_id = uuid.uuid4().hex
        with self.store.transaction() as cursor:
            cursor.execute(INSERT_KEY, (key_id, hash_secret(secret), role, programs,
                                        datetime.now(UTC).isoformat()))
            row = cursor.execute(SELECT_BY_HASH, (hash_secret(secret),)).fetchone()
        return _row_to_key(row), secret

    def ensure_admin(self, secret: str) -> ApiKey:
        """Makes sure an unrevoked admin key with exactly this secret exists (idempotent)."""
        key, _ = self.create("admin", None, secret=secret)
        if key.role != "admin" or key.program_ids is not None or key.revoked_at is not None:
            # The operator configured this secret as the admin key: it wins over old state.
            with self.store.transaction() as cursor:
                cursor.execute(REINSTATE_ADMIN, (hash_secret(secret),))
            with self._recent_lock:
                self._recent.clear()
            key = self.authenticate(secret) or key
        return key

    def first_admin(self) -> str | None:
        """On a store that has never had an API key: creates an admin key and returns its
        secret (once; any later call, or another process starting at the same time,
        gets None)."""
        with self.store.exclusive("first-admin-key"):
            if self.page(limit=1):
                return None
            _, secret = self.create("admin")
            return secret

    def recently_seen(self, secret: str) -> tuple[bool, ApiKey | None]:
        """(True, the key or None) if this secret was looked up in the last
        AUTH_CACHE_SECONDS, else (False, None): answers without touching the database."""
        digest = hash_secret(secret)
        with self._recent_lock:
            recent = self._recent.get(digest)
        if recent is not None and time.monotonic() - recent[0] < AUTH_CACHE_SECONDS:
            return True, recent[1]
        return False, None

    def authenticate(self, secret: str) -> ApiKey | None:
        """The unrevoked key with this secret, if any."""
        seen, key = self.recently_seen(secret)
        if seen:
            return key
        digest, now = hash_secret(secret), time.monotonic()
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute(SELECT_BY_HASH, (digest,)).fetchone()
        key = None if row is None else _row_to_key(row)
        key = key if key is not None and key.revoked_at is None else None
        with self._recent_lock:
            if len(self._recent) > 10_000:
                self._recent.clear()
            self._recent[digest] = (now, key)
        return key

    def get(self, key_id: str) -> ApiKey | None:
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute(SELECT_BY_ID, (key_id,)).fetchone()
        return None if row is None else _row_to_key(row)

    def page(self, after: str = "", limit: int = 100) -> list[ApiKey]:
        """Keys ordered by id, after the given id."""
        with self.store.transaction(write=False) as cursor:
            rows = cursor.execute(SELECT_PAGE, (after, limit)).fetchall()
        return [_row_to_key(row) for row in rows]

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revokes a key (revoking twice keeps the first time); None if there is no such key."""
        with self._recent_lock:
            self._recent.clear()  # this process stops accepting it at once
        with self.store.transaction() as cursor:
            cursor.execute(REVOKE, (datetime.now(UTC).isoformat(), key_id))
        return self.get(key_id)
