"""The key vault behind crypto-shredding: one AES-256-GCM key per person, in its own table.

Erasing a person deletes their key: every sealed field about them becomes
unreadable for good, while the events themselves stay untouched.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infrastructure.shredding import SEALED_PREFIX
from infrastructure.sql import SqlStore

KEY_CACHE_SECONDS = 5.0  # how long another process may still open an erased person's data

CREATE_KEYS = """
CREATE TABLE IF NOT EXISTS personal_data_keys (
    person_id TEXT PRIMARY KEY,
    data_key {blob} NOT NULL,
    created_at TEXT NOT NULL
)"""
CREATE_INDEX = """
CREATE TABLE IF NOT EXISTS personal_data_index (
    person_id TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    PRIMARY KEY (person_id, aggregate_id)
)"""
CREATE_ERASURES = """
CREATE TABLE IF NOT EXISTS personal_data_erasures (
    erasure_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    erased_at TEXT NOT NULL
)"""
INSERT_KEY = ("INSERT INTO personal_data_keys (person_id, data_key, created_at) "
              "VALUES (%s, %s, %s) ON CONFLICT (person_id) DO NOTHING")
SELECT_KEY = "SELECT data_key FROM personal_data_keys WHERE person_id = %s"
DELETE_KEY = "DELETE FROM personal_data_keys WHERE person_id = %s"
INSERT_INDEX = ("INSERT INTO personal_data_index (person_id, aggregate_id) VALUES (%s, %s) "
                "ON CONFLICT (person_id, aggregate_id) DO NOTHING")
SELECT_INDEX = "SELECT aggregate_id FROM personal_data_index WHERE person_id = %s ORDER BY 1"
INSERT_ERASURE = ("INSERT INTO personal_data_erasures (erasure_id, person_id, erased_at) "
                  "VALUES (%s, %s, %s)")
SELECT_ERASURES = ("SELECT erasure_id, erased_at FROM personal_data_erasures "
                   "WHERE person_id = %s ORDER BY erased_at")


def seal_with(key: AESGCM, person_id: str, plaintext: str) -> str:
    """AES-256-GCM with a fresh nonce; the person id is bound as associated data."""
    nonce = os.urandom(12)
    sealed = key.encrypt(nonce, plaintext.encode(), person_id.encode())
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def open_with(key: AESGCM, person_id: str, token: str) -> str | None:
    """The sealed text, or None if it was sealed under another (since erased) key."""
    raw = base64.b64decode(token[len(SEALED_PREFIX):])
    try:
        return key.decrypt(raw[:12], raw[12:], person_id.encode()).decode()
    except InvalidTag:
        return None


class KeyVault:
    """Seals and opens personal text with per-person keys stored beside the events."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        blob = "BLOB" if store.kind == "sqlite" else "BYTEA"
        with store.transaction() as cursor:
            for statement in (CREATE_KEYS.format(blob=blob), CREATE_INDEX, CREATE_ERASURES):
                cursor.execute(statement)
        self._keys: dict[str, tuple[float, AESGCM | None]] = {}
        self._indexed: set[tuple[str, UUID]] = set()
        self._lock = threading.Lock()

    def seal(self, person_id: str, aggregate_id: UUID, plaintext: str) -> str:
        """Encrypts text about a person; the person id is bound as associated data."""
        key = self._key(person_id, create=True)
        assert key is not None
        self.index(person_id, aggregate_id)
        return seal_with(key, person_id, plaintext)

    def open(self, person_id: str, token: str) -> str | None:
        """Decrypts, or None once the person's key is gone."""
        key = self._key(person_id, create=False)
        return None if key is None else open_with(key, person_id, token)

    def has_key(self, person_id: str) -> bool:
        return self._key(person_id, create=False, cached=False) is not None

    def aggregates_of(self, person_id: str) -> list[str]:
        """Ids of the aggregates holding personal data about the person."""
        with self.store.transaction(write=False) as cursor:
            return [row[0] for row in cursor.execute(SELECT_INDEX, (person_id,)).fetchall()]

    def erasures_of(self, person_id: str) -> list[tuple[str, str]]:
        with self.store.transaction(write=False) as cursor:
            return [tuple(row) for row in cursor.execute(SELECT_ERASURES, (person_id,)).fetchall()]

    def destroy_key(self, person_id: str, erasure_id: str, erased_at: str) -> None:
        """Deletes the key for good and logs the erasure, in one transaction."""
        with self.store.transaction() as cursor:
            cursor.execute(DELETE_KEY, (person_id,))
            cursor.execute(INSERT_ERASURE, (erasure_id, person_id, erased_at))
        with self._lock:
            self._keys[person_id] = (time.monotonic(), None)
        self.store.checkpoint()  # SQLite: no copy of the key left in the write-ahead log

    def _key(self, person_id: str, *, create: bool, cached: bool = True) -> AESGCM | None:
        now = time.monotonic()
        with self._lock:
            hit = self._keys.get(person_id)
        if cached and hit and now - hit[0] < KEY_CACHE_SECONDS and (hit[1] or not create):
            return hit[1]
        with self.store.transaction(write=False) as cursor:
            row = cursor.execute(SELECT_KEY, (person_id,)).fetchone()
        if row is None and create:
            with self.store.transaction() as cursor:
                cursor.execute(INSERT_KEY, (person_id, AESGCM.generate_key(bit_length=256),
                                            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
                row = cursor.execute(SELECT_KEY, (person_id,)).fetchone()
        key = AESGCM(bytes(row[0])) if row else None
        with self._lock:
            self._keys[person_id] = (now, key)
        return key

    def index(self, person_id: str, aggregate_id: UUID) -> None:
        """Remembers that an aggregate holds data about a person (for subject access)."""
        if (person_id, aggregate_id) in self._indexed:
            return
        with self.store.transaction() as cursor:
            cursor.execute(INSERT_INDEX, (person_id, str(aggregate_id)))
        self._indexed.add((person_id, aggregate_id))


class MemoryKeyVault:
    """The same vault in memory, for the in-memory event store (tests, throwaway runs)."""

    def __init__(self) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._index: dict[str, set[str]] = {}
        self._erasures: dict[str, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def seal(self, person_id: str, aggregate_id: UUID, plaintext: str) -> str:
        with self._lock:
            key = self._keys.setdefault(person_id, AESGCM(AESGCM.generate_key(bit_length=256)))
        self.index(person_id, aggregate_id)
        return seal_with(key, person_id, plaintext)

    def open(self, person_id: str, token: str) -> str | None:
        key = self._keys.get(person_id)
        return None if key is None else open_with(key, person_id, token)

    def index(self, person_id: str, aggregate_id: UUID) -> None:
        with self._lock:
            self._index.setdefault(person_id, set()).add(str(aggregate_id))

    def has_key(self, person_id: str) -> bool:
        return person_id in self._keys

    def aggregates_of(self, person_id: str) -> list[str]:
        return sorted(self._index.get(person_id, ()))

    def erasures_of(self, person_id: str) -> list[tuple[str, str]]:
        return list(self._erasures.get(person_id, ()))

    def destroy_key(self, person_id: str, erasure_id: str, erased_at: str) -> None:
        with self._lock:
            self._keys.pop(person_id, None)
            self._erasures.setdefault(person_id, []).append((erasure_id, erased_at))
