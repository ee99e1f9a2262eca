"""Program health, the admin dashboard: facts per relationship, goal, mentor and month.

Figures that depend on "now" (cadence adherence, relationship-months, this month's
minutes) are computed when asked, from these tables only; see ``health_figures``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.relationship import Relationship
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
from projections.sql import Rows, Table, iso, month_key, parse_time

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
# Per-program totals, kept up to date by every batch (the change of each row it touched), so
# the dashboard reads one row here instead of every relationship of the program. Sums of
# times are exact integers (microseconds, split in seconds + microseconds so they never
# overflow): a figure that grows with "now" is (count x now - sum of starts), and the totals
# are the same whatever the batches were.
STATUS_COUNTS = ("requested", "active", "paused", "declined", "concluded")
MICRO_SUMS = ("tte", "connected_open", "connected_closed")  # each stored as _s and _us
PROGRAM_INTEGERS = (*STATUS_COUNTS, "held_under_expectations", "tte_count", "connected_open",
                    "feedback", "goals_open", "goals_achieved", "goals_abandoned", "mentors",
                    "mentor_active_mentees", "mentor_capacity", "mentor_monthly_minutes",
                    *(f"{name}_{part}" for name in MICRO_SUMS for part in ("s", "us")))
PROGRAMS = Table(
    name="health_programs",
    key=("program_id",),
    columns=PROGRAM_INTEGERS,
    ddl=("CREATE TABLE IF NOT EXISTS {table} (program_id TEXT PRIMARY KEY, "
         + ", ".join(f"{c} {{bigint}} NOT NULL" for c in PROGRAM_INTEGERS) + ")",),
)
# Stretches of active meeting under an agreed frequency, per program and frequency: how
# many are open and the sum of their starts, and the total length of the closed ones.
SEGMENT_SUMS = ("open_segments", "open_start_s", "open_start_us", "closed_s", "closed_us")
SEGMENTS = Table(
    name="health_segments",
    key=("program_id", "every"),
    columns=SEGMENT_SUMS,
    ddl=("CREATE TABLE IF NOT EXISTS {table} (program_id TEXT NOT NULL, every INTEGER NOT NULL, "
         + ", ".join(f"{c} {{bigint}} NOT NULL" for c in SEGMENT_SUMS)
         + ", PRIMARY KEY (program_id, every))",),
)
# Time from connection to first expectations, in microseconds: how many relationships took
# each value, for the median (one row per distinct value).
TIMES_TO_EXPECTATIONS = Table(
    name="health_tte",
    key=("program_id", "micros"),
    columns=("relationships",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (program_id TEXT NOT NULL, micros {bigint} NOT NULL,
            relationships {bigint} NOT NULL, PRIMARY KEY (program_id, micros))""",),
)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
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


def epoch_micros(at: str) -> int:
    """Microseconds since EPOCH."""
    return (parse_time(at) - EPOCH) // _MICRO  # type: ignore[operator]


