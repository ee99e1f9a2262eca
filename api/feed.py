"""The global event feed as a program-scoped key may see it.

A key limited to programs reads the positions of its programs' events from the
``program_feed`` view (an index), then those events from the store. Events stored after
the view's position are not filed yet: they are scanned, a bounded number per request,
so the newest events show too (a page may then come back short, with a cursor).
"""

from __future__ import annotations

from typing import Any

from application.service import MentoringService
from infrastructure.api_keys import ApiKey
from projections.queries import ReadModels

SCAN_LIMIT = 2_000  # events after the index read per request at most


def feed_page(service: MentoringService, views: ReadModels, principal: ApiKey, *, after: int,
              limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Up to ``limit`` events after a position that the key may see, and the next cursor."""
    if principal.program_ids is None:
        page = service.feed(after=after, limit=limit)
        return page, (page[-1]["position"] if len(page) == limit else None)
    positions, indexed = views.program_feed(principal.program_ids, after=after, limit=limit)
    items = service.feed_at(positions)
    if len(positions) == limit:
        return items, positions[-1]
    return scan(service, principal, items, after=max(after, indexed), limit=limit)


def scan(service: MentoringService, principal: ApiKey, items: list[dict[str, Any]], *,
         after: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Goes on from ``after`` through events not in the index yet, keeping the key's."""
    position, scanned = after, 0
    while len(items) < limit and scanned < SCAN_LIMIT:
        batch = service.feed(after=position, limit=max(limit, 200))
        if not batch:
            return items, None
        for record in batch:
            position, scanned = record["position"], scanned + 1
            if principal.sees(service.program_of(record["aggregate_id"])):
                items.append(record)
                if len(items) == limit:
                    break
    return items, position
