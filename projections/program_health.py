"""Program health, the admin dashboard: facts per relationship, goal and mentor, and a
ledger of what each event changed in its program's figures, at the event's time.

The figures themselves are computed when asked, as of any instant, from the ledger
alone (``health_figures``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.relationship import STATUS_AFTER, Relationship
from projections.base import (
    Batch,
    Positioned,
    ReadModel,
    advance,
    apply_mentor_load,
    events_of,
    id_text,
    ids_of,
    on,
)
from projections.health_ledger import (
    Metrics,
    add_micros,
    changes,
    count,
    goal_state,
    mentor_state,
    micros_between,
    relationship_state,
)
from projections.health_tables import (
    DAYS,
    GOALS,
    MENTORS,
    MOMENTS,
    MONTHS,
    RELATIONSHIPS,
    TIMES_TO_EXPECTATIONS,
)
from projections.sql import Table, iso, month_key

Row = dict[str, Any]
# Relationship events that change no figure but the row's version.
QUIET = (Relationship.SessionScheduled, Relationship.AdviceApplied,
         Relationship.ProgressReported, Relationship.GratitudeExpressed)


class ProgramHealth(ReadModel):
    """The facts and the ledger every dashboard figure is computed from."""

    name = "program_health"
    tables = (RELATIONSHIPS, GOALS, MENTORS, MOMENTS, DAYS, MONTHS, TIMES_TO_EXPECTATIONS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(RELATIONSHIPS).preload(ids_of(events, *events_of(Relationship)))
        batch.rows(GOALS).preload(ids_of(events, *events_of(Goal)))
        batch.rows(MENTORS).preload(ids_of(events, *events_of(MentorProfile)))

    @contextmanager
    def changing(self, batch: Batch, event: Any, position: int, table: Table,
                 state: Callable[[Row], Metrics]) -> Iterator[tuple[Row, Metrics, str]]:
        """The row the event changes (moved to its version and status), the flows it adds
        and its month; the figures' changes are recorded when the block ends."""
        row = batch.rows(table).get(id_text(event.originator_id))
        assert row is not None, f"no health row for {event.originator_id}"
        before, flows = state(row), dict[str, int]()
        advance(row, event)
        if table is RELATIONSHIPS:
            row["status"] = STATUS_AFTER.get(type(event), row["status"])
        yield row, flows, month_key(event.timestamp)
        self.record(batch, event, position, row["program_id"], changes(before, state(row),
                                                                        flows))

    def record(self, batch: Batch, event: Any, position: int, program_id: str,
               delta: Metrics) -> None:
        """Writes an event's changes to the ledger: its moment, its day's and month's sums."""
        if not delta:
            return
        at = iso(event.timestamp) or ""
        day = at[:10]
        batch.insert(MOMENTS, {"position": position, "program_id": program_id, "day": day,
                               "at": at, "changes": delta})
        for metric, amount in delta.items():
            batch.add(DAYS, (program_id, day, metric), amount)
            batch.add(MONTHS, (program_id, day[:7], metric), amount)

    # ---- a relationship's life ----------------------------------------------

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        row = batch.rows(RELATIONSHIPS).put({
            "relationship_id": id_text(event.originator_id), "program_id": event.program_id,
            "status": "requested", "version": 1, "connected_at": None, "concluded_at": None,
            "first_expectations_at": None, "meeting_every_days": None, "segment_start": None,
            "held_under_expectations": 0})
        flows: Metrics = {}
        count(flows, "requested", month_key(event.timestamp))
        self.record(batch, event, position, event.program_id,
                    changes({}, relationship_state(row), flows))

    @on(Relationship.Declined, Relationship.Withdrawn)
    def _unanswered(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, "declined" if isinstance(event, Relationship.Declined)
                  else "withdrawn", month)

    @on(Relationship.ConnectionEstablished)
    def _connected(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, flows, month):
            row["connected_at"] = iso(event.timestamp)
            count(flows, "connected", month)

    @on(Relationship.ExpectationsSet)
    def _agreed(self, batch: Batch, event: Relationship.ExpectationsSet, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, flows, _):
            at = iso(event.timestamp) or ""
            end_stretch(row, flows, at)
            if row["first_expectations_at"] is None and row["connected_at"]:
                batch.insert(TIMES_TO_EXPECTATIONS, {
                    "relationship_id": row["relationship_id"], "program_id": row["program_id"],
                    "at": at, "micros": micros_between(row["connected_at"], at)})
            row["first_expectations_at"] = row["first_expectations_at"] or at
            row["meeting_every_days"] = event.meeting_every_days
            start_stretch(row, at)

    @on(Relationship.Paused)
    def _paused(self, batch: Batch, event: Relationship.Paused, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, flows, _):
            end_stretch(row, flows, iso(event.timestamp) or "")

    @on(Relationship.Resumed)
    def _resumed(self, batch: Batch, event: Relationship.Resumed, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, _, _):
            start_stretch(row, iso(event.timestamp) or "")

    @on(Relationship.Concluded)
    def _concluded(self, batch: Batch, event: Relationship.Concluded, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, flows, month):
            at = iso(event.timestamp) or ""
            end_stretch(row, flows, at)
            row["concluded_at"] = at
            count(flows, "concluded", month)

    # ---- sessions, feedback, concerns, reviews ------------------------------

    @on(Relationship.SessionHeld)
    def _held(self, batch: Batch, event: Relationship.SessionHeld, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                row, flows, _):
            month = month_key(event.held_at)  # a session counts in the month it was held
            count(flows, "sessions_held", month)
            count(flows, "minutes_held", month, event.duration_minutes)
            count(flows, "mentee_on_time", month, int(event.mentee_on_time))
            count(flows, "mentee_prepared", month, int(event.mentee_prepared))
            if row["meeting_every_days"]:
                row["held_under_expectations"] += 1

    @on(Relationship.SessionMissed)
    def _missed(self, batch: Batch, event: Relationship.SessionMissed, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, "sessions_missed", month)
            count(flows, "mentee_no_shows", month, int(event.missed_by == "mentee"))

    @on(Relationship.SessionCancelled)
    def _cancelled(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, "sessions_cancelled", month)

    @on(Relationship.FeedbackReceived, Relationship.FeedbackAcknowledged)
    def _feedback(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, "feedback" if isinstance(event, Relationship.FeedbackReceived)
                  else "feedback_acknowledged", month)

    @on(Relationship.ExperienceShared)
    def _shared(self, batch: Batch, event: Relationship.ExperienceShared, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, f"{event.kind}s_shared", month)

    @on(Relationship.Reviewed)
    def _reviewed(self, batch: Batch, event: Relationship.Reviewed, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state) as (
                _, flows, month):
            count(flows, "reviews", month)
            count(flows, "mentor_satisfaction_sum", month, event.mentor_satisfaction)
            count(flows, "mentee_satisfaction_sum", month, event.mentee_satisfaction)

    @on(*QUIET)
    def _quiet(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, RELATIONSHIPS, relationship_state):
            pass

    # ---- goals and mentors --------------------------------------------------

    @on(Goal.Defined)
    def _goal_defined(self, batch: Batch, event: Goal.Defined, position: int) -> None:
        row = batch.rows(GOALS).put({"goal_id": id_text(event.originator_id),
                                     "program_id": event.program_id, "status": "open",
                                     "version": 1})
        flows: Metrics = {}
        count(flows, "goals_defined", month_key(event.timestamp))
        self.record(batch, event, position, event.program_id,
                    changes({}, goal_state(row), flows))

    @on(*(c for c in events_of(Goal) if c is not Goal.Defined))
    def _goal(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, GOALS, goal_state) as (row, flows, month):
            if isinstance(event, Goal.Achieved | Goal.Abandoned):
                row["status"] = "achieved" if isinstance(event, Goal.Achieved) else "abandoned"
                count(flows, f"goals_{row['status']}", month)

    @on(MentorProfile.Registered)
    def _registered(self, batch: Batch, event: MentorProfile.Registered, position: int) -> None:
        row = batch.rows(MENTORS).put({
            "mentor_key": id_text(event.originator_id), "program_id": event.program_id,
            "capacity": event.capacity, "monthly_minutes": event.monthly_minutes,
            "active_mentees": 0, "retired": False, "version": 1, "minutes_by_month": {}})
        self.record(batch, event, position, event.program_id,
                    changes({}, mentor_state(row), {}))

    @on(*(c for c in events_of(MentorProfile) if c is not MentorProfile.Registered))
    def _mentor(self, batch: Batch, event: Any, position: int) -> None:
        with self.changing(batch, event, position, MENTORS, mentor_state) as (row, _, _):
            if isinstance(event, MentorProfile.Updated) and event.monthly_minutes is not None:
                row["monthly_minutes"] = event.monthly_minutes
            elif isinstance(event, MentorProfile.SessionTimeSpent):
                given = row["minutes_by_month"]
                row["minutes_by_month"] = {**given,
                                           event.month: given.get(event.month, 0) + event.minutes}
            apply_mentor_load(row, event)


def start_stretch(row: Row, at: str) -> None:
    """An active relationship starts a stretch of meeting (at its agreed frequency)."""
    if row["status"] == "active":
        row["segment_start"] = at


def end_stretch(row: Row, flows: Metrics, at: str) -> None:
    """The open stretch (if any) closes at ``at``: its length joins its frequency's sum."""
    every = row["meeting_every_days"]
    if row["segment_start"] and every:
        add_micros(flows, f"closed:{every}", micros_between(row["segment_start"], at))
    row["segment_start"] = None
