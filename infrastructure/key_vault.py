"""The key vault behind crypto-shredding: one AES-256-GCM key per person, in its own table.

Erasing a person deletes their key: every sealed field about them becomes
unreadable for good, while the events themselves stay untouched.

Each person's key is stored wrapped (AES-256-GCM) by a key-encryption key that is
not in the database (``KeyEncryptionKey``, from the environment or a file): copies of a
deleted row left in table files, the write-ahead log or backups hold only the wrapped
key, useless once the key-encryption key of that time is rotated away and destroyed
(``mentoring keys rotate-kek``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
import time
from collections.abc import Sequence
from typing import Any
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
    created_at TEXT NOT NULL,
    kek_id TEXT
)"""
# Tables made before keys were wrapped get the column that says which key wraps them.
ADD_KEK_ID = "ALTER TABLE personal_data_keys ADD COLUMN kek_id TEXT"
SELECT_LEGACY = "SELECT person_id, data_key FROM personal_data_keys WHERE kek_id IS NULL"
SELECT_KEK_IDS = "SELECT DISTINCT kek_id FROM personal_data_keys"
SELECT_WRAPPED = "SELECT person_id, data_key, kek_id FROM personal_data_keys"
REWRAP = "UPDATE personal_data_keys SET data_key = %s, kek_id = %s WHERE person_id = %s"
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
INSERT_KEY = ("INSERT INTO personal_data_keys (person_id, data_key, created_at, kek_id) "
              "VALUES (%s, %s, %s, %s) ON CONFLICT (person_id) DO NOTHING")
SELECT_KEY = "SELECT data_key, kek_id FROM personal_data_keys WHERE person_id = %s"
SELECT_KEYS = ("SELECT person_id, data_key, kek_id FROM personal_data_keys "
               "WHERE person_id IN ({marks})")
KEYS_PER_SELECT = 500  # well under SQLite's limit on parameters per statement
DELETE_KEY = "DELETE FROM personal_data_keys WHERE person_id = %s"
INSERT_INDEX = ("INSERT INTO personal_data_index (person_id, aggregate_id) VALUES (%s, %s) "
                "ON CONFLICT (person_id, aggregate_id) DO NOTHING")
SELECT_INDEX = "SELECT aggregate_id FROM personal_data_index WHERE person_id = %s ORDER BY 1"
INSERT_ERASURE = ("INSERT INTO personal_data_erasures (erasure_id, person_id, erased_at) "
                  "VALUES (%s, %s, %s)")
SELECT_ERASURES = ("SELECT erasure_id, erased_at FROM personal_data_erasures "
                   "WHERE person_id = %s ORDER BY erased_at")


class WrongKeyEncryptionKey(RuntimeError):
    """The stored keys are wrapped by another key-encryption key than this process has."""


