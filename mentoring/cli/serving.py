"""``mentoring serve`` (the HTTP API) and ``mentoring keys`` (API keys)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from infrastructure.api_keys import ROLES, KeyStore
from infrastructure.kek_file import load_or_create
from infrastructure.key_vault import KeyVault
from mentoring.bootstrap import freeze_start_up
from mentoring.cli.common import fail, load_settings, runtime

LOOPBACK = ("127.0.0.1", "::1", "localhost")
keys = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    limit_concurrency: Annotated[int, typer.Option(
        min=1, help="Connections and requests at once; beyond, 503 at once.")] = 1000,
    header_timeout: Annotated[float | None, typer.Option(
        min=0.1, help="Seconds a client may take to send a request's head "
                      "[default: MENTORING_HTTP_HEADER_TIMEOUT_SECONDS, 10].")] = None,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="API processes sharing the port (PostgreSQL only; run "
                            "`mentoring project` beside them).")] = 1,
) -> None:
    """Serves the HTTP API (on SQLite it also runs the projections and the webhook
    dispatcher in-process)."""
    import uvicorn

    from api.http_protocol import ProblemHttpProtocol

    settings = load_settings()
    if settings.guessable_admin_key():
        advice = ("MENTORING_BOOTSTRAP_ADMIN_KEY is guessable: use at least 24 random "
                  "characters (e.g. `openssl rand -base64 32`)")
        if host not in LOOPBACK:
            raise fail(f"{advice}; refused when serving on {host}", 2)
        typer.echo(f"warning: {advice} (accepted on {host} only)", err=True)
    if header_timeout is not None:
        # Read by every worker process through the settings.
        os.environ["MENTORING_HTTP_HEADER_TIMEOUT_SECONDS"] = str(header_timeout)
    with runtime() as parts:
        if workers > 1 and parts.sql.kind == "sqlite":
            raise fail("--workers needs PostgreSQL (MENTORING_DATABASE_URL=postgresql://...): "
                       "on SQLite one process serves and projects", 2)
        api = parts.api()
        first = None if parts.settings.bootstrap_admin_key else KeyStore(parts.sql).first_admin()
        if first is not None:
            # Like a notebook server's token: shown once, on the first start only.
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            typer.echo(f"First start: created an admin API key (shown only now, keep it):\n"
                       f"    {first}\n"
                       f"Open http://{shown}:{port}/ and log in with it; the API takes it as "
                       f"`Authorization: Bearer {first}` (docs at /docs).", err=True)
        # Bounded request lines, headers and header time, refusals in problem+json; idle
        # keep-alive connections close after 5 s; past the concurrency limit, 503.
        if workers > 1:
            # Each worker process builds its own parts (pool, cache, committer).
            uvicorn.run("mentoring.asgi:create", factory=True, workers=workers, host=host,
                        port=port, log_level=log_level,
                        http="api.http_protocol:ProblemHttpProtocol", timeout_keep_alive=5,
                        limit_concurrency=limit_concurrency)
            return
        if parts.sql.kind == "sqlite":
            parts.start_embedded_projections()
            parts.start_embedded_webhooks()
        protocol = ProblemHttpProtocol.with_header_timeout(
            parts.settings.http_header_timeout_seconds)
        freeze_start_up()
        uvicorn.run(api, host=host, port=port, log_level=log_level, http=protocol,
                    timeout_keep_alive=5, limit_concurrency=limit_concurrency)


@keys.command("create")
def create_key(
    role: Annotated[str, typer.Option(help="admin, integration, analyst or viewer.")],
    program: Annotated[list[str] | None, typer.Option(
        help="Limit the key to this program (repeatable); default all programs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Creates an API key and prints its id and secret (the secret is shown only now)."""
    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}, got {role!r}", 2)
    with runtime() as parts:
        store = KeyStore(parts.sql)
        store.ensure_schema()
        try:
            key, secret = store.create(role, program or None)
        except ValueError as error:
            raise fail(f"--program: {error}", 2) from None
    if as_json:
        typer.echo(json.dumps({"id": key.id, "role": key.role, "secret": secret,
                               "program_ids": key.program_ids}))
        return
    typer.echo(f"id:       {key.id}\nrole:     {key.role}\nprograms: "
               f"{', '.join(key.program_ids) if key.program_ids else 'all'}\nsecret:   {secret}")


@keys.command("list")
def list_keys() -> None:
    """Lists the API keys (never their secrets)."""
    with runtime() as parts:
        store = KeyStore(parts.sql)
        store.ensure_schema()
        for key in store.page(limit=100_000):
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
            programs = ",".join(key.program_ids) if key.program_ids else "all"
            typer.echo(f"{key.id}  {key.role:<11}  {programs}  {state}")


@keys.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Revokes an API key: it stops working at once."""
    with runtime() as parts:
        store = KeyStore(parts.sql)
        store.ensure_schema()
        if store.revoke(key_id) is None:
            raise fail(f"no API key {key_id}")
    typer.echo(f"revoked {key_id}")


@keys.command("rotate-kek")
def rotate_kek(
    to_file: Annotated[Path, typer.Option(
        "--to-file", help="File of the new key-encryption key (made if missing).")],
) -> None:
    """Re-wraps every person's key with a new key-encryption key.

    Afterwards, configure every process with the new key and destroy the old one: copies
    of erased keys in backups and database files are then unreadable for good."""
    new = load_or_create(to_file)
    with runtime() as parts:
        vault = parts.events.sealer
        assert isinstance(vault, KeyVault)
        old = vault.kek.id
        if old == new.id:
            raise fail(f"{to_file} holds the key already in use ({old})", 2)
        hooks = parts.webhooks()
        hooks.ensure_schema()
        secrets = hooks.rewrap(new)
        count = vault.rewrap(new)
    typer.echo(f"re-wrapped {count} personal-data keys and {secrets} webhook secrets: "
               f"key-encryption key {old} -> {new.id}.\n"
               f"Now point MENTORING_KEY_ENCRYPTION_KEY_FILE of every process at {to_file} "
               f"(or set MENTORING_KEY_ENCRYPTION_KEY), restart them, and destroy the old key.")
