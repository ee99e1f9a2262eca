"""Goal summaries: one row per goal, so a mentee's or a relationship's goals are listed
without loading an aggregate. Ids, status, dates and progress only: a goal's title and
criteria are personal text and are read from the goal itself (``GET /v1/goals/{id}``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.goal import Goal
from domain.values import canonical_uuid
from infrastructure.sql import TranslatingCursor
from projections.base import Batch, Positioned, ReadModel, advance, events_of, id_text, ids_of, on
from projections.sql import Table, in_clause, iso, read_rows

GOALS = Table(
    name="goal_summaries",
    key=("goal_id",),
    columns=("position", "program_id", "mentee_id", "area", "status", "version",
             "target_date", "progress", "revisions", "relationship_ids", "defined_at",
             "closed_at", "last_event_at", "external_id"),
    json_columns=frozenset({"relationship_ids"}),
    ddl=(
        """CREATE TABLE IF NOT EXISTS {table} (
            goal_id TEXT PRIMARY KEY,
            position {bigint} NOT NULL,
            program_id TEXT NOT NULL,
            mentee_id TEXT NOT NULL,
            area TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            target_date TEXT NOT NULL,
            progress INTEGER NOT NULL,
            revisions INTEGER NOT NULL,
            relationship_ids TEXT NOT NULL,
            defined_at TEXT NOT NULL,
            closed_at TEXT,
            last_event_at TEXT NOT NULL,
            external_id TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, position)",
        "CREATE INDEX IF NOT EXISTS {table}_mentee ON {table} (mentee_id, position)",
    ),
)
PUBLIC_COLUMNS = tuple(c for c in GOALS.all_columns if c != "position")


class GoalSummaries(ReadModel):
    """Lists of goals by program, mentee, status or relationship."""

    name = "goal_summaries"
    tables = (GOALS,)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(GOALS).preload(ids_of(events, *events_of(Goal)))

    @on(Goal.Defined)
    def _defined(self, batch: Batch, event: Goal.Defined, position: int) -> None:
        batch.rows(GOALS).put({
            "goal_id": id_text(event.originator_id), "position": position,
            "program_id": canonical_uuid(event.program_id), "mentee_id": event.mentee_id,
            "area": event.area or "", "status": "open", "version": 1,
            "target_date": event.target_date.isoformat(), "progress": 0, "revisions": 0,
            "relationship_ids": [event.relationship_id] if event.relationship_id else [],
            "defined_at": iso(event.timestamp), "closed_at": None,
            "last_event_at": iso(event.timestamp),
            "external_id": getattr(event, "external_id", None),
        })

    @on(*(c for c in events_of(Goal) if c is not Goal.Defined))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(GOALS).get(id_text(event.originator_id))
        assert row is not None, f"no summary for goal {event.originator_id}"
        advance(row, event)
        row["last_event_at"] = iso(event.timestamp)
        kind = type(event)
        if kind is Goal.Revised:
            row["revisions"] += 1
            if event.target_date is not None:
                row["target_date"] = event.target_date.isoformat()
        elif kind is Goal.ProgressRecorded:
            row["progress"] = event.percent
        elif kind is Goal.Achieved:
            row["status"], row["progress"] = "achieved", 100
            row["closed_at"] = iso(event.timestamp)
        elif kind is Goal.Abandoned:
            row["status"], row["closed_at"] = "abandoned", iso(event.timestamp)
        elif kind is Goal.LinkedToRelationship:
            row["relationship_ids"] = [*row["relationship_ids"], event.relationship_id]


def list_goals(cursor: TranslatingCursor, kind: str, table: str, *,
               program_ids: Sequence[str] | None,
               mentee_id: str | None, status: str | None, goal_ids: Sequence[str] | None,
               limit: int, after: int) -> list[dict[str, Any]]:
    """Goals in the order they were defined, after a cursor position."""
    conditions: list[str] = ["position > %s"]
    params: list[Any] = [after]
    for column, value in (("mentee_id", mentee_id), ("status", status)):
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    for column, values in (("program_id", program_ids), ("goal_id", goal_ids)):
        if values is not None:
            if not values:
                return []
            clause, values_params = in_clause(kind, column, values)
            conditions.append(clause)
            params.extend(values_params)
    return read_rows(cursor, GOALS, table, " AND ".join(conditions), params,
                     order=f"position LIMIT {int(limit)}")


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A goal summary as the API shows it."""
    return {"id": row["goal_id"], **{c: row[c] for c in PUBLIC_COLUMNS}}
