"""Programs: the scope mentors, relationships, goals and API keys belong to."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from api.schemas.common import ExternalId, Name, OptionalName, OptionalText, example


class ProgramCreate(BaseModel):
    model_config = example(name="Engineering mentoring 2026",
                           description="Mentoring for engineers in their first two years.")

    name: Name
    description: OptionalText = None
    external_id: ExternalId | None = None


class ProgramUpdate(BaseModel):
    model_config = example(description="Now open to product managers too.")

    name: OptionalName = None
    description: OptionalText = None


class ProgramClose(BaseModel):
    model_config = example(reason="The 2026 cohort is complete.")

    reason: OptionalText = None


class ProgramPublic(BaseModel):
    id: str
    name: str
    description: str
    closed: bool
    external_id: str | None = None
    version: int
    created_on: datetime
    modified_on: datetime


class ProgramPage(BaseModel):
    """A page of programs: pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[ProgramPublic]
    next_cursor: str | None = None
