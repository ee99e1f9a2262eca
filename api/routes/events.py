"""The global, gap-free, ordered event feed for analysts and integrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from api.deps import Reader, ReadModelsDep, ServiceDep
from api.errors import problems
from api.feed import feed_page
from api.routes import ResourceRouter
from api.schemas.events import EventPage

router = ResourceRouter(prefix="/v1/events", tags=["events"])


@router.get("", response_model=EventPage, responses=problems(401, 403, 422, 503))
def list_events(
    principal: Reader,
    service: ServiceDep,
    views: ReadModelsDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="Start after this position.")] = 0,
    cursor: Annotated[int | None, Query(ge=0, le=2**62,
                                        description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Events in global order after a position (only its programs' for a limited key)."""
    items, next_cursor = feed_page(service, views, principal,
                                   after=cursor if cursor is not None else after, limit=limit)
    return {"items": items, "next_cursor": next_cursor}