def micros_between(start: str, end: str) -> int:
    elapsed = parse_time(end) - parse_time(start)  # type: ignore[operator]
    return max(elapsed // _MICRO, 0)


def add_micros(totals: dict[str, int], name: str, micros: int, sign: int = 1) -> None:
    """Adds to a sum of microseconds kept as ``name_s`` + ``name_us`` (never overflows)."""
    seconds, rest = divmod(micros, 1_000_000)
    totals[f"{name}_s"] = totals.get(f"{name}_s", 0) + sign * seconds
    totals[f"{name}_us"] = totals.get(f"{name}_us", 0) + sign * rest


def micros_of(totals: dict[str, Any], name: str) -> int:
    return int(totals[f"{name}_s"]) * 1_000_000 + int(totals[f"{name}_us"])


_MICRO = timedelta(microseconds=1)
EMPTY: Contribution = ("", {}, None)
Contribution = tuple[str, dict[str, int], int | None]  # program, totals, time-to-expectations


def relationship_totals(row: dict[str, Any]) -> Contribution:
    """What one relationship adds to its program's totals (stretches of meeting aside)."""
    totals: dict[str, int] = {row["status"]: 1,
                              "held_under_expectations": row["held_under_expectations"]}
    tte = None
    connected = row["connected_at"]
    if connected:
        if row["first_expectations_at"]:
            tte = micros_between(connected, row["first_expectations_at"])
            totals["tte_count"] = 1
            add_micros(totals, "tte", tte)
        if row["concluded_at"]:
            add_micros(totals, "connected_closed", micros_between(connected, row["concluded_at"]))
        else:
            totals["connected_open"] = 1
            add_micros(totals, "connected_open", epoch_micros(connected))
        totals["feedback"] = row["feedback"]
    return row["program_id"], totals, tte


def goal_totals(row: dict[str, Any]) -> Contribution:
    return row["program_id"], {f"goals_{row['status']}": 1}, None


def mentor_totals(row: dict[str, Any]) -> Contribution:
    if row["retired"]:
        return row["program_id"], {}, None
    return row["program_id"], {"mentors": 1, "mentor_active_mentees": row["active_mentees"],
                               "mentor_capacity": row["capacity"],
                               "mentor_monthly_minutes": row["monthly_minutes"]}, None


class ProgramHealth(ReadModel):
    """The facts every dashboard figure is computed from."""

    name = "program_health"
    tables = (RELATIONSHIPS, GOALS, MENTORS, MONTHS, PROGRAMS, SEGMENTS, TIMES_TO_EXPECTATIONS)

    def apply(self, batch: Batch, events: Iterable[Positioned]) -> None:
        """Applies the events, then moves each program's totals by what its touched rows
        contributed before and after the batch."""
        events = list(events)
        self.preload(batch, events)
        tracked: list[tuple[Rows, Callable[[dict[str, Any]], Contribution]]] = [
            (batch.rows(RELATIONSHIPS), relationship_totals), (batch.rows(GOALS), goal_totals),
            (batch.rows(MENTORS), mentor_totals)]
        before = [{key: totals(row) for key, row in rows.loaded().items() if row is not None}
                  for rows, totals in tracked]
        handlers = self.handlers
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, batch, event, position)
        changes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        histogram: dict[tuple[str, int], int] = defaultdict(int)
        for (rows, totals), earlier in zip(tracked, before, strict=True):
            for row in rows.dirty():
                after = totals(row)
                was = earlier.get(rows.table.key_of(row))
                if after == was:
                    continue
                for sign, (program_id, values, tte) in ((1, after), (-1, was or EMPTY)):
                    if not program_id:
                        continue
                    change = changes[program_id]
                    for name, value in values.items():
                        change[name] += sign * value
                    if tte is not None:
                        histogram[(program_id, tte)] += sign
        if changes:
            programs = batch.rows(PROGRAMS)
            programs.preload(changes)
            for program_id, change in changes.items():
                row = programs.get(program_id) or programs.put(
                    {"program_id": program_id, **dict.fromkeys(PROGRAM_INTEGERS, 0)})
                for name, value in change.items():
                    row[name] += value
        times = batch.rows(TIMES_TO_EXPECTATIONS)
        for (program_id, micros), count in histogram.items():
            if count:
                row = times.get((program_id, micros)) or times.put(
                    {"program_id": program_id, "micros": micros, "relationships": 0})
                row["relationships"] += count
        batch.flush()

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
            "relationship_id": id_text(event.originator_id), "program_id": event.program_id,
            "status": "requested", "version": 1, "connected_at": None, "concluded_at": None,
            "first_expectations_at": None, "meeting_every_days": None, "segment_start": None,
            "expected_closed": 0.0, "held_under_expectations": 0, "feedback": 0,
        })
        self.month(batch, event.program_id, event.timestamp)["requested"] += 1

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(RELATIONSHIPS).get(id_text(event.originator_id))
        assert row is not None, f"no health row for {event.originator_id}"
        advance(row, event)
        kind, at = type(event), iso(event.timestamp) or ""
        month = self.month(batch, row["program_id"],
                           event.held_at if kind is Relationship.SessionHeld else event.timestamp)
        if kind in MONTHLY:
            month[MONTHLY[kind]] += 1
        if kind in (Relationship.ExpectationsSet, Relationship.Paused, Relationship.Concluded):
            self.segment_ends(batch, row, at)
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
            if row["meeting_every_days"]:
                segment = self.segment(batch, row)
                segment["open_segments"] += 1
                add_micros(segment, "open_start", epoch_micros(at))
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

    def segment(self, batch: Batch, row: dict[str, Any]) -> dict[str, Any]:
        rows = batch.rows(SEGMENTS)
        key = (row["program_id"], row["meeting_every_days"])
        return rows.get(key) or rows.put(
            {"program_id": key[0], "every": key[1], **dict.fromkeys(SEGMENT_SUMS, 0)})

    def segment_ends(self, batch: Batch, row: dict[str, Any], at: str) -> None:
        """The program's open stretch of this relationship (if any) closes at ``at``."""
        if row["segment_start"] and row["meeting_every_days"]:
            segment = self.segment(batch, row)
            segment["open_segments"] -= 1
            add_micros(segment, "open_start", epoch_micros(row["segment_start"]), -1)
            add_micros(segment, "closed", micros_between(row["segment_start"], at))

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


def close_segment(row: dict[str, Any], at: str) -> None:
    """Adds the sessions expected since the current stretch of active meeting began."""
    if row["segment_start"] and row["meeting_every_days"]:
        row["expected_closed"] += days(row["segment_start"], at) / row["meeting_every_days"]
    row["segment_start"] = None
