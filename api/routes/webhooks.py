"""Webhook subscriptions (admin or integration): create, list, read, delete, enable,
disable, replay from a position, and each subscription's delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Response

from api.deps import ServiceDep, WebhooksDep, Writer, check_program_access
from api.errors import ProblemError, problems
from api.routes import ResourceRouter
from api.schemas.webhooks import (
    DeliveryPage,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookPublic,
    WebhookReplay,
)
from application.service import MentoringService
from domain.errors import NotFound
from infrastructure.api_keys import ApiKey
from infrastructure.webhooks import Subscription, WebhookStore

router = ResourceRouter(prefix="/v1/webhooks", tags=["webhooks"])
READ_ERRORS = problems(401, 403, 404, 422, 503)
HOOK = "/{webhook_id}"


def public(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id, "url": subscription.url,
        "program_id": subscription.program_id,
        "event_types": None if subscription.event_types is None
        else list(subscription.event_types),
        "description": subscription.description or None,
        "created_by": subscription.created_by, "created_at": subscription.created_at,
        "delivered_through": subscription.after_position, "enabled": subscription.enabled,
        "disabled_reason": subscription.disabled_reason, "failures": subscription.failures,
        "next_attempt_at": datetime.fromtimestamp(subscription.next_attempt_at, UTC)
        if subscription.enabled and subscription.failures else None,
    }


def known_position(service: MentoringService, after: int | None) -> int:
    """``after``, or the newest position if None; 422 beyond the newest event (a cursor
    there would silently pass over every event until the log caught up with it)."""
    head = service.last_position()
    if after is None:
        return head
    if after > head:
        raise ProblemError(422, "invalid-value", f"position {after} is beyond the newest "
                           f"event ({head})", errors=[{"field": "body.after",
                                                       "message": f"at most {head}"}])
    return after


def visible(webhooks: WebhookStore, principal: ApiKey, webhook_id: str) -> Subscription:
    """The subscription, with the same 404 for missing and out-of-scope ones."""
    found = webhooks.get(webhook_id) if len(webhook_id) <= 64 else None
    if found is None or (principal.program_ids is not None
                         and (found.program_id is None or not principal.sees(found.program_id))):
        raise ProblemError(404, "not-found", f"no webhook subscription {webhook_id}")
    return found


@router.post("", status_code=201, response_model=WebhookCreated,
             responses=problems(401, 403, 404, 422, 503))
def create_webhook(body: WebhookCreate, principal: Writer, service: ServiceDep,
                   webhooks: WebhooksDep, response: Response) -> dict[str, Any]:
    """Subscribes a receiver to a program's events; the signing secret is shown once."""
    if body.program_id is None:
        if principal.program_ids is not None:
            raise ProblemError(422, "invalid-value", "a key limited to programs subscribes to "
                               "one of its programs: give program_id",
                               errors=[{"field": "body.program_id", "message": "required"}])
    else:
        check_program_access(principal, body.program_id)
        try:
            service.program(body.program_id)
        except NotFound:
            raise ProblemError(404, "not-found", f"no program {body.program_id}") from None
    subscription = webhooks.create(
        url=body.url, program_id=body.program_id, event_types=body.event_types,
        description=body.description or "", created_by=principal.actor,
        after_position=known_position(service, body.after))
    response.headers["Location"] = f"/v1/webhooks/{subscription.id}"
    # The secret must not be kept by caches, nor by the idempotency store for retries.
    response.headers["Cache-Control"] = "no-store"
    return {**public(subscription), "secret": subscription.secret}


@router.get("", response_model=WebhookPage, responses=problems(401, 403, 422, 503))
def list_webhooks(principal: Writer, webhooks: WebhooksDep,
                  cursor: Annotated[str | None, Query(max_length=64)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The subscriptions of the key's programs, ordered by id, cursor-paginated."""
    found = webhooks.page(programs=principal.program_ids, after=cursor or "", limit=limit)
    return {"items": [public(s) for s in found],
            "next_cursor": found[-1].id if len(found) == limit else None}


@router.get(HOOK, response_model=WebhookPublic, responses=READ_ERRORS)
def get_webhook(webhook_id: str, principal: Writer, webhooks: WebhooksDep) -> dict[str, Any]:
    """A subscription and where its delivery stands."""
    return public(visible(webhooks, principal, webhook_id))


@router.delete(HOOK, response_model=WebhookPublic, responses=READ_ERRORS)
def delete_webhook(webhook_id: str, principal: Writer, webhooks: WebhooksDep
                   ) -> dict[str, Any]:
    """Ends a subscription: nothing more is sent; its delivery log goes with it."""
    subscription = visible(webhooks, principal, webhook_id)
    webhooks.delete(subscription.id)
    return public(subscription)


@router.post(HOOK + "/enable", response_model=WebhookPublic, responses=READ_ERRORS)
def enable_webhook(webhook_id: str, principal: Writer, webhooks: WebhooksDep
                   ) -> dict[str, Any]:
    """Delivery starts again at once from where it stopped (failures count from zero)."""
    subscription = visible(webhooks, principal, webhook_id)
    return public(webhooks.enable(subscription.id) or subscription)


@router.post(HOOK + "/disable", response_model=WebhookPublic, responses=READ_ERRORS)
def disable_webhook(webhook_id: str, principal: Writer, webhooks: WebhooksDep
                    ) -> dict[str, Any]:
    """Pauses delivery (events are kept: enabling delivers them)."""
    subscription = visible(webhooks, principal, webhook_id)
    return public(webhooks.disable(subscription.id, f"disabled by {principal.actor}")
                  or subscription)


@router.post(HOOK + "/replay", response_model=WebhookPublic, responses=READ_ERRORS)
def replay_webhook(webhook_id: str, body: WebhookReplay, principal: Writer,
                   service: ServiceDep, webhooks: WebhooksDep) -> dict[str, Any]:
    """Delivers again from the event after a position (or skips ahead to it)."""
    subscription = visible(webhooks, principal, webhook_id)
    return public(webhooks.replay(subscription.id, known_position(service, body.after))
                  or subscription)


@router.get(HOOK + "/deliveries", response_model=DeliveryPage, responses=READ_ERRORS)
def list_deliveries(webhook_id: str, principal: Writer, webhooks: WebhooksDep,
                    cursor: Annotated[int | None, Query(ge=0, le=2**62)] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The delivery log, newest attempt first (the last 1,000 attempts are kept)."""
    subscription = visible(webhooks, principal, webhook_id)
    attempts = webhooks.deliveries(subscription.id, before=cursor, limit=limit)
    return {"items": [a.__dict__ for a in attempts],
            "next_cursor": str(attempts[-1].seq) if len(attempts) == limit else None}
