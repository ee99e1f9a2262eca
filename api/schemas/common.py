"""Schemas every resource shares: command answers and cursor pages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from domain.errors import InvalidValue
from domain.values import ID_PATTERN, TEXT_LIMIT, check_characters, require_id, require_uuid


def _checked(check: Any) -> AfterValidator:
    """A domain check as a pydantic validator: the edge refuses what the domain refuses."""

    def validate(value: Any) -> Any:
        try:
            return check(value)
        except InvalidValue as error:
            raise ValueError(error.detail.split(": ", 1)[-1]) from None

    return AfterValidator(validate)


_NO_CONTROL = _checked(lambda v: check_characters("text", v))
_NO_CONTROL_OR_NONE = _checked(lambda v: v if v is None else check_characters("text", v))
_ONE_LINE = r"^[^\t\n\r]*$"

# Free text: no control characters but tab and line breaks, each with its own bound.
Text = Annotated[str, Field(min_length=1, max_length=TEXT_LIMIT), _NO_CONTROL]
OptionalText = Annotated[str | None, Field(max_length=TEXT_LIMIT), _NO_CONTROL_OR_NONE]
Name = Annotated[str, Field(min_length=1, max_length=200), _NO_CONTROL]
OptionalName = Annotated[str | None, Field(max_length=200), _NO_CONTROL_OR_NONE]
Title = Annotated[str, Field(min_length=1, max_length=300), _NO_CONTROL]
OptionalTitle = Annotated[str | None, Field(max_length=300), _NO_CONTROL_OR_NONE]
# One-line labels (skills, topics, a goal's area): not prose, not personal data.
Label = Annotated[str, Field(min_length=1, max_length=100, pattern=_ONE_LINE), _NO_CONTROL]
OptionalLabel = Annotated[str | None, Field(max_length=100, pattern=_ONE_LINE),
                          _NO_CONTROL_OR_NONE]
Topic = Annotated[str, Field(min_length=1, max_length=200, pattern=_ONE_LINE), _NO_CONTROL]
OptionalTopic = Annotated[str | None, Field(max_length=200, pattern=_ONE_LINE),
                          _NO_CONTROL_OR_NONE]
PersonId = Annotated[str, Field(
    min_length=1, max_length=200, pattern=ID_PATTERN,
    description="An HR-system id: letters, digits and `-_.:@`, not `.` or `..`."),
    _checked(lambda v: require_id("id", v))]
ExternalId = Annotated[str, Field(
    min_length=1, max_length=200, pattern=ID_PATTERN,
    description="The HR system's own id for this resource (letters, digits and `-_.:@`): "
                "unique among programs, or within the program for mentors and goals; "
                "find the resource by it at `GET /v1/external-ids/{kind}/{external_id}`."),
    _checked(lambda v: require_id("external_id", v))]
AggregateId = Annotated[str, Field(
    min_length=1, max_length=64, json_schema_extra={"format": "uuid"},
    description="A UUID (any spelling; it is stored in its canonical form)."),
    _checked(lambda v: require_uuid("id", v))]
Count = StrictInt  # integers only: not true, 3.0 or "3"
Flag = StrictBool


class CommandResult(BaseModel):
    """What a command answers: the aggregate's id, new version and status."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f",
                                         "version": 3, "status": "active"}]}
    )

    id: str
    version: int = Field(description="The aggregate's version after the command (also the ETag).")
    status: str | None = Field(None, description="The aggregate's status, where it has one.")
    position: int | None = Field(None, description=(
        "The global position of the command's last event (also the `Mentoring-Position` "
        "header): pass it as `min_position` to a report to read your own write."))


class Created(CommandResult):
    """A created resource: its id and first version (201, with a Location header)."""


class Page(BaseModel):
    """A cursor-paginated list: pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[Any]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


def example(**fields: Any) -> ConfigDict:
    """A model config carrying one request example for the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": [fields]})
