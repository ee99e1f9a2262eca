"""A PostgreSQL server for the test suite.

The server URL comes from ``MENTORING_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``). If no server answers there,
a throw-away cluster is started from the PostgreSQL binaries when they are
installed; otherwise the caller fails the run with :class:`PostgresUnavailable`'s
message. Tests never skip for want of PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_VAR = "MENTORING_TEST_POSTGRES_URL"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 3


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server answers and none could be started."""


def configured_server_url() -> str:
    return os.environ.get(ENV_VAR) or DEFAULT_SERVER_URL


def probe(url: str) -> str | None:
    """Return None if a server answers at ``url``, else the reason it does not."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


def with_database(server_url: str, dbname: str) -> str:
    """The URL of database ``dbname`` on the server of ``server_url``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def new_database_name() -> str:
    return f"mentoring_test_{worker_id()}_{uuid.uuid4().hex[:10]}"


def create_database(server_url: str, dbname: str) -> str:
    with psycopg.connect(server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_database(server_url, dbname)


def drop_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )


def database_exists(server_url: str, dbname: str) -> bool:
    with psycopg.connect(server_url, connect_timeout=CONNECT_TIMEOUT) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    return row is not None


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    dbname = new_database_name()
    url = create_database(server_url, dbname)
    try:
        yield url
    finally:
        drop_database(server_url, dbname)


# --- throw-away cluster ---------------------------------------------------


def find_binaries() -> Path | None:
    """The bin/ directory of the newest installed PostgreSQL with initdb and pg_ctl."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        bindir = Path(initdb).parent
        version = bindir.parent.name
        if (bindir / "pg_ctl").exists():
            key = tuple(int(p) for p in version.split(".") if p.isdigit())
            candidates.append((key, bindir))
    if not candidates:
        return None
    return max(candidates)[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, trust auth, loopback only."""

    bindir: Path
    port: int = field(default_factory=free_port)
    root: Path = field(init=False)
    _as_user: list[str] = field(init=False, default_factory=list)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [*self._as_user, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )

    def start(self) -> str:
        self.root = Path(tempfile.mkdtemp(prefix="mentoring-pg-"))
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            try:
                pg_user = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' user to run initdb as"
                ) from None
            if shutil.which("runuser") is None:
                shutil.rmtree(self.root, ignore_errors=True)
                raise PostgresUnavailable("running as root and 'runuser' is not installed")
            os.chown(self.root, pg_user.pw_uid, pg_user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        try:
            self._run(
                str(self.bindir / "initdb"),
                "-D", str(self.datadir),
                "-U", "postgres",
                "-A", "trust",
                "-E", "UTF8",
                "--no-sync",
            )  # fmt: skip
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D", str(self.datadir),
                "-l", str(self.root / "server.log"),
                "-o", options,
                "-w", "-t", "60",
                "start",
            )  # fmt: skip
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
                self._run(
                    str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"
                )
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server (see the module docstring)."""
    url = configured_server_url()
    reason = probe(url)
    if reason is None:
        yield url
        return
    how_to_fix = (
        f"PostgreSQL is required: no server answers at {url} ({reason}). "
        f"Start one there, or set {ENV_VAR} to a server URL such as {DEFAULT_SERVER_URL}"
    )
    bindir = find_binaries()
    if bindir is None:
        raise PostgresUnavailable(
            how_to_fix + "; no PostgreSQL binaries (/usr/lib/postgresql/*/bin) to start a "
            "throw-away cluster either."
        )
    cluster = ThrowawayCluster(bindir)
    try:
        cluster_url = cluster.start()
    except PostgresUnavailable as exc:
        raise PostgresUnavailable(
            f"{how_to_fix}; starting a throw-away cluster from {bindir} failed: {exc}"
        ) from exc
    try:
        yield cluster_url
    finally:
        cluster.stop()
