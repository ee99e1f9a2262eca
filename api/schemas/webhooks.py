"""Webhook subscriptions: what a subscriber sends and what it reads back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas.common import AggregateId, OptionalTitle, Page
from application.integration_events import EVENT_TYPES

URL_LIMIT = 2000
_TYPE_PATTERN = r"^mentoring\.[a-z_]+\.([A-Za-z]+|\*)$"


def _receiver_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials or fragment."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an absolute http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("credentials do not belong in the URL: the signature authenticates")
    if parts.fragment:
        raise ValueError("a receiver URL has no fragment")
    return url


def _known_type(pattern: str) -> str:
    if pattern.endswith(".*"):
        if not any(name.startswith(pattern[:-1]) for name in EVENT_TYPES):
            raise ValueError(f"no event type starts with {pattern[:-1]!r}")
    elif pattern not in EVENT_TYPES:
        raise ValueError(f"unknown event type {pattern!r} (see docs/events.md)")
    return pattern


ReceiverUrl = Annotated[str, Field(min_length=8, max_length=URL_LIMIT, pattern=r"^[!-~]+$",
                                   examples=["https://hr.example.com/hooks/mentoring"]),
                        AfterValidator(_receiver_url)]
EventTypeFilter = Annotated[str, Field(
    max_length=120, pattern=_TYPE_PATTERN,
    description="An event type (`mentoring.relationship.SessionHeld`) or every event of "
                "an aggregate (`mentoring.relationship.*`)."), AfterValidator(_known_type)]


class WebhookCreate(BaseModel):
    """A receiver for one program's events (or every program's: unlimited admin only)."""

    model_config = ConfigDict(extra="forbid")

    url: ReceiverUrl
    program_id: AggregateId | None = Field(
        None, description="Whose events; required for a key limited to programs.")
    event_types: list[EventTypeFilter] | None = Field(
        None, min_length=1, max_length=100, description="Only these (default: every event).")
    description: OptionalTitle = None
    after: int | None = Field(
        None, ge=0, le=2**62,
        description="Deliver the events after this global position (default: the newest "
                    "event now, so only events stored from now on).")


class WebhookReplay(BaseModel):
    """Where delivery goes on from (back, to deliver again, or forward, to skip)."""

    model_config = ConfigDict(extra="forbid")

    after: int = Field(ge=0, le=2**62, description="Deliver the events after this position.")


class WebhookPublic(BaseModel):
    """A subscription and where its delivery stands (never its secret)."""

    id: str
    url: str
    program_id: str | None
    event_types: list[str] | None
    description: str | None
    created_by: str
    created_at: datetime
    delivered_through: int = Field(description=(
        "Every event up to this global position was delivered (or is not for this "
        "receiver); delivery goes on after it."))
    enabled: bool
    disabled_reason: str | None
    failures: int = Field(description="Failed attempts in a row (0 after a success).")
    next_attempt_at: datetime | None = Field(description="When a failed delivery is retried.")


class WebhookCreated(WebhookPublic):
    """A new subscription, with its signing secret: shown only now."""

    secret: str = Field(description="`whsec_...`: verify each request's `webhook-signature` "
                                    "with it (Standard Webhooks).")


class WebhookPage(Page):
    items: list[WebhookPublic]


class DeliveryAttempt(BaseModel):
    """One attempt to deliver one event."""

    seq: int
    message_id: str = Field(description="The `webhook-id` sent (`<aggregate id>:<version>`).")
    position: int
    event_type: str
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryPage(Page):
    items: list[DeliveryAttempt]
