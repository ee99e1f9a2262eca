"""A small SQL store over SQLite or PostgreSQL for tables beside the event store.

SQL is written once with ``%s`` placeholders; for SQLite they become ``?``.
"""

from __future__ import annotations

import fcntl
import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

CONNECT_TIMEOUT = 5.0


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    @property
    def rowcount(self) -> int: ...


# The database is down, out of connections or locked: retry later, nothing is wrong with
# the data. (Every other error of a statement is about what it was asked to do.)
UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg.OperationalError, psycopg.InterfaceError, sqlite3.OperationalError, PoolTimeout,
    ConnectionError,
)


class TableMissing(RuntimeError):
    """A statement named a table that does not exist (not created yet, or dropped)."""


@contextmanager
def missing_tables_named() -> Iterator[None]:
    """Turns each driver's "no such table" into ``TableMissing``, so callers catch a type."""
    try:
        yield
    except (psycopg.errors.UndefinedTable, sqlite3.OperationalError) as error:
        if isinstance(error, sqlite3.OperationalError) and not str(error).startswith(
                "no such table"):
            raise
        raise TableMissing(str(error)) from error


class SqlStore:
    """Transactions on the same database as the events (``kind`` is sqlite or postgres)."""

    def __init__(self, *, sqlite_path: str | None = None, postgres_dsn: str | None = None,
                 pool_size: int = 5, statement_timeout: float | None = None) -> None:
        if (sqlite_path is None) == (postgres_dsn is None):
            raise ValueError("give exactly one of sqlite_path and postgres_dsn")
        self.kind = "sqlite" if sqlite_path else "postgres"
        self._sqlite_path, self._postgres_dsn = sqlite_path, postgres_dsn
        self._local = threading.local()
        self._pool: ConnectionPool | None = None
        if postgres_dsn:
            options: dict[str, object] = {"autocommit": False}
            if statement_timeout:
                # No statement of a request may hold a connection longer than this.
                options["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
            # check: a connection that died with the server (an outage, a restart) is
            # replaced before it is handed out, so the first request after recovery works.
            self._pool = ConnectionPool(postgres_dsn, min_size=1, max_size=pool_size,
                                        open=True, timeout=CONNECT_TIMEOUT, kwargs=options,
                                        check=ConnectionPool.check_connection)
            try:
                self._pool.wait(timeout=CONNECT_TIMEOUT)
            except PoolTimeout:
                self._pool.close()
                where = postgres_dsn.rsplit("@", 1)[-1]
                raise ConnectionError(
                    f"PostgreSQL at {where} did not answer within {CONNECT_TIMEOUT:g} s"
                ) from None

    def sql(self, statement: str) -> str:
        """The statement in this database's placeholder style."""
        return statement.replace("%s", "?") if self.kind == "sqlite" else statement

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[TranslatingCursor]:
        """One transaction: committed when the block ends, rolled back on error."""
        if self._pool is not None:
            with self._pool.connection() as conn, conn.cursor() as cursor:
                yield TranslatingCursor(cursor, self)
            return
        lite = self._sqlite()
        lite.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield TranslatingCursor(lite.cursor(), self)
        except BaseException:
            lite.execute("ROLLBACK")
            raise
        lite.execute("COMMIT")

    @contextmanager
    def exclusive(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        """Holds a lock named ``name`` across processes while the block runs; yields whether
        it was taken (always, when ``wait``). PostgreSQL: a session advisory lock on a
        connection of its own (released if the process dies); SQLite: a file lock beside
        the database."""
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        if self._postgres_dsn is not None:
            with psycopg.connect(self._postgres_dsn, autocommit=True,
                                 connect_timeout=int(CONNECT_TIMEOUT)) as conn:
                if wait:
                    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
                    taken = True
                else:
                    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                    taken = bool(row and row[0])
                yield taken  # closing the connection releases the lock
            return
        assert self._sqlite_path is not None
        path = Path(f"{self._sqlite_path}.{name}.lock")
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
            except BlockingIOError:
                taken = False
            try:
                yield taken
            finally:
                if taken:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self._sqlite_path is not None
            conn = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA secure_delete=ON")  # erased keys leave no bytes behind
            self._local.conn = conn
        return conn

    def ping(self) -> None:
        """Raises if the database cannot be reached."""
        with self.transaction(write=False) as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def checkpoint(self) -> None:
        """SQLite: moves the write-ahead log into the database file and empties it."""
        if self.kind == "sqlite":
            self._sqlite().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class TranslatingCursor:
    """A DB-API cursor that accepts ``%s`` placeholders on both databases."""

    def __init__(self, cursor: Any, store: SqlStore) -> None:
        self._cursor, self._store = cursor, store

    def execute(self, statement: str, params: Sequence[Any] = (), *,
                binary: bool = False) -> TranslatingCursor:
        """Runs a statement; ``binary`` (PostgreSQL) asks for results in binary form."""
        with missing_tables_named():
            if binary:
                self._cursor.execute(self._store.sql(statement), params, binary=True)
            else:
                self._cursor.execute(self._store.sql(statement), params)
        return self

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        with missing_tables_named():
            self._cursor.executemany(self._store.sql(statement), params)

    def copy_rows(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """``COPY ... FROM STDIN`` (PostgreSQL only): the fastest way to load many rows."""
        with missing_tables_named(), self._cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgres``."""
        return self._store.kind

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


SCHEMA_CREATION_LOCK = 7301965  # one CREATE at a time across processes (PostgreSQL)


def create_table(store: SqlStore, statement: str) -> None:
    """Runs a CREATE TABLE IF NOT EXISTS, safe with other processes doing it at once."""
    try:
        with store.transaction() as cursor:
            if store.kind == "postgres":
                # IF NOT EXISTS alone races on the catalog (the table's row type, its
                # index names): processes starting together take turns instead.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_CREATION_LOCK,))
            cursor.execute(statement)
    except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable,
            psycopg.errors.DuplicateObject):
        # Created meanwhile by a process that took no lock (an older version): one won.
        pass
