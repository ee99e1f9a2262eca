"""Hostile clients get the same app as everyone (each database, an admin client)."""

from tests.api.conftest import (  # noqa: F401
    app,
    client,
    client_for,
    driver,
    runtime,
    settings,
)
