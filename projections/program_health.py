"""Program health, the admin dashboard: facts per relationship, goal, mentor and month.

Figures that depend on "now" (cadence adherence, relationship-months, this month's
minutes) are computed when asked, from these tables only; see ``health_figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.relationship import Relationship
from projections.base import Batch, Positioned, ReadModel, advance, events_of, ids_of, on
from projections.sql import Table, iso, month_key, parse_time

RELATIONSHIPS = Table(
    name="health_relationships",
    key=("relationship_id",),
    columns=("program_id", "status", "version", "connected_at", "concluded_at",
             "first_expectations_at", "meeting_every_days", "segment_start", "expected_closed",
             "held_under_expectations", "feedback"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT PRIMARY KEY,
            program_id TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            connected_at TEXT,
            concluded_at TEXT,
            first_expectations_at TEXT,
            meeting_every_days INTEGER,
            segment_start TEXT,
            expected_closed {real} NOT NULL,
            held_under_expectations INTEGER NOT NULL,
            feedback INTEGER NOT NULL
        )""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id)"),
)
GOALS = Table(
    name="health_goals",
    key=("goal_id",),
    columns=("program_id", "status", "version"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            goal_id TEXT PRIMARY KEY, program_id TEXT NOT NULL, status TEXT NOT NULL,
            version INTEGER NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id)"),
)
MENTORS = Table(
    name="health_mentors",
    key=("mentor_key",),
    columns=("program_id", "capacity", "monthly_minutes", "active_mentees", "retired", "version"),
    bool_columns=frozenset({"retired"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            mentor_key TEXT PRIMARY KEY, program_id TEXT NOT NULL, capacity INTEGER NOT NULL,
            monthly_minutes INTEGER NOT NULL, active_mentees INTEGER NOT NULL,
            retired {bool} NOT NULL, version INTEGER NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id)"),
)
MONTH_COUNTS = ("requested", "declined", "connected", "concluded", "sessions_held",
                "sessions_cancelled", "sessions_missed", "mentee_no_shows", "minutes_held",
                "feedback", "reviews", "mentor_satisfaction_sum", "mentee_satisfaction_sum",
                "goals_defined", "goals_achieved", "goals_abandoned")
MONTHS = Table(
    name="health_months",
    key=("program_id", "month"),
    columns=MONTH_COUNTS,
    ddl=("CREATE TABLE IF NOT EXISTS {table} (program_id TEXT NOT NULL, month TEXT NOT NULL, "
         + ", ".join(f"{c} INTEGER NOT NULL" for c in MONTH_COUNTS)
         + ", PRIMARY KEY (program_id, month))",),
)
STATUS_OF = {Relationship.Declined: "declined", Relationship.ConnectionEstablished: "active",
             Relationship.Paused: "paused", Relationship.Resumed: "active",
             Relationship.Concluded: "concluded"}
MONTHLY = {Relationship.Declined: "declined", Relationship.ConnectionEstablished: "connected",
           Relationship.Concluded: "concluded", Relationship.SessionCancelled: "sessions_cancelled",
           Relationship.FeedbackReceived: "feedback"}
DAY = 86400.0


def days(start: str, end: str) -> float:
    elapsed = parse_time(end) - parse_time(start)  # type: ignore[operator]
    return max(elapsed.total_seconds() / DAY, 0.0)


class ProgramHealth(ReadModel):
    """The facts every dashboard figure is computed from."""

    name = "program_health"
    tables = (RELATIONSHIPS, GOALS, MENTORS, MONTHS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(RELATIONSHIPS).preload(ids_of(events, *events_of(Relationship)))
        batch.rows(GOALS).preload(ids_of(events, *events_of(Goal)))
        batch.rows(MENTORS).preload(ids_of(events, *events_of(MentorProfile)))

    def month(self, batch: Batch, program_id: str, instant: datetime) -> dict[str, Any]:
        rows = batch.rows(MONTHS)
        key = (program_id, month_key(instant))
        return rows.get(key) or rows.put(
            {"program_id": program_id, "month": key[1], **dict.fromkeys(MONTH_COUNTS, 0)})

    # ---- relationships ------------------------------------------------------

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        batch.rows(RELATIONSHIPS).put({
            "relationship_id": str(event.originator_id), "program_id": event.program_id,
            "status": "requested", "version": 1, "connected_at": None, "concluded_at": None,
            "first_expectations_at": None, "meeting_every_days": None, "segment_start": None,
            "expected_closed": 0.0, "held_under_expectations": 0, "feedback": 0,
        })
        self.month(batch, event.program_id, event.timestamp)["requested"] += 1

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(RELATIONSHIPS).get(str(event.originator_id))
        assert row is not None, f"no health row for {event.originator_id}"
        advance(row, event)
        kind, at = type(event), iso(event.timestamp) or ""
        month = self.month(batch, row["program_id"],
                           event.held_at if kind is Relationship.SessionHeld else event.timestamp)
        if kind in MONTHLY:
            month[MONTHLY[kind]] += 1
        if kind in (Relationship.ExpectationsSet, Relationship.Paused, Relationship.Concluded):
            close_segment(row, at)
        row["status"] = STATUS_OF.get(kind, row["status"])
        if kind is Relationship.ConnectionEstablished:
            row["connected_at"] = at
        elif kind is Relationship.Concluded:
            row["concluded_at"] = at
        elif kind is Relationship.ExpectationsSet:
            row["first_expectations_at"] = row["first_expectations_at"] or at
            row["meeting_every_days"] = event.meeting_every_days
        restarts = kind in (Relationship.ExpectationsSet, Relationship.Resumed)
        if restarts and row["status"] == "active":
            row["segment_start"] = at
        if kind is Relationship.SessionHeld:
            month["sessions_held"] += 1
            month["minutes_held"] += event.duration_minutes
            if row["meeting_every_days"]:
                row["held_under_expectations"] += 1
        elif kind is Relationship.SessionMissed:
            month["sessions_missed"] += 1
            month["mentee_no_shows"] += event.missed_by == "mentee"
        elif kind is Relationship.FeedbackReceived:
            row["feedback"] += 1
        elif kind is Relationship.Reviewed:
            month["reviews"] += 1
            month["mentor_satisfaction_sum"] += event.mentor_satisfaction
            month["mentee_satisfaction_sum"] += event.mentee_satisfaction

    # ---- goals and mentors --------------------------------------------------

    @on(*events_of(Goal))
    def _goal(self, batch: Batch, event: Any, position: int) -> None:
        rows = batch.rows(GOALS)
        if isinstance(event, Goal.Defined):
            rows.put({"goal_id": str(event.originator_id), "program_id": event.program_id,
                      "status": "open", "version": 1})
            self.month(batch, event.program_id, event.timestamp)["goals_defined"] += 1
            return
        row = rows.get(str(event.originator_id))
        assert row is not None, f"no health row for goal {event.originator_id}"
        advance(row, event)
        if isinstance(event, Goal.Achieved | Goal.Abandoned):
            row["status"] = "achieved" if isinstance(event, Goal.Achieved) else "abandoned"
            self.month(batch, row["program_id"], event.timestamp)[f"goals_{row['status']}"] += 1

    @on(*events_of(MentorProfile))
    def _mentor(self, batch: Batch, event: Any, position: int) -> None:
        rows = batch.rows(MENTORS)
        if isinstance(event, MentorProfile.Registered):
            rows.put({"mentor_key": str(event.originator_id), "program_id": event.program_id,
                      "capacity": event.capacity, "monthly_minutes": event.monthly_minutes,
                      "active_mentees": 0, "retired": False, "version": 1})
            return
        row = rows.get(str(event.originator_id))
        assert row is not None, f"no health row for mentor {event.originator_id}"
        advance(row, event)
        if isinstance(event, MentorProfile.Updated) and event.monthly_minutes is not None:
            row["monthly_minutes"] = event.monthly_minutes
        elif isinstance(event, MentorProfile.CapacityChanged):
            row["capacity"] = event.capacity
        elif isinstance(event, MentorProfile.Retired):
            row["retired"] = True
        elif isinstance(event, MentorProfile.MenteeAssigned):
            row["active_mentees"] += 1
        elif isinstance(event, MentorProfile.MenteeReleased):
            row["active_mentees"] -= 1


def close_segment(row: dict[str, Any], at: str) -> None:
    """Adds the sessions expected since the current stretch of active meeting began."""
    if row["segment_start"] and row["meeting_every_days"]:
        row["expected_closed"] += days(row["segment_start"], at) / row["meeting_every_days"]
    row["segment_start"] = None
