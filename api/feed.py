"""The global event feed as a program-scoped key may see it."""

from __future__ import annotations

from typing import Any

from application.service import MentoringService
from infrastructure.api_keys import ApiKey

SCAN_LIMIT = 10_000  # events read per request at most, however few a scoped key may see


def feed_page(service: MentoringService, principal: ApiKey, *, after: int,
              limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Up to ``limit`` events after a position that the key may see, and the next cursor."""
    if principal.program_ids is None:
        page = service.feed(after=after, limit=limit)
        return page, (page[-1]["position"] if len(page) == limit else None)
    items: list[dict[str, Any]] = []
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
