"""Hostile clients get the same app as everyone (each database, an admin client); the app
itself comes from tests/conftest.py."""

from tests.api.conftest import (  # noqa: F401
    client,
    client_for,
    driver,
)
