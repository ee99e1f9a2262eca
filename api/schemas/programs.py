"""Programs: the scope mentors, relationships, goals and API keys belong to."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import example


class ProgramCreate(BaseModel):
    model_config = example(name="Engineering mentoring 2026",
                           description="Mentoring for engineers in their first two years.")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)


class ProgramUpdate(BaseModel):
    model_config = example(description="Now open to product managers too.")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)


class ProgramClose(BaseModel):
    model_config = example(reason="The 2026 cohort is complete.")

    reason: str | None = Field(None, max_length=5000)


class ProgramPublic(BaseModel):
    id: str
    name: str
    description: str
    closed: bool
    version: int
    created_on: datetime
    modified_on: datetime
