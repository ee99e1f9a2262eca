"""``mentoring serve`` (the HTTP API) and ``mentoring keys`` (API keys), on the main CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from mentoring.bootstrap import Container, build_container
from mentoring.cli import app, fail, load_settings

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def open_container() -> Container:
    settings = load_settings()
    try:
        return build_container(settings)
    except Exception as error:  # configuration or database errors, said plainly
        raise fail(f"cannot open the database: {error}", 2) from None


def start_embedded_projections(container: Container) -> Callable[[], None]:
    """On SQLite, runs the projections in this process; returns how to stop them."""
    start = getattr(container, "start_embedded_projections", None)
    if container.store.kind != "sqlite" or start is None:
        return lambda: None
    handle: Any = start()
    stop = getattr(container, "stop_embedded_projections", None) or getattr(handle, "stop", None)
    return stop or (lambda: None)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serves the HTTP API (on SQLite it also runs the projections in-process)."""
    import uvicorn

    from api.main import create_app

    container = open_container()
    api = create_app(container)
    stop_projections = start_embedded_projections(container)
    try:
        uvicorn.run(api, host=host, port=port, log_level=log_level)
    finally:
        stop_projections()
        container.close()


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help="admin, integration, analyst or viewer.")],
    program: Annotated[list[str] | None, typer.Option(
        help="Limit the key to this program (repeatable); default all programs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Creates an API key and prints its id and secret (the secret is shown only now)."""
    from infrastructure.api_keys import ROLES, KeyStore

    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}, got {role!r}", 2)
    container = open_container()
    try:
        keys = KeyStore(container.store)
        keys.ensure_schema()
        key, secret = keys.create(role, program or None)
    finally:
        container.close()
    if as_json:
        typer.echo(json.dumps({"id": key.id, "role": key.role, "secret": secret,
                               "program_ids": key.program_ids}))
        return
    typer.echo(f"id:       {key.id}\nrole:     {key.role}\nprograms: "
               f"{', '.join(key.program_ids) if key.program_ids else 'all'}\nsecret:   {secret}")


@keys_app.command("list")
def list_keys() -> None:
    """Lists the API keys (never their secrets)."""
    from infrastructure.api_keys import KeyStore

    container = open_container()
    try:
        keys = KeyStore(container.store)
        keys.ensure_schema()
        for key in keys.page(limit=100_000):
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
            programs = ",".join(key.program_ids) if key.program_ids else "all"
            typer.echo(f"{key.id}  {key.role:<11}  {programs}  {state}")
    finally:
        container.close()


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Revokes an API key: it stops working at once."""
    from infrastructure.api_keys import KeyStore

    container = open_container()
    try:
        keys = KeyStore(container.store)
        keys.ensure_schema()
        if keys.revoke(key_id) is None:
            raise fail(f"no API key {key_id}")
    finally:
        container.close()
    typer.echo(f"revoked {key_id}")
