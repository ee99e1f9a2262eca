"""Goals: what a mentee wants to achieve, revised, progressed, achieved or abandoned."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.schemas.common import (
    AggregateId,
    Count,
    ExternalId,
    OptionalLabel,
    OptionalText,
    OptionalTitle,
    PersonId,
    Text,
    Title,
    example,
)


class GoalCreate(BaseModel):
    model_config = example(program_id="6f1c2d3e-0000-4000-8000-000000000001",
                           mentee_id="hr-2001", title="Lead a design review",
                           success_criteria="Run two design reviews with positive feedback",
                           target_date="2026-09-30", area="leadership")

    program_id: AggregateId
    mentee_id: PersonId
    title: Title
    success_criteria: Text
    target_date: date
    area: OptionalLabel = None
    relationship_id: AggregateId | None = None
    external_id: ExternalId | None = None


class GoalRevision(BaseModel):
    model_config = example(target_date="2026-12-15",
                           reason="The first review moved after the reorganisation.")

    title: OptionalTitle = None
    success_criteria: OptionalText = None
    target_date: date | None = None
    reason: Text


class GoalProgress(BaseModel):
    model_config = example(percent=40, note="First review done.")

    percent: Count = Field(ge=0, le=100)
    note: OptionalText = None


class GoalAchieve(BaseModel):
    model_config = example(note="Both reviews went well.")

    note: OptionalText = None


class GoalAbandon(BaseModel):
    model_config = example(reason="Changed teams; no longer relevant.")

    reason: Text


class GoalLink(BaseModel):
    model_config = example(relationship_id="0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f")

    relationship_id: AggregateId


class GoalPublic(BaseModel):
    id: str
    program_id: str
    mentee_id: str
    title: str
    area: str
    success_criteria: str
    target_date: date
    relationship_ids: list[str]
    external_id: str | None = None
    status: str
    progress: int
    revisions: int
    version: int
    closed_at: datetime | None
    created_on: datetime
    modified_on: datetime
