"""The catalogue of public event names, and its documentation, stay what the contract says."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from domain.base import MentoringCreated, MentoringEvent
from domain.external_id import ExternalId
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship

CATALOGUE = {
    Relationship: ["Requested", "Declined", "Withdrawn", "ConnectionEstablished", "ExpectationsSet",
                   "SessionScheduled", "SessionHeld", "SessionCancelled", "SessionMissed",
                   "FeedbackReceived", "FeedbackAcknowledged", "ExperienceShared",
                   "AdviceApplied", "ProgressReported", "GratitudeExpressed", "Reviewed",
                   "Paused", "Resumed", "Concluded"],
    Goal: ["Defined", "Revised", "ProgressRecorded", "Achieved", "Abandoned",
           "LinkedToRelationship"],
    MentorProfile: ["Registered", "Updated", "CapacityChanged", "Retired", "RoleChanged",
                    "RequestReceived",
                    "RequestClosed", "MenteeAssigned", "MenteeReleased", "SessionTimeSpent"],
    Program: ["Created", "Updated", "Closed"],
    ExternalId: ["Claimed"],
}
EVENTS = [(aggregate, name) for aggregate, names in CATALOGUE.items() for name in names]
DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def events_of(aggregate: type) -> set[str]:
    return {name for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, MentoringEvent | MentoringCreated)}


@pytest.mark.parametrize("aggregate", list(CATALOGUE), ids=lambda a: a.__name__)
def test_each_aggregate_has_exactly_the_catalogued_events(aggregate: type) -> None:
    assert events_of(aggregate) == set(CATALOGUE[aggregate])


@pytest.mark.parametrize(("aggregate", "name"), EVENTS,
                         ids=[f"{a.__name__}.{n}" for a, n in EVENTS])
def test_each_event_is_documented_with_its_personal_fields(aggregate: type, name: str) -> None:
    section = DOC.read_text().split(f"## {aggregate.__name__}\n", 1)[1].split("\n## ", 1)[0]
    row = next((line for line in section.splitlines() if line.startswith(f"| `{name}`")), None)
    assert row is not None, f"{aggregate.__name__}.{name} is missing from docs/events.md"
    personal = row.split(" | ")[2]
    for field in getattr(aggregate, name).PERSONAL_FIELDS:
        assert f"`{field}`" in personal


@pytest.mark.parametrize(("aggregate", "name"), EVENTS,
                         ids=[f"{a.__name__}.{n}" for a, n in EVENTS])
def test_personal_fields_are_fields_of_the_event_with_a_subject(aggregate: type,
                                                                name: str) -> None:
    event = getattr(aggregate, name)
    names = {f.name for f in fields(event)}
    assert set(event.PERSONAL_FIELDS) <= names
    if event.PERSONAL_FIELDS:
        assert "subject_id" in names
