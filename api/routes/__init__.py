"""One APIRouter per resource (a ``ResourceRouter``: paths outside its prefix skip it)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class ResourceRouter(APIRouter):
    """An APIRouter that tells at once that a path outside its prefix is none of its own.

    FastAPI tries every route of every included router in turn, a few microseconds each;
    with about seventy routes that was a tenth of a command's CPU time. Routers are
    included without a prefix of their own, so their ``prefix`` is their paths' prefix."""

    def matches(self, scope: Scope) -> tuple[Match, MutableMapping[str, Any]]:
        if self.prefix and not route_path(scope).startswith(self.prefix):
            return Match.NONE, {}
        return super().matches(scope)


def route_path(scope: Scope) -> str:
    """The request's path below the application's mount point (``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path
