"""The test harness's own fixtures work against the real stores."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.support import postgres


@pytest.mark.postgres
def test_fresh_postgres_database_exists_during_the_test_and_is_dropped_after(
    postgres_server_url: str,
) -> None:
    with postgres.fresh_database(postgres_server_url) as url:
        dbname = urlsplit(url).path.lstrip("/")
        assert dbname.startswith(f"mentoring_test_{postgres.worker_id()}_")
        assert postgres.database_exists(postgres_server_url, dbname)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE probe (id int PRIMARY KEY)")
            conn.execute("INSERT INTO probe VALUES (1)")
            row = conn.execute("SELECT current_database(), count(*) FROM probe").fetchone()
        assert row == (dbname, 1)
    assert not postgres.database_exists(postgres_server_url, dbname)


def test_sqlite_url_points_into_tmp_path(sqlite_url: str, tmp_path: Path) -> None:
    assert sqlite_url.startswith("sqlite:///")
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    assert path.is_absolute()
    assert path.parent == tmp_path
    assert not path.exists()


def test_database_url_yields_each_kind(database_url: str, request: pytest.FixtureRequest) -> None:
    kind = request.node.callspec.id
    if kind == "sqlite":
        assert database_url.startswith("sqlite:///")
        assert Path(database_url.removeprefix("sqlite:///")).parent.is_dir()
    else:
        assert kind == "postgres"
        assert request.node.get_closest_marker("postgres") is not None
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None
        assert row[0].startswith("mentoring_test_")
