"""Every read model the service keeps, by name."""

from __future__ import annotations

from projections.at_risk import AtRisk
from projections.audit_trail import AuditTrail
from projections.base import ReadModel
from projections.goal_summaries import GoalSummaries
from projections.mentor_directory import MentorDirectory
from projections.program_feed import ProgramFeed
from projections.program_health import ProgramHealth
from projections.relationship_summaries import RelationshipSummaries

READ_MODELS: tuple[ReadModel, ...] = (
    RelationshipSummaries(),
    ProgramHealth(),
    AtRisk(),
    AuditTrail(),
    MentorDirectory(),
    ProgramFeed(),
    GoalSummaries(),
)
BY_NAME = {model.name: model for model in READ_MODELS}
NAMES = tuple(BY_NAME)
