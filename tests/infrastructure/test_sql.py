"""The SQL store names a missing table by type, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.sql import SqlStore, TableMissing
from mentoring.bootstrap import build_store
from mentoring.settings import Settings


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    built = build_store(Settings(database_url=database_url, database_pool_size=2))
    yield built
    built.close()


def test_a_missing_table_is_reported_as_table_missing(store: SqlStore) -> None:
    with pytest.raises(TableMissing), store.transaction(write=False) as cursor:
        cursor.execute("SELECT * FROM no_such_view_v1")


def test_other_errors_stay_what_they_are(store: SqlStore) -> None:
    with pytest.raises(Exception) as raised, store.transaction(write=False) as cursor:
        cursor.execute("SELEKT 1")
    assert not isinstance(raised.value, TableMissing)


@pytest.mark.postgres
def test_a_statement_past_the_timeout_is_cancelled(fresh_postgres_url: str) -> None:
    import psycopg

    from infrastructure.database import parse_database_url

    dsn = parse_database_url(fresh_postgres_url).postgres_dsn
    store = SqlStore(postgres_dsn=dsn, pool_size=1, statement_timeout=0.2)
    try:
        with pytest.raises(psycopg.errors.QueryCanceled), store.transaction() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        store.ping()  # the connection is fine afterwards
    finally:
        store.close()
