"""API keys: created by admins (secret shown once), listed, revoked; the bootstrap admin key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from infrastructure.api_keys import KeyStore, hash_secret
from mentoring.bootstrap import Runtime
from mentoring.cli import app as cli
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET, Driver, is_problem, ok


def test_admin_creates_a_key_that_works(client: TestClient, app: FastAPI, driver: Driver) -> None:
    program_id = driver.program()
    created = ok(client.post("/v1/api-keys", json={"role": "integration",
                                                   "program_ids": [program_id]}), 201)
    assert created["role"] == "integration" and created["program_ids"] == [program_id]
    with TestClient(app, headers={"Authorization": f"Bearer {created['secret']}"}) as new:
        ok(new.get(f"/v1/programs/{program_id}"))


def test_secret_is_stored_only_hashed(client: TestClient, runtime: Runtime) -> None:
    created = ok(client.post("/v1/api-keys", json={"role": "viewer"}), 201)
    with runtime.sql.transaction(write=False) as cursor:
        rows = cursor.execute("SELECT secret_hash FROM api_keys WHERE id = %s",
                              (created["id"],)).fetchall()
    assert rows == [(hash_secret(created["secret"]),)]


def test_list_never_shows_secrets_and_paginates(client: TestClient) -> None:
    for role in ("viewer", "analyst", "integration"):
        ok(client.post("/v1/api-keys", json={"role": role}), 201)
    first = ok(client.get("/v1/api-keys", params={"limit": 2}))
    rest = ok(client.get("/v1/api-keys", params={"cursor": first["next_cursor"]}))
    items = first["items"] + rest["items"]
    assert len(items) == 4 and all("secret" not in item for item in items)
    assert rest["next_cursor"] is None


def test_revoked_key_is_401(client: TestClient, app: FastAPI) -> None:
    created = ok(client.post("/v1/api-keys", json={"role": "analyst"}), 201)
    revoked = ok(client.delete(f"/v1/api-keys/{created['id']}"))
    assert revoked["revoked_at"] is not None
    with TestClient(app, headers={"Authorization": f"Bearer {created['secret']}"}) as old:
        is_problem(old.get("/v1/events"), 401)
    is_problem(client.delete("/v1/api-keys/unknown"), 404)


def test_only_admins_manage_keys(client_for: Callable[..., TestClient]) -> None:
    integration = client_for("integration")
    is_problem(integration.post("/v1/api-keys", json={"role": "admin"}), 403)
    is_problem(integration.get("/v1/api-keys"), 403)


def test_key_for_an_unknown_program_is_422(client: TestClient) -> None:
    problem = is_problem(client.post("/v1/api-keys", json={"role": "viewer",
                                                          "program_ids": ["nope"]}), 422)
    assert problem["errors"][0]["field"].startswith("body.program_ids")
    unknown = "6f1c2d3e-0000-4000-8000-00000000dead"
    problem = is_problem(client.post("/v1/api-keys", json={"role": "viewer",
                                                          "program_ids": [unknown]}), 422)
    assert problem["errors"][0]["field"] == "body.program_ids"


def test_bootstrap_admin_key_is_idempotent_and_reinstated(app: FastAPI,
                                                             runtime: Runtime) -> None:
    keys = KeyStore(runtime.sql)
    first = keys.ensure_admin(ADMIN_SECRET)
    keys.revoke(first.id)
    runtime.api()  # start-up again: the configured secret works again
    again = keys.authenticate(ADMIN_SECRET)
    assert again is not None and again.id == first.id and again.role == "admin"
    assert len(keys.page()) == 1


def test_cli_creates_a_limited_key(settings: Settings, runtime: Runtime,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    first, second = "6F1C2D3E-0000-4000-8000-000000000001", "{6f1c2d3e-0000-4000-8000-000000000002}"
    result = CliRunner().invoke(cli, ["keys", "create", "--role", "analyst",
                                      "--program", first, "--program", second])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(":", 1) for line in result.output.strip().splitlines())
    key = KeyStore(runtime.sql).authenticate(lines["secret"].strip())
    assert key is not None and key.id == lines["id"].strip()
    assert (key.role, key.program_ids) == ("analyst", ("6f1c2d3e-0000-4000-8000-000000000001",
                                                       "6f1c2d3e-0000-4000-8000-000000000002"))
    assert key.sees(first) and key.sees("6f1c2d3e000040008000000000000002")
    not_a_program = CliRunner().invoke(cli, ["keys", "create", "--role", "analyst",
                                             "--program", "p-1"])
    assert not_a_program.exit_code == 2
    refused = CliRunner().invoke(cli, ["keys", "create", "--role", "wizard"])
    assert refused.exit_code == 2
