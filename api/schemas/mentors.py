"""Mentor profiles: skills, experience, capacity and monthly minutes in one program."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import (
    AggregateId,
    Count,
    ExternalId,
    Label,
    OptionalText,
    PersonId,
    example,
)


class MentorCreate(BaseModel):
    model_config = example(program_id="6f1c2d3e-0000-4000-8000-000000000001",
                           person_id="hr-1042", skills=["python", "leadership"], capacity=3,
                           monthly_minutes=240, experience_years=12)

    program_id: AggregateId
    person_id: PersonId
    skills: list[Label] = Field(max_length=100)
    capacity: Count = Field(ge=0, le=100, description="Most active mentees at once.")
    monthly_minutes: Count = Field(ge=0, le=10_000,
                                   description="Minutes a month the mentor offers.")
    experience_years: Count = Field(0, ge=0, le=80)
    bio: OptionalText = None
    external_id: ExternalId | None = None


class MentorUpdate(BaseModel):
    model_config = example(skills=["python", "leadership", "public speaking"])

    skills: list[Label] | None = Field(None, max_length=100)
    experience_years: Count | None = Field(None, ge=0, le=80)
    monthly_minutes: Count | None = Field(None, ge=0, le=10_000)
    bio: OptionalText = None


class CapacityChange(BaseModel):
    model_config = example(capacity=5)

    capacity: Count = Field(ge=0, le=100)


class MentorRetire(BaseModel):
    model_config = example(reason="Moving to another company.")

    reason: OptionalText = None


class MentorPublic(BaseModel):
    id: str
    program_id: str
    person_id: str
    skills: list[str]
    experience_years: int
    capacity: int
    monthly_minutes: int
    bio: str
    external_id: str | None = None
    hr_role: str | None = Field(None, description=(
        "The job role the HR system last reported (`employee.role_changed`): a flag to "
        "review the profile."))
    retired: bool
    active_mentees: int
    capacity_left: int
    version: int
    created_on: datetime
    modified_on: datetime
