"""At-risk relationships: the facts per relationship, and the reasons computed as of a time.

The view stores facts (last session, agreed interval, last review, no-show streak); the
reasons depend on "now", so they are computed when asked, from the view alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.relationship import Relationship
from projections.base import Batch, Positioned, ReadModel, advance, events_of, ids_of, on
from projections.sql import Table, iso, parse_time, read_rows
from projections.storage import TranslatingCursor

NO_EXPECTATIONS_AFTER_DAYS = 14
LOW_SATISFACTION = 2  # a review scored at or below this by either side
REPEATED_NO_SHOWS = 2  # missed sessions in a row, with no session held between them

FACTS = Table(
    name="at_risk_facts",
    key=("relationship_id",),
    columns=("program_id", "mentor_id", "mentee_id", "status", "version", "connected_at",
             "expectations_set_at", "meeting_every_days", "resumed_at", "last_session_at",
             "last_review_at", "last_mentor_satisfaction", "last_mentee_satisfaction",
             "no_shows_in_a_row", "no_shows_by_mentee", "no_shows_by_mentor"),
    ddl=(
        """CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT PRIMARY KEY,
            program_id TEXT NOT NULL,
            mentor_id TEXT NOT NULL,
            mentee_id TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            connected_at TEXT,
            expectations_set_at TEXT,
            meeting_every_days INTEGER,
            resumed_at TEXT,
            last_session_at TEXT,
            last_review_at TEXT,
            last_mentor_satisfaction INTEGER,
            last_mentee_satisfaction INTEGER,
            no_shows_in_a_row INTEGER NOT NULL,
            no_shows_by_mentee INTEGER NOT NULL,
            no_shows_by_mentor INTEGER NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, status)",
    ),
)
SELECT_OPEN_OF_PROGRAM = "program_id = %s AND status IN ('active', 'paused')"


class AtRisk(ReadModel):
    """The facts behind the at-risk reasons, one row per relationship."""

    name = "at_risk"
    tables = (FACTS,)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(FACTS).preload(ids_of(events))

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        batch.rows(FACTS).put({
            "relationship_id": str(event.originator_id), "program_id": event.program_id,
            "mentor_id": event.mentor_id, "mentee_id": event.mentee_id,
            "status": "requested", "version": 1, "connected_at": None,
            "expectations_set_at": None, "meeting_every_days": None, "resumed_at": None,
            "last_session_at": None, "last_review_at": None,
            "last_mentor_satisfaction": None, "last_mentee_satisfaction": None,
            "no_shows_in_a_row": 0, "no_shows_by_mentee": 0, "no_shows_by_mentor": 0,
        })

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(FACTS).get(str(event.originator_id))
        assert row is not None, f"no facts for {event.originator_id}"
        advance(row, event)
        kind, at = type(event), iso(event.timestamp)
        if kind is Relationship.Declined:
            row["status"] = "declined"
        elif kind is Relationship.ConnectionEstablished:
            row["status"], row["connected_at"] = "active", at
        elif kind is Relationship.Paused:
            row["status"] = "paused"
        elif kind is Relationship.Resumed:
            row["status"], row["resumed_at"] = "active", at
        elif kind is Relationship.Concluded:
            row["status"] = "concluded"
        elif kind is Relationship.ExpectationsSet:
            row["expectations_set_at"] = row["expectations_set_at"] or at
            row["meeting_every_days"] = event.meeting_every_days
        elif kind is Relationship.SessionHeld:
            held = iso(event.held_at)
            row["last_session_at"] = max(filter(None, (row["last_session_at"], held)))
            row["no_shows_in_a_row"] = 0
        elif kind is Relationship.SessionMissed:
            row["no_shows_in_a_row"] += 1
            row[f"no_shows_by_{event.missed_by}"] += 1
        elif kind is Relationship.Reviewed:
            row["last_review_at"] = at
            row["last_mentor_satisfaction"] = event.mentor_satisfaction
            row["last_mentee_satisfaction"] = event.mentee_satisfaction


def days_between(earlier: str | None, now: datetime) -> float | None:
    start = parse_time(earlier)
    return None if start is None else round((now - start).total_seconds() / 86400, 2)


def reasons_for(row: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Why a relationship is at risk as of ``now``, each reason a code with its figures."""
    reasons: list[dict[str, Any]] = []
    every = row["meeting_every_days"]
    if row["status"] == "active" and every:
        # A resumption or the agreement itself restarts the clock, not only a session.
        since = max(filter(None, (row["last_session_at"], row["expectations_set_at"],
                                  row["resumed_at"])))
        days = days_between(since, now) or 0.0
        if days > 2 * every:
            reasons.append({"code": "no_session_for_2x_interval",
                            "days_without_session": days, "meeting_every_days": every,
                            "last_session_at": row["last_session_at"]})
    if row["connected_at"] and not row["expectations_set_at"]:
        days = days_between(row["connected_at"], now) or 0.0
        if days > NO_EXPECTATIONS_AFTER_DAYS:
            reasons.append({"code": "no_expectations_14_days_after_connection",
                            "days_since_connection": days, "connected_at": row["connected_at"]})
    if row["last_review_at"] is not None and row["last_review_at"] <= iso(now):
        lowest = min(row["last_mentor_satisfaction"], row["last_mentee_satisfaction"])
        if lowest <= LOW_SATISFACTION:
            reasons.append({"code": "low_review_satisfaction",
                            "mentor_satisfaction": row["last_mentor_satisfaction"],
                            "mentee_satisfaction": row["last_mentee_satisfaction"],
                            "reviewed_at": row["last_review_at"],
                            "threshold": LOW_SATISFACTION})
    if row["no_shows_in_a_row"] >= REPEATED_NO_SHOWS:
        reasons.append({"code": "repeated_no_shows", "no_shows_in_a_row": row["no_shows_in_a_row"],
                        "by_mentee": row["no_shows_by_mentee"],
                        "by_mentor": row["no_shows_by_mentor"]})
    return reasons


def at_risk_of_program(cursor: TranslatingCursor, table: str, program_id: str,
                       now: datetime) -> list[dict[str, Any]]:
    """Open relationships of a program with at least one reason, most reasons first."""
    found = []
    for row in read_rows(cursor, FACTS, table, SELECT_OPEN_OF_PROGRAM, [program_id],
                         order="relationship_id"):
        reasons = reasons_for(row, now)
        if reasons:
            found.append({"relationship_id": row["relationship_id"],
                          "program_id": row["program_id"], "mentor_id": row["mentor_id"],
                          "mentee_id": row["mentee_id"], "status": row["status"],
                          "reasons": reasons})
    found.sort(key=lambda item: -len(item["reasons"]))
    return found
