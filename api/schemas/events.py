"""The global ordered event feed and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import AggregateId, example


class EventPublic(BaseModel):
    position: int = Field(description="Position in the global feed: ordered, not gap-free.")
    aggregate: str = Field(description="Relationship, Goal, MentorProfile, Program or Erasure.")
    aggregate_id: str
    version: int
    type: str = Field(description="The event name, e.g. SessionHeld.")
    occurred_at: datetime
    actor: str = Field(description="The principal: `api-key:<id>`, or a system.")
    on_behalf_of: str | None = Field(None, description="Whom it acted for, e.g. `mentee:<id>`.")
    summary: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventPublic]
    next_cursor: int | None = Field(
        None, description="Pass as `after` (or `cursor`) for the next page; null at the end."
    )


class ApiKeyCreate(BaseModel):
    model_config = example(role="integration", program_ids=["6f1c2d3e-0000-4000-8000-000000000001"])

    role: Literal["admin", "integration", "analyst", "viewer"]
    program_ids: list[AggregateId] | None = Field(
        None, max_length=1000, description="Programs the key is limited to; null = all."
    )


class ApiKeyPublic(BaseModel):
    id: str
    role: str
    program_ids: list[str] | None
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="Shown once; only its hash is stored.")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyPublic]
    next_cursor: str | None = None
