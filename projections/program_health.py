"""Program health, the admin dashboard: facts per relationship, goal, mentor and month.

Figures that depend on "now" (cadence adherence, relationship-months, this month's
minutes) are computed when asked, from these tables only; see ``health_figures``.
Per-program totals are moved after each batch (``health_totals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
from projections.health_tables import (
    GOALS,
    MENTORS,
    MONTH_COUNTS,
    MONTHS,
    PROGRAMS,
    RELATIONSHIPS,
    SEGMENT_SUMS,
    SEGMENTS,
    TIMES_TO_EXPECTATIONS,
)
from projections.health_totals import (
    Before,
    add_micros,
    contributions_before,
    days,
    epoch_micros,
    micros_between,
    move_totals,
)
from projections.sql import iso, month_key

Row = dict[str, Any]
# Relationship events that change nothing here but the row's version (and touch the month).
UNCOUNTED = (Relationship.SessionScheduled, Relationship.FeedbackAcknowledged,
             Relationship.ExperienceShared, Relationship.AdviceApplied,
             Relationship.ProgressReported, Relationship.GratitudeExpressed, Relationship.Withdrawn)


class ProgramHealth(ReadModel):
    """The facts every dashboard figure is computed from."""

    name = "program_health"
    tables = (RELATIONSHIPS, GOALS, MENTORS, MONTHS, PROGRAMS, SEGMENTS, TIMES_TO_EXPECTATIONS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(RELATIONSHIPS).preload(ids_of(events, *events_of(Relationship)))
        batch.rows(GOALS).preload(ids_of(events, *events_of(Goal)))
        batch.rows(MENTORS).preload(ids_of(events, *events_of(MentorProfile)))

    def before_batch(self, batch: Batch) -> Before:
        return contributions_before(batch)

    def after_batch(self, batch: Batch, before: Before) -> None:
        move_totals(batch, before)

    def month(self, batch: Batch, program_id: str, instant: datetime) -> Row:
        rows = batch.rows(MONTHS)
        key = (program_id, month_key(instant))
        return rows.get(key) or rows.put(
            {"program_id": program_id, "month": key[1], **dict.fromkeys(MONTH_COUNTS, 0)})

    def follow(self, batch: Batch, event: Any, *, month_of: datetime | None = None
               ) -> tuple[Row, Row]:
        """The relationship's row moved to this event (status included), and its month."""
        row = batch.rows(RELATIONSHIPS).get(id_text(event.originator_id))
        assert row is not None, f"no health row for {event.originator_id}"
        advance(row, event)
        row["status"] = STATUS_AFTER.get(type(event), row["status"])
        return row, self.month(batch, row["program_id"], month_of or event.timestamp)

    # ---- a relationship's life ----------------------------------------------

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        batch.rows(RELATIONSHIPS).put({
            "relationship_id": id_text(event.originator_id), "program_id": event.program_id,
            "status": "requested", "version": 1, "connected_at": None, "concluded_at": None,
            "first_expectations_at": None, "meeting_every_days": None, "segment_start": None,
            "expected_closed": 0.0, "held_under_expectations": 0, "feedback": 0,
        })
        self.month(batch, event.program_id, event.timestamp)["requested"] += 1

    @on(Relationship.Declined)
    def _declined(self, batch: Batch, event: Relationship.Declined, position: int) -> None:
        self.follow(batch, event)[1]["declined"] += 1

    @on(Relationship.ConnectionEstablished)
    def _connected(self, batch: Batch, event: Any, position: int) -> None:
        row, month = self.follow(batch, event)
        row["connected_at"] = iso(event.timestamp)
        month["connected"] += 1

    @on(Relationship.ExpectationsSet)
    def _agreed(self, batch: Batch, event: Relationship.ExpectationsSet, position: int) -> None:
        row, _ = self.follow(batch, event)
        at = iso(event.timestamp) or ""
        self.end_stretch(batch, row, at)
        row["first_expectations_at"] = row["first_expectations_at"] or at
        row["meeting_every_days"] = event.meeting_every_days
        self.start_stretch(batch, row, at)

    @on(Relationship.Paused)
    def _paused(self, batch: Batch, event: Relationship.Paused, position: int) -> None:
        row, _ = self.follow(batch, event)
        self.end_stretch(batch, row, iso(event.timestamp) or "")

    @on(Relationship.Resumed)
    def _resumed(self, batch: Batch, event: Relationship.Resumed, position: int) -> None:
        row, _ = self.follow(batch, event)
        self.start_stretch(batch, row, iso(event.timestamp) or "")

    @on(Relationship.Concluded)
    def _concluded(self, batch: Batch, event: Relationship.Concluded, position: int) -> None:
        row, month = self.follow(batch, event)
        at = iso(event.timestamp) or ""
        self.end_stretch(batch, row, at)
        row["concluded_at"] = at
        month["concluded"] += 1

    # ---- sessions, feedback, reviews ----------------------------------------

    @on(Relationship.SessionHeld)
    def _held(self, batch: Batch, event: Relationship.SessionHeld, position: int) -> None:
        row, month = self.follow(batch, event, month_of=event.held_at)
        month["sessions_held"] += 1
        month["minutes_held"] += event.duration_minutes
        if row["meeting_every_days"]:
            row["held_under_expectations"] += 1

    @on(Relationship.SessionMissed)
    def _missed(self, batch: Batch, event: Relationship.SessionMissed, position: int) -> None:
        month = self.follow(batch, event)[1]
        month["sessions_missed"] += 1
        month["mentee_no_shows"] += event.missed_by == "mentee"

    @on(Relationship.SessionCancelled)
    def _cancelled(self, batch: Batch, event: Any, position: int) -> None:
        self.follow(batch, event)[1]["sessions_cancelled"] += 1

    @on(Relationship.FeedbackReceived)
    def _feedback(self, batch: Batch, event: Any, position: int) -> None:
        row, month = self.follow(batch, event)
        row["feedback"] += 1
        month["feedback"] += 1

    @on(Relationship.Reviewed)
    def _reviewed(self, batch: Batch, event: Relationship.Reviewed, position: int) -> None:
        month = self.follow(batch, event)[1]
        month["reviews"] += 1
        month["mentor_satisfaction_sum"] += event.mentor_satisfaction
        month["mentee_satisfaction_sum"] += event.mentee_satisfaction

    @on(*UNCOUNTED)
    def _other(self, batch: Batch, event: Any, position: int) -> None:
        self.follow(batch, event)

    # ---- stretches of meeting under an agreed frequency ---------------------

    def segment(self, batch: Batch, row: Row) -> Row:
        rows = batch.rows(SEGMENTS)
        key = (row["program_id"], row["meeting_every_days"])
        return rows.get(key) or rows.put(
            {"program_id": key[0], "every": key[1], **dict.fromkeys(SEGMENT_SUMS, 0)})

    def start_stretch(self, batch: Batch, row: Row, at: str) -> None:
        """An active relationship with an agreed frequency starts a stretch of meeting."""
        if row["status"] != "active":
            return
        row["segment_start"] = at
        if row["meeting_every_days"]:
            segment = self.segment(batch, row)
            segment["open_segments"] += 1
            add_micros(segment, "open_start", epoch_micros(at))

    def end_stretch(self, batch: Batch, row: Row, at: str) -> None:
        """The relationship's open stretch (if any) closes at ``at``: its program's sums
        move, and the sessions it expected are added to the row."""
        if row["segment_start"] and row["meeting_every_days"]:
            segment = self.segment(batch, row)
            segment["open_segments"] -= 1
            add_micros(segment, "open_start", epoch_micros(row["segment_start"]), -1)
            add_micros(segment, "closed", micros_between(row["segment_start"], at))
            row["expected_closed"] += days(row["segment_start"], at) / row["meeting_every_days"]
        row["segment_start"] = None

    # ---- goals and mentors --------------------------------------------------

    @on(*events_of(Goal))
    def _goal(self, batch: Batch, event: Any, position: int) -> None:
        rows = batch.rows(GOALS)
        if isinstance(event, Goal.Defined):
            rows.put({"goal_id": id_text(event.originator_id), "program_id": event.program_id,
                      "status": "open", "version": 1})
            self.month(batch, event.program_id, event.timestamp)["goals_defined"] += 1
            return
        row = rows.get(id_text(event.originator_id))
        assert row is not None, f"no health row for goal {event.originator_id}"
        advance(row, event)
        if isinstance(event, Goal.Achieved | Goal.Abandoned):
            row["status"] = "achieved" if isinstance(event, Goal.Achieved) else "abandoned"
            self.month(batch, row["program_id"], event.timestamp)[f"goals_{row['status']}"] += 1

    @on(*events_of(MentorProfile))
    def _mentor(self, batch: Batch, event: Any, position: int) -> None:
        rows = batch.rows(MENTORS)
        if isinstance(event, MentorProfile.Registered):
            rows.put({"mentor_key": id_text(event.originator_id), "program_id": event.program_id,
                      "capacity": event.capacity, "monthly_minutes": event.monthly_minutes,
                      "active_mentees": 0, "retired": False, "version": 1})
            return
        row = rows.get(id_text(event.originator_id))
        assert row is not None, f"no health row for mentor {event.originator_id}"
        advance(row, event)
        if isinstance(event, MentorProfile.Updated) and event.monthly_minutes is not None:
            row["monthly_minutes"] = event.monthly_minutes
        apply_mentor_load(row, event)
