"""Personal-data keys are stored wrapped by a key-encryption key that is not in the database."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from typer.testing import CliRunner

from infrastructure.key_vault import (
    KEY_CACHE_SECONDS,
    KeyEncryptionKey,
    KeyVault,
    WrongKeyEncryptionKey,
)
from infrastructure.sql import SqlStore
from mentoring.bootstrap import build_runtime, build_store
from mentoring.cli import app as cli
from mentoring.settings import Settings
from tests.application.scenario import World

AGGREGATE = uuid4()


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    built = build_store(Settings(database_url=database_url, database_pool_size=2))
    yield built
    built.close()


def raw_key(vault: KeyVault, person_id: str) -> bytes:
    """The person's data key in clear, as only this process (holding the KEK) can see it."""
    with vault.store.transaction(write=False) as cursor:
        wrapped, _ = cursor.execute("SELECT data_key, kek_id FROM personal_data_keys "
                                    "WHERE person_id = %s", (person_id,)).fetchone()
    return vault.kek.unwrap(person_id, bytes(wrapped))


def test_a_stored_key_is_wrapped_and_names_its_key_encryption_key(store: SqlStore) -> None:
    kek = KeyEncryptionKey.from_text(KeyEncryptionKey.generate())
    vault = KeyVault(store, kek)
    token = vault.seal("emp-1", AGGREGATE, "my notes")
    clear = raw_key(vault, "emp-1")
    with store.transaction(write=False) as cursor:
        wrapped, kek_id = cursor.execute("SELECT data_key, kek_id FROM personal_data_keys"
                                         ).fetchone()
    assert len(clear) == 32 and clear not in bytes(wrapped) and kek_id == kek.id
    assert KeyVault(store, kek).open("emp-1", token) == "my notes"


def test_a_process_with_another_key_encryption_key_refuses_to_start(store: SqlStore) -> None:
    KeyVault(store, KeyEncryptionKey(os.urandom(32))).seal("emp-1", AGGREGATE, "x")
    with pytest.raises(WrongKeyEncryptionKey):
        KeyVault(store, KeyEncryptionKey(os.urandom(32)))


def test_keys_stored_before_wrapping_are_wrapped_at_the_next_start(store: SqlStore) -> None:
    kek = KeyEncryptionKey(os.urandom(32))
    vault = KeyVault(store, kek)
    token = vault.seal("emp-1", AGGREGATE, "legacy")
    clear = raw_key(vault, "emp-1")
    with store.transaction() as cursor:
        cursor.execute("UPDATE personal_data_keys SET data_key = %s, kek_id = NULL", (clear,))
    assert KeyVault(store, kek).open("emp-1", token) == "legacy"
    with store.transaction(write=False) as cursor:
        assert cursor.execute("SELECT kek_id FROM personal_data_keys").fetchone()[0] == kek.id


def test_rotation_rewraps_every_key_so_the_old_one_can_be_destroyed(
        sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORING_DATABASE_URL", sqlite_url)
    settings = Settings(database_url=sqlite_url)
    runtime = build_runtime(settings)
    rel = World.open(runtime.service).request()
    hooks = runtime.webhooks()
    hooks.ensure_schema()
    hook = hooks.create(url="https://example.com/x", program_id=None, event_types=None,
                        description="", created_by="test", after_position=0)
    runtime.close()
    result = CliRunner().invoke(cli, ["keys", "rotate-kek", "--to-file",
                                      str(tmp_path / "new.kek")])
    assert result.exit_code == 0, result.output
    assert "re-wrapped 1 personal-data keys and 1 webhook secrets" in result.output
    with pytest.raises(WrongKeyEncryptionKey):  # the old key no longer opens anything
        build_runtime(settings)
    rotated = build_runtime(Settings(database_url=sqlite_url,
                                     key_encryption_key_file=tmp_path / "new.kek"))
    try:
        assert rotated.service.relationship(rel)["message"] == "Would you mentor me?"
        kept = rotated.webhooks().get(hook.id)  # the secret still signs the same
        assert kept is not None and kept.secret == hook.secret
    finally:
        rotated.close()


@pytest.mark.postgres
def test_no_erased_key_is_left_in_clear_in_postgresql_files_or_wal(
        fresh_postgres_url: str) -> None:
    runtime = build_runtime(Settings(database_url=fresh_postgres_url, database_pool_size=2))
    try:
        world = World.open(runtime.service)
        world.request("emp-erased")
        vault = runtime.events.sealer
        assert isinstance(vault, KeyVault)
        clear = raw_key(vault, "emp-erased")
        runtime.service.erase_person("emp-erased", reason="ticket-1", actor="admin")
    finally:
        runtime.close()
    with psycopg.connect(fresh_postgres_url, autocommit=True) as conn:
        conn.execute("VACUUM personal_data_keys")
        conn.execute("CHECKPOINT")
        data = Path(conn.execute("SHOW data_directory").fetchone()[0])
        table = data / conn.execute(
            "SELECT pg_relation_filepath('personal_data_keys')").fetchone()[0]
    wal = sorted((data / "pg_wal").glob("0*"), key=lambda p: p.stat().st_mtime)[-8:]
    for path in [table, *wal]:
        assert clear not in path.read_bytes(), path


def test_opening_many_reads_the_keys_once_and_says_who_was_erased(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    kek = KeyEncryptionKey.from_text(KeyEncryptionKey.generate())
    writer = KeyVault(store, kek)
    people = [f"emp-{n}" for n in range(1200)]  # more than one select's worth of keys
    sealed = [(person, writer.seal(person, AGGREGATE, f"notes of {person}")) for person in people]
    writer.destroy_key("emp-7", "erasure-1", "2026-01-01T00:00:00Z")
    reader = KeyVault(store, kek)
    sealed += [("emp-8", writer.seal("emp-8", AGGREGATE, "more")), ("nobody", sealed[0][1])]
    reads: list[str] = []
    transaction = store.transaction
    monkeypatch.setattr(store, "transaction", lambda **kw: reads.append("") or transaction(**kw))
    opened = reader.open_many(sealed)
    assert len(reads) == 3  # 1201 people, 500 a select
    assert opened == [reader.open(person, token) for person, token in sealed]
    assert len(reads) == 3  # every key cached meanwhile, the erased one too
    assert opened[7] is None and opened[-1] is None and opened[-2] == "more"
    assert opened[:3] == ["notes of emp-0", "notes of emp-1", "notes of emp-2"]
    reader.destroy_key("emp-9", "erasure-2", "2026-01-01T00:00:00Z")
    assert reader.open_many(sealed[9:10]) == [None]  # its own erasure, at once


def test_opening_many_honours_the_cache_period_of_an_erasure_elsewhere(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    kek = KeyEncryptionKey.from_text(KeyEncryptionKey.generate())
    reader, other = KeyVault(store, kek), KeyVault(store, kek)
    token = other.seal("emp-1", AGGREGATE, "text")
    assert reader.open_many([("emp-1", token)]) == ["text"]
    other.destroy_key("emp-1", "erasure-1", "2026-01-01T00:00:00Z")
    clock = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: clock + KEY_CACHE_SECONDS + 0.1)
    assert reader.open_many([("emp-1", token)]) == [None]