class KeyEncryptionKey:
    """The key that wraps every person's key; it never goes into the database."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("a key-encryption key is 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(secret)
        self.id = hashlib.sha256(b"mentoring-kek:" + secret).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> KeyEncryptionKey:
        """From its base64 form (what ``generate`` writes)."""
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except (ValueError, binascii.Error):
            raise ValueError("a key-encryption key is base64 of 32 random bytes") from None

    @staticmethod
    def generate() -> str:
        """A new key, in its base64 form."""
        return base64.b64encode(os.urandom(32)).decode()

    def wrap(self, person_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data_key, person_id.encode())

    def unwrap(self, person_id: str, wrapped: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:12], wrapped[12:], person_id.encode())


def seal_with(key: AESGCM, person_id: str, plaintext: str) -> str:
    """AES-256-GCM with a fresh nonce; the person id is bound as associated data."""
    nonce = os.urandom(12)
    sealed = key.encrypt(nonce, plaintext.encode(), person_id.encode())
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def open_with(key: AESGCM, person_id: str, token: str) -> str | None:
    """The sealed text, or None if it was sealed under another (since erased) key."""
    raw = binascii.a2b_base64(token[len(SEALED_PREFIX):])  # b64decode's own step, direct
    try:
        return key.decrypt(raw[:12], raw[12:], person_id.encode()).decode()
    except InvalidTag:
        return None


class KeyVault:
    """Seals and opens personal text with per-person keys stored beside the events."""

    def __init__(self, store: SqlStore, kek: KeyEncryptionKey) -> None:
        self.store, self.kek = store, kek
        blob = "BLOB" if store.kind == "sqlite" else "BYTEA"
        with store.transaction() as cursor:
            for statement in (CREATE_KEYS.format(blob=blob), CREATE_INDEX, CREATE_ERASURES):
                cursor.execute(statement)
        self._wrap_legacy_keys()
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

    def open_many(self, sealed: Sequence[tuple[str, str]]) -> list[str | None]:
        """``open`` of many (person, token) pairs; the keys not cached are read in one
        query (an export opens tens of thousands of fields of thousands of people)."""
        keys = self._keys_of({person_id for person_id, _ in sealed})
        return [None if (key := keys[person_id]) is None else open_with(key, person_id, token)
                for person_id, token in sealed]

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
            fresh = AESGCM.generate_key(bit_length=256)
            with self.store.transaction() as cursor:
                cursor.execute(INSERT_KEY, (person_id, self.kek.wrap(person_id, fresh),
                                            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                            self.kek.id))
                row = cursor.execute(SELECT_KEY, (person_id,)).fetchone()
        key = AESGCM(self._unwrap(person_id, row)) if row else None
        with self._lock:
            self._keys[person_id] = (now, key)
        return key

    def _keys_of(self, person_ids: set[str]) -> dict[str, AESGCM | None]:
        """Each person's key (None once erased), from the cache while it is fresh (as
        ``_key``), else read in bulk and cached."""
        now = time.monotonic()
        keys: dict[str, AESGCM | None] = {}
        with self._lock:
            for person_id in person_ids:
                hit = self._keys.get(person_id)
                if hit and now - hit[0] < KEY_CACHE_SECONDS:
                    keys[person_id] = hit[1]
        missing = sorted(person_ids - keys.keys())
        for start in range(0, len(missing), KEYS_PER_SELECT):
            some = missing[start:start + KEYS_PER_SELECT]
            with self.store.transaction(write=False) as cursor:
                rows = cursor.execute(SELECT_KEYS.format(marks=", ".join(["%s"] * len(some))),
                                      some).fetchall()
            stored = {person_id: (wrapped, kek_id) for person_id, wrapped, kek_id in rows}
            fresh = {person_id: AESGCM(self._unwrap(person_id, stored[person_id]))
                     if person_id in stored else None for person_id in some}
            with self._lock:
                self._keys.update((person_id, (now, key)) for person_id, key in fresh.items())
            keys.update(fresh)
        return keys

    def _unwrap(self, person_id: str, row: Any) -> bytes:
        wrapped, kek_id = bytes(row[0]), row[1]
        if kek_id != self.kek.id:
            raise WrongKeyEncryptionKey(
                f"personal-data keys are wrapped by key-encryption key {kek_id}, this process "
                f"has {self.kek.id}: configure MENTORING_KEY_ENCRYPTION_KEY(_FILE) as the "
                "other processes, or finish `mentoring keys rotate-kek`")
        return self.kek.unwrap(person_id, wrapped)

    def _wrap_legacy_keys(self) -> None:
        """Wraps keys stored before wrapping existed (once, on the first start after), and
        refuses to start with another key-encryption key than the stored keys'."""
        with self.store.transaction() as cursor:
            if "kek_id" not in self._columns(cursor):
                cursor.execute(ADD_KEK_ID)
            others = [kek for (kek,) in cursor.execute(SELECT_KEK_IDS).fetchall()
                      if kek not in (None, self.kek.id)]
            if others:
                raise WrongKeyEncryptionKey(
                    f"personal-data keys are wrapped by key-encryption key {others[0]}, this "
                    f"process has {self.kek.id}: give it the same key as the other processes")
            for person_id, raw in cursor.execute(SELECT_LEGACY).fetchall():
                cursor.execute(REWRAP, (self.kek.wrap(person_id, bytes(raw)), self.kek.id,
                                        person_id))

    def _columns(self, cursor: Any) -> list[str]:
        if self.store.kind == "sqlite":
            return [row[1] for row in
                    cursor.execute("PRAGMA table_info(personal_data_keys)").fetchall()]
        cursor.execute("SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = 'personal_data_keys' "
                       "AND table_schema = current_schema()")
        return [row[0] for row in cursor.fetchall()]

    def rewrap(self, new: KeyEncryptionKey) -> int:
        """Re-wraps every live key with a new key-encryption key, in one transaction;
        returns how many. This process keeps the new key afterwards."""
        with self.store.transaction() as cursor:
            rows = cursor.execute(SELECT_WRAPPED).fetchall()
            for person_id, wrapped, kek_id in rows:
                data_key = self._unwrap(person_id, (wrapped, kek_id))
                cursor.execute(REWRAP, (new.wrap(person_id, data_key), new.id, person_id))
        self.kek = new
        with self._lock:
            self._keys.clear()
        return len(rows)

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

    def open_many(self, sealed: Sequence[tuple[str, str]]) -> list[str | None]:
        return [self.open(person_id, token) for person_id, token in sealed]

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
