"""Relationship summaries: one row per relationship, for lists filtered by program, status,
mentor or mentee, with expectations, last and next session, counts and linked goals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.goal import Goal
from domain.relationship import COUNTERS, STATUS_AFTER, Relationship
from infrastructure.sql import TranslatingCursor
from projections.base import Batch, Positioned, ReadModel, advance, events_of, id_text, ids_of, on
from projections.sql import Table, iso, read_rows

SUMMARIES = Table(
    name="relationship_summaries",
    key=("relationship_id",),
    columns=("position", "program_id", "mentor_id", "mentee_id", "status", "version",
             "requested_at", "connected_at", "expectations_set_at", "concluded_at",
             "last_event_at", "expectations", "scheduled", "next_session_at",
             "last_session_at", "counts", "last_review", "goal_ids"),
    json_columns=frozenset({"expectations", "scheduled", "counts", "last_review", "goal_ids"}),
    ddl=(
        """CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT PRIMARY KEY,
            position {bigint} NOT NULL,
            program_id TEXT NOT NULL,
            mentor_id TEXT NOT NULL,
            mentee_id TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            requested_at TEXT NOT NULL,
            connected_at TEXT,
            expectations_set_at TEXT,
            concluded_at TEXT,
            last_event_at TEXT NOT NULL,
            expectations TEXT,
            scheduled TEXT NOT NULL,
            next_session_at TEXT,
            last_session_at TEXT,
            counts TEXT NOT NULL,
            last_review TEXT,
            goal_ids TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, position)",
        "CREATE INDEX IF NOT EXISTS {table}_status ON {table} (program_id, status, position)",
        "CREATE INDEX IF NOT EXISTS {table}_position ON {table} (position)",
        "CREATE INDEX IF NOT EXISTS {table}_mentor ON {table} (mentor_id, position)",
        "CREATE INDEX IF NOT EXISTS {table}_mentee ON {table} (mentee_id, position)",
    ),
)
PUBLIC_COLUMNS = tuple(c for c in SUMMARIES.all_columns if c not in ("position", "scheduled"))

COUNTED = {
    Relationship.SessionHeld: "sessions_held",
    Relationship.SessionCancelled: "sessions_cancelled",
    Relationship.SessionMissed: "sessions_missed",
    Relationship.FeedbackReceived: "feedback_received",
    Relationship.FeedbackAcknowledged: "feedback_acknowledged",
    Relationship.ExperienceShared: "experiences_shared",
    Relationship.AdviceApplied: "advice_applied",
    Relationship.ProgressReported: "progress_reports",
    Relationship.GratitudeExpressed: "gratitude_expressed",
    Relationship.Reviewed: "reviews",
}


