"""At-risk relationships: the facts per relationship, and the reasons computed as of a time.

The view stores facts (last session, agreed interval, last review, no-show streak) and,
for each reason that applies, the instant from which it holds (``risk_1`` <= ... <=
``risk_4``: e.g. last session + 2 x the interval, connection + 14 days). Which reasons hold
depends on "now": a relationship has k reasons at ``now`` when ``risk_k <= now`` and
``risk_(k+1)`` is later or absent, so the database finds a page of them, most reasons
first, with an index; their figures are computed for that page only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.relationship import STATUS_AFTER, Relationship
from infrastructure.sql import TranslatingCursor
from projections.base import Batch, Positioned, ReadModel, advance, events_of, id_text, ids_of, on
from projections.sql import Table, iso, parse_time, read_rows

Row = dict[str, Any]

NO_EXPECTATIONS_AFTER_DAYS = 14
LOW_SATISFACTION = 2  # a review scored at or below this by either side
REPEATED_NO_SHOWS = 2  # missed sessions in a row, with no session held between them

FACTS = Table(
    name="at_risk_facts",
    key=("relationship_id",),
    columns=("program_id", "mentor_id", "mentee_id", "status", "version", "connected_at",
             "expectations_set_at", "meeting_every_days", "resumed_at", "last_session_at",
             "last_review_at", "last_mentor_satisfaction", "last_mentee_satisfaction",
             "no_shows_in_a_row", "no_shows_by_mentee", "no_shows_by_mentor",
             "risk_1", "risk_2", "risk_3", "risk_4"),
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
            no_shows_by_mentor INTEGER NOT NULL,
            risk_1 TEXT, risk_2 TEXT, risk_3 TEXT, risk_4 TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, status)",
        # Pages of at-risk relationships: in id order among many, or by risk time among few.
        "CREATE INDEX IF NOT EXISTS {table}_risky ON {table} (program_id, relationship_id) "
        "WHERE risk_1 IS NOT NULL",
        *(f"CREATE INDEX IF NOT EXISTS {{table}}_risk_{k} ON {{table}} (program_id, risk_{k}) "
          f"WHERE risk_{k} IS NOT NULL" for k in range(1, 5)),
    ),
)
SELECT_OPEN_OF_PROGRAM = "program_id = %s AND status IN ('active', 'paused')"
# A reason that holds whatever the time asked (repeated no-shows) counts from the dawn of time.
ALWAYS = "0001-01-01T00:00:00.000000+00:00"
MICROSECOND = timedelta(microseconds=1)


class AtRisk(ReadModel):
    """The facts behind the at-risk reasons, one row per relationship."""

    name = "at_risk"
    tables = (FACTS,)

    def after_batch(self, batch: Batch, before: Any) -> None:
        """Stores, for each changed relationship, from when each of its reasons holds."""
        for row in batch.rows(FACTS).dirty():
            times = risk_times(row)
            for k in range(1, MAX_REASONS + 1):
                row[f"risk_{k}"] = times[k - 1] if k <= len(times) else None

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(FACTS).preload(ids_of(events))

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        batch.rows(FACTS).put({
            "relationship_id": id_text(event.originator_id), "program_id": event.program_id,
            "mentor_id": event.mentor_id, "mentee_id": event.mentee_id,
            "status": "requested", "version": 1, "connected_at": None,
            "expectations_set_at": None, "meeting_every_days": None, "resumed_at": None,
            "last_session_at": None, "last_review_at": None,
            "last_mentor_satisfaction": None, "last_mentee_satisfaction": None,
            "no_shows_in_a_row": 0, "no_shows_by_mentee": 0, "no_shows_by_mentor": 0,
            "risk_1": None, "risk_2": None, "risk_3": None, "risk_4": None,
        })

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(FACTS).get(id_text(event.originator_id))
        assert row is not None, f"no facts for {event.originator_id}"
        advance(row, event)
        kind, at = type(event), iso(event.timestamp)
        row["status"] = STATUS_AFTER.get(kind, row["status"])
        if kind is Relationship.ConnectionEstablished:
            row["connected_at"] = at
        elif kind is Relationship.Resumed:
            row["resumed_at"] = at
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


def session_clock(row: dict[str, Any]) -> str:
    """Since when the no-session clock runs: a resumption or the agreement restarts it too."""
    return str(max(filter(None, (row["last_session_at"], row["expectations_set_at"],
                                 row["resumed_at"]))))


def after_days(start: str, days: float) -> datetime:
    """The first instant more than ``days`` after ``start``."""
    begun = parse_time(start)
    assert begun is not None
    return begun + timedelta(days=days) + MICROSECOND


@dataclass(frozen=True)
class RiskRule:
    """One reason a relationship may be at risk: its code, from when it holds (None: it
    does not), and the figures that explain it as of a time."""

    code: str
    starts: Callable[[Row], str | None]
    figures: Callable[[Row, datetime], dict[str, Any]]


def _no_session_starts(row: Row) -> str | None:
    every = row["meeting_every_days"]
    if row["status"] != "active" or not every:
        return None
    return iso(after_days(session_clock(row), 2 * every))


def _no_session_figures(row: Row, now: datetime) -> dict[str, Any]:
    return {"days_without_session": days_between(session_clock(row), now),
            "meeting_every_days": row["meeting_every_days"],
            "last_session_at": row["last_session_at"]}


def _no_expectations_starts(row: Row) -> str | None:
    if not row["connected_at"] or row["expectations_set_at"]:
        return None
    return iso(after_days(row["connected_at"], NO_EXPECTATIONS_AFTER_DAYS))


def _low_satisfaction_starts(row: Row) -> str | None:
    if row["last_review_at"] is None or min(
            row["last_mentor_satisfaction"], row["last_mentee_satisfaction"]) > LOW_SATISFACTION:
        return None
    return str(row["last_review_at"])


RULES = (
    RiskRule("no_session_for_2x_interval", _no_session_starts, _no_session_figures),
    RiskRule("no_expectations_14_days_after_connection", _no_expectations_starts,
             lambda row, now: {"days_since_connection": days_between(row["connected_at"], now),
                               "connected_at": row["connected_at"]}),
    RiskRule("low_review_satisfaction", _low_satisfaction_starts,
             lambda row, now: {"mentor_satisfaction": row["last_mentor_satisfaction"],
                               "mentee_satisfaction": row["last_mentee_satisfaction"],
                               "reviewed_at": row["last_review_at"],
                               "threshold": LOW_SATISFACTION}),
    RiskRule("repeated_no_shows",
             lambda row: ALWAYS if row["no_shows_in_a_row"] >= REPEATED_NO_SHOWS else None,
             lambda row, now: {"no_shows_in_a_row": row["no_shows_in_a_row"],
                               "by_mentee": row["no_shows_by_mentee"],
                               "by_mentor": row["no_shows_by_mentor"]}),
)
MAX_REASONS = len(RULES)
# Each rule has a risk_k column in the view (a new rule needs a new column, and a rebuild).
assert MAX_REASONS == 4, "add a risk_k column to FACTS for each new rule"


def risk_times(row: Row) -> list[str]:
    """From when each reason holds (sorted): a relationship has k reasons at ``now`` exactly
    when its k-th time is <= now and its (k+1)-th is later or absent. Stored (risk_1..4),
    they let the database find, count and order the reasons of "now" with an index."""
    if row["status"] not in ("active", "paused"):
        return []
    return sorted(start for rule in RULES if (start := rule.starts(row)) is not None)


def reasons_for(row: Row, now: datetime) -> list[dict[str, Any]]:
    """Why a relationship is at risk as of ``now``, each reason a code with its figures."""
    at = iso(now) or ""
    return [{"code": rule.code, **rule.figures(row, now)} for rule in RULES
            if (start := rule.starts(row)) is not None and start <= at]


def at_risk_of_program(cursor: TranslatingCursor, table: str, program_id: str, now: datetime,
                       *, limit: int | None = None,
                       after: tuple[int, str] | None = None) -> list[dict[str, Any]]:
    """Open relationships of a program with at least one reason as of ``now``, most reasons
    first, then by id; up to ``limit`` after the (reasons, relationship id) ``after``.

    Each number of reasons is one indexed query on the stored risk times, so a page reads
    about ``limit`` rows however many relationships the program has."""
    at = iso(now)
    found: list[dict[str, Any]] = []
    start = after[0] if after else MAX_REASONS
    for k in range(start, 0, -1):
        wanted = None if limit is None else limit - len(found)
        if wanted is not None and wanted <= 0:
            break
        where = f"program_id = %s AND risk_{k} <= %s"
        params: list[Any] = [program_id, at]
        if k < MAX_REASONS:
            where += f" AND (risk_{k + 1} IS NULL OR risk_{k + 1} > %s)"
            params.append(at)
        if after and k == after[0]:
            where += " AND relationship_id > %s"
            params.append(after[1])
        order = "relationship_id" + (f" LIMIT {int(wanted)}" if wanted is not None else "")
        for row in read_rows(cursor, FACTS, table, where, params, order=order):
            found.append({"relationship_id": row["relationship_id"],
                          "program_id": row["program_id"], "mentor_id": row["mentor_id"],
                          "mentee_id": row["mentee_id"], "status": row["status"],
                          "reasons": reasons_for(row, now)})
    return found
