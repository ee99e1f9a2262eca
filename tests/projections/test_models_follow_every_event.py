"""Views that follow each relationship event by event handle every one of its events."""

from __future__ import annotations

import pytest

from domain.relationship import Relationship
from projections.at_risk import AtRisk
from projections.base import ReadModel, events_of
from projections.program_health import ProgramHealth
from projections.relationship_summaries import RelationshipSummaries


@pytest.mark.parametrize("model", [RelationshipSummaries(), ProgramHealth(), AtRisk()],
                         ids=lambda m: m.name)
def test_a_view_that_checks_versions_handles_every_relationship_event(model: ReadModel) -> None:
    # Their rows check each event's version follows the last one: a skipped event class
    # would stop the view at the next event of that relationship.
    assert set(events_of(Relationship)) <= set(model.handlers)