class RelationshipSummaries(ReadModel):
    """Lists of relationships without loading a single aggregate."""

    name = "relationship_summaries"
    tables = (SUMMARIES,)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        rows = batch.rows(SUMMARIES)
        rows.preload(ids_of(events, *events_of(Relationship)))
        rows.preload(ids_of(events, Goal.Defined, Goal.LinkedToRelationship,
                            attribute="relationship_id"))

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        batch.rows(SUMMARIES).put({
            "relationship_id": id_text(event.originator_id), "position": position,
            "program_id": event.program_id, "mentor_id": event.mentor_id,
            "mentee_id": event.mentee_id, "status": "requested", "version": 1,
            "requested_at": iso(event.timestamp), "connected_at": None,
            "expectations_set_at": None, "concluded_at": None,
            "last_event_at": iso(event.timestamp), "expectations": None, "scheduled": {},
            "next_session_at": None, "last_session_at": None,
            "counts": dict.fromkeys(COUNTERS, 0), "last_review": None,
            "goal_ids": [],
        })

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(SUMMARIES).get(id_text(event.originator_id))
        assert row is not None, f"no summary for {event.originator_id}"
        advance(row, event)
        row["last_event_at"] = iso(event.timestamp)
        kind = type(event)
        row["status"] = STATUS_AFTER.get(kind, row["status"])
        if kind in COUNTED:
            row["counts"][COUNTED[kind]] += 1
        if kind is Relationship.ConnectionEstablished:
            row["connected_at"] = iso(event.timestamp)
        elif kind is Relationship.ExpectationsSet:
            row["expectations_set_at"] = row["expectations_set_at"] or iso(event.timestamp)
            row["expectations"] = {
                "meeting_every_days": event.meeting_every_days,
                "session_minutes": event.session_minutes,
                "monthly_minutes_cap": event.monthly_minutes_cap,
                "topics": list(event.topics), "channel": event.channel,
                "review_every_days": event.review_every_days,
            }
        elif kind is Relationship.SessionScheduled:
            row["scheduled"][event.session_id] = iso(event.scheduled_for)
        elif kind in (Relationship.SessionHeld, Relationship.SessionCancelled,
                      Relationship.SessionMissed):
            row["scheduled"].pop(event.session_id, None)
            if kind is Relationship.SessionMissed and event.missed_by == "mentee":
                row["counts"]["mentee_no_shows"] += 1
            if kind is Relationship.SessionHeld:
                held = iso(event.held_at)
                row["last_session_at"] = max(filter(None, (row["last_session_at"], held)))
        elif kind is Relationship.Reviewed:
            row["last_review"] = {"at": iso(event.timestamp),
                                  "mentor_satisfaction": event.mentor_satisfaction,
                                  "mentee_satisfaction": event.mentee_satisfaction}
        elif kind is Relationship.Concluded:
            row["concluded_at"] = iso(event.timestamp)
            row["scheduled"] = {}
        row["next_session_at"] = min(row["scheduled"].values(), default=None)

    @on(Goal.Defined, Goal.LinkedToRelationship)
    def _goal_linked(self, batch: Batch, event: Any, position: int) -> None:
        if not event.relationship_id:
            return
        row = batch.rows(SUMMARIES).get(event.relationship_id)
        goal_id = id_text(event.originator_id)
        if row is not None and goal_id not in row["goal_ids"]:
            row["goal_ids"].append(goal_id)


def list_summaries(cursor: TranslatingCursor, kind: str, table: str, *,
                   program_ids: Sequence[str] | None, status: str | None = None,
                   mentor_id: str | None = None, mentee_id: str | None = None,
                   limit: int = 50, after: int = 0) -> list[dict[str, Any]]:
    """Summaries in request order after a cursor position; ``program_ids=None`` means all.

    Each program is read with an equality on ``program_id`` so an index in (program, ...,
    position) order gives the first rows without sorting the program; several programs are
    several such reads (each limited), merged."""
    conditions, params = ["position > %s"], list[Any]([after])
    for column, value in (("status", status), ("mentor_id", mentor_id),
                          ("mentee_id", mentee_id)):
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    order = f"position LIMIT {int(limit)}"
    if program_ids is None:
        return read_rows(cursor, SUMMARIES, table, " AND ".join(conditions), params, order=order)
    programs = sorted(set(program_ids))
    if not programs:
        return []
    where = " AND ".join(["program_id = %s", *conditions])
    if len(programs) == 1:
        return read_rows(cursor, SUMMARIES, table, where, [programs[0], *params], order=order)
    names = ", ".join(SUMMARIES.all_columns)
    parts = [f"SELECT {names} FROM ({SUMMARIES.select_sql(table, where)} ORDER BY {order}) "
             f"AS part_{index}" for index in range(len(programs))]
    cursor.execute(" UNION ALL ".join(parts) + f" ORDER BY {order}",
                   [value for program in programs for value in (program, *params)])
    return [SUMMARIES.decode(values) for values in cursor.fetchall()]


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A summary as the API shows it."""
    return {c: row[c] for c in PUBLIC_COLUMNS}
