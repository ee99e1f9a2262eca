"""Schemas of personal-data requests: erasure and subject access."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import OptionalTopic, example


class ErasureRequest(BaseModel):
    model_config = example(reason="GDPR art. 17 request #4411")

    reason: OptionalTopic = Field(None, description="A one-line reference to the request "
                                                    "(a ticket number), not personal data.")


class Departure(BaseModel):
    """What a departure ended, by aggregate id."""

    person_id: str
    withdrawn: list[str] = Field(description="Their pending requests, as mentee.")
    declined: list[str] = Field(description="Requests to them, as mentor, never answered.")
    concluded: list[str] = Field(description="Their relationships, reason participant_left.")
    retired: list[str] = Field(description="Their mentor profiles.")


class ErasurePublic(BaseModel):
    """The erasure record: whose data, when, and whether it had happened already."""

    person_id: str
    erasure_id: str
    erased_at: str
    already_erased: bool = Field(description="True when this repeats an earlier erasure.")


class SubjectAccess(BaseModel):
    """Everything held about a person: the events that name them or carry their data."""

    person_id: str
    generated_at: str
    personal_data_readable: bool = Field(description="False once the person was erased.")
    erasures: list[dict[str, Any]]
    aggregates: list[dict[str, Any]] = Field(
        description="Per aggregate: its type, id and the events about the person; personal "
                    "fields about someone else read `[another person]`.")
