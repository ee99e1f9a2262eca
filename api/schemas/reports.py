"""Read-side answers: relationship lists, audit trail, program health, at-risk, mentors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RelationshipSummary(BaseModel):
    """One relationship as the list shows it (from the relationship_summaries view)."""

    id: str
    relationship_id: str
    program_id: str
    mentor_id: str
    mentee_id: str
    status: str
    version: int
    requested_at: str
    connected_at: str | None
    expectations_set_at: str | None
    concluded_at: str | None
    last_event_at: str
    expectations: dict[str, Any] | None
    next_session_at: str | None
    last_session_at: str | None
    counts: dict[str, int]
    last_review: dict[str, Any] | None
    goal_ids: list[str]


class RelationshipSummaryPage(BaseModel):
    items: list[RelationshipSummary]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


class GoalSummary(BaseModel):
    """One goal as the list shows it (from the goal_summaries view): no personal text;
    its title and criteria are at `GET /v1/goals/{id}`."""

    id: str
    goal_id: str
    program_id: str
    mentee_id: str
    area: str
    status: str = Field(description="`open`, `achieved` or `abandoned`.")
    version: int
    target_date: str
    progress: int = Field(description="Last recorded progress, percent.")
    revisions: int
    relationship_ids: list[str]
    defined_at: str
    closed_at: str | None
    last_event_at: str
    external_id: str | None


class GoalSummaryPage(BaseModel):
    items: list[GoalSummary]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


class HistoryEntry(BaseModel):
    """One event of the audit trail, chained to the previous one of its aggregate by hash."""

    aggregate_id: str
    aggregate_type: str
    version: int
    position: int = Field(description="Global position of the event in the event feed.")
    type: str = Field(description="The event name, e.g. `SessionHeld`.")
    occurred_at: str
    actor: str
    summary: str
    hash: str = Field(description="sha256(previous hash + canonical JSON of the entry).")


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None


class TrailProblem(BaseModel):
    aggregate_id: str
    version: int
    position: int | None
    problem: str = Field(description=(
        "`altered` (the entry is not what its event says, or its hash does not recompute), "
        "`missing` (an event without its entry) or `not_in_log` (an entry without an "
        "event)."))
    field: str | None = Field(default=None, description=(
        "For an entry that differs from its event: the first field that differs."))


class TrailVerification(BaseModel):
    """Whether every hash chain of the trail recomputes and every entry is what its event in
    the event store says; the first problem of each chain if not."""

    aggregate_id: str
    relationship_id: str | None = Field(
        default=None, description="The relationship verified (relationships only).")
    valid: bool
    entries: int
    aggregates: list[str]
    checked_against_log: bool
    log_events: int | None = Field(description="Events read from the event store.")
    not_yet_projected: int = Field(description=(
        "The newest events the trail has not applied yet (lag, not a problem)."))
    first_problem: TrailProblem | None
    problems: list[TrailProblem]


class ProgramHealth(BaseModel):
    """The admin dashboard's figures for one program, as of an instant."""

    program_id: str
    as_of: str
    relationships_by_status: dict[str, int]
    cadence_adherence: dict[str, Any]
    time_to_expectations_days: dict[str, Any]
    feedback_per_relationship_month: dict[str, Any]
    goal_completion: dict[str, Any]
    sessions: dict[str, Any]
    review_satisfaction: dict[str, Any]
    mentor_utilisation: dict[str, Any]
    monthly: list[dict[str, Any]] = Field(description="One point per month, for charts.")


class AtRiskRelationship(BaseModel):
    relationship_id: str
    program_id: str
    mentor_id: str
    mentee_id: str
    status: str
    reasons: list[dict[str, Any]] = Field(
        description="Each with a `code` (no_session_for_2x_interval, "
                    "no_expectations_14_days_after_connection, low_review_satisfaction, "
                    "repeated_no_shows) and its figures.")


class AtRiskPage(BaseModel):
    program_id: str
    as_of: str
    items: list[AtRiskRelationship]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


class MentorListing(BaseModel):
    """A mentor of the directory with what they have left to give this month."""

    mentor_profile_id: str
    program_id: str
    person_id: str
    skills: list[str]
    experience_years: int
    retired: bool
    capacity: int
    active_mentees: int
    capacity_left: int
    month: str
    monthly_minutes: int
    minutes_used: int
    minutes_left: int


class MentorDirectoryPage(BaseModel):
    items: list[MentorListing]
    next_cursor: str | None = Field(None, description="None when this is the last page.")


class MentorSuggestion(BaseModel):
    person_id: str
    mentor_profile_id: str
    score: float
    available: bool = Field(description="False when the mentor has no place left.")
    explanation: dict[str, Any] = Field(
        description="skill_fit, capacity and hours: each value, weight and points.")


class MentorSuggestions(BaseModel):
    goal_id: str
    program_id: str
    mentee_id: str
    month: str
    items: list[MentorSuggestion]
