"""Where events live: ``MENTORING_DATABASE_URL`` turned into persistence settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ConfigurationError(ValueError):
    """The settings cannot work (a database URL of an unknown kind, say)."""


@dataclass(frozen=True)
class Database:
    """Where events live: the kind and what the ``eventsourcing`` persistence needs."""

    kind: str  # "sqlite" or "postgres"
    env: dict[str, str]
    sqlite_path: str | None = None
    postgres_dsn: str | None = None


def parse_database_url(url: str, pool_size: int = 10) -> Database:
    """Turns ``MENTORING_DATABASE_URL`` into persistence settings."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not raw:
            raise ConfigurationError(f"a SQLite URL looks like sqlite:///path/file.db, got {url!r}")
        path = raw if raw == ":memory:" else str(Path(raw).expanduser())
        name = "file::memory:?mode=memory&cache=shared" if raw == ":memory:" else path
        return Database(
            "sqlite",
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": name,
             "SQLITE_LOCK_TIMEOUT": "30"},
            sqlite_path=path,
        )
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        dbname = parts.path.lstrip("/")
        if not parts.hostname or not dbname:
            raise ConfigurationError(
                f"a PostgreSQL URL looks like postgresql://user:pass@host:port/db, got {url!r}"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "5",
            # No ping before each transaction: it was a third of every group commit's
            # time. A connection that died (an outage, a restart) fails its statement,
            # the pool drops it, and the library retries every statement of the event
            # store on a fresh one. A transaction left open by a stuck client is ended
            # by the server.
            "POSTGRES_PRE_PING": "n",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
        }
        dsn = f"postgresql://{parts.netloc}/{dbname}"
        return Database("postgres", env, postgres_dsn=dsn)
    raise ConfigurationError(
        f"MENTORING_DATABASE_URL must start with sqlite:/// or postgresql://, got {url!r}"
    )
