"""Schemas every resource shares: command answers and cursor pages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CommandResult(BaseModel):
    """What a command answers: the aggregate's id, new version and status."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f",
                                         "version": 3, "status": "active"}]}
    )

    id: str
    version: int = Field(description="The aggregate's version after the command (also the ETag).")
    status: str | None = Field(None, description="The aggregate's status, where it has one.")


class Created(CommandResult):
    """A created resource: its id and first version (201, with a Location header)."""


class Page(BaseModel):
    """A cursor-paginated list: pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[Any]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


def example(**fields: Any) -> ConfigDict:
    """A model config carrying one request example for the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": [fields]})
