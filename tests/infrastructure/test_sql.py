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
