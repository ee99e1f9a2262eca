"""At-risk relationships: the facts per relationship, now and at every past instant.

``at_risk_facts`` holds each relationship's current facts (last session, agreed
cadences, reviews, no-show streak, feedback waiting, concerns, goals...) and, for each
reason that applies (``risk_rules``), the instant from which it holds (``risk_1`` <=
... <= ``risk_12``). A relationship has k reasons at T when ``risk_k <= T`` and
``risk_(k+1)`` is later or absent, so the database finds a page of them, most reasons
first, with an index.

``at_risk_history`` keeps every version of the facts with the time it held from and to,
and the same risk instants, so the reasons as of a past instant T are found the same way
among the versions valid at T.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.goal import Goal
from domain.relationship import STATUS_AFTER, Relationship
from projections.base import Batch, Positioned, ReadModel, advance, events_of, id_text, ids_of, on
from projections.risk_rules import MAX_REASONS, RECENT_SESSIONS, risk_times
from projections.sql import Table, iso

Row = dict[str, Any]
RISKS = tuple(f"risk_{k}" for k in range(1, MAX_REASONS + 1))
OPEN = "9999-12-31T23:59:59.999999+00:00"  # valid_to of the current version

FACTS = Table(
    name="at_risk_facts",
    key=("relationship_id",),
    columns=("program_id", "mentor_id", "mentee_id", "status", "version", "changes",
             "requested_at", "connected_at", "expectations_set_at", "meeting_every_days",
             "review_every_days", "resumed_at", "paused_at", "last_session_at",
             "last_review_at", "last_mentor_satisfaction", "last_mentee_satisfaction",
             "review_low", "previous_review_low", "no_shows_in_a_row", "no_shows_by_mentee",
             "no_shows_by_mentor", "no_show_streak_since", "pending_feedback", "concern_at",
             "recent_sessions", "goals", *RISKS),
    json_columns=frozenset({"pending_feedback", "recent_sessions", "goals"}),
    ddl=(
        "CREATE TABLE IF NOT EXISTS {table} (relationship_id TEXT PRIMARY KEY, "
        "program_id TEXT NOT NULL, mentor_id TEXT NOT NULL, mentee_id TEXT NOT NULL, "
        "status TEXT NOT NULL, version INTEGER NOT NULL, changes INTEGER NOT NULL, "
        "requested_at TEXT NOT NULL, connected_at TEXT, expectations_set_at TEXT, "
        "meeting_every_days INTEGER, review_every_days INTEGER, resumed_at TEXT, "
        "paused_at TEXT, last_session_at TEXT, last_review_at TEXT, "
        "last_mentor_satisfaction INTEGER, last_mentee_satisfaction INTEGER, "
        "review_low INTEGER, previous_review_low INTEGER, no_shows_in_a_row INTEGER NOT NULL, "
        "no_shows_by_mentee INTEGER NOT NULL, no_shows_by_mentor INTEGER NOT NULL, "
        "no_show_streak_since TEXT, pending_feedback TEXT NOT NULL, concern_at TEXT, "
        "recent_sessions TEXT NOT NULL, goals TEXT NOT NULL, "
        + ", ".join(f"{risk} TEXT" for risk in RISKS) + ")",
        # Pages of at-risk relationships: in id order among many, or by risk time among few.
        "CREATE INDEX IF NOT EXISTS {table}_risky ON {table} (program_id, relationship_id) "
        "WHERE risk_1 IS NOT NULL",
        *(f"CREATE INDEX IF NOT EXISTS {{table}}_{risk} ON {{table}} (program_id, {risk}) "
          f"WHERE {risk} IS NOT NULL" for risk in RISKS),
    ),
)
HISTORY = Table(
    name="at_risk_history",
    key=("relationship_id", "seq"),
    columns=("program_id", "valid_from", "valid_to", "facts", *RISKS),
    json_columns=frozenset({"facts"}),
    ddl=("CREATE TABLE IF NOT EXISTS {table} (relationship_id TEXT NOT NULL, "
         "seq INTEGER NOT NULL, program_id TEXT NOT NULL, valid_from TEXT NOT NULL, "
         "valid_to TEXT NOT NULL, facts TEXT NOT NULL, "
         + ", ".join(f"{risk} TEXT" for risk in RISKS)
         + ", PRIMARY KEY (relationship_id, seq))",
         # As for the current facts: a page as of T follows one of these per number of
         # reasons k (by id where many versions have k reasons by T, by the k-th reason's
         # instant where few do, as early in the history) and keeps the versions valid
         # at T. They make the projection about a quarter slower to write (measured on
         # the demo log) for pages in 6-15 ms instead of 350 at 100,000 relationships.
         "CREATE INDEX IF NOT EXISTS {table}_risky ON {table} (program_id, relationship_id) "
         "WHERE risk_1 IS NOT NULL",
         *(f"CREATE INDEX IF NOT EXISTS {{table}}_{risk} ON {{table}} (program_id, {risk}) "
           f"WHERE {risk} IS NOT NULL" for risk in RISKS)),
)
GOALS = Table(
    name="at_risk_goals",
    key=("goal_id",),
    columns=("relationship_ids", "target_date", "status", "version"),
    json_columns=frozenset({"relationship_ids"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            goal_id TEXT PRIMARY KEY, relationship_ids TEXT NOT NULL, target_date TEXT NOT NULL,
            status TEXT NOT NULL, version INTEGER NOT NULL)""",),
)
HISTORY_FIELDS = tuple(c for c in FACTS.all_columns if c not in RISKS)


class AtRisk(ReadModel):
    """The facts behind the at-risk reasons: one current row per relationship, and every
    earlier version of it."""

    name = "at_risk"
    tables = (FACTS, HISTORY, GOALS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(FACTS).preload(ids_of(events, *events_of(Relationship)))
        batch.rows(GOALS).preload(ids_of(events, *events_of(Goal)))

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        at = iso(event.timestamp)
        row = batch.rows(FACTS).put({
            "relationship_id": id_text(event.originator_id), "program_id": event.program_id,
            "mentor_id": event.mentor_id, "mentee_id": event.mentee_id, "status": "requested",
            "version": 1, "changes": 0, "requested_at": at,
            **dict.fromkeys(("connected_at", "expectations_set_at", "meeting_every_days",
                             "review_every_days", "resumed_at", "paused_at",
                             "last_session_at", "last_review_at", "last_mentor_satisfaction",
                             "last_mentee_satisfaction", "review_low", "previous_review_low",
                             "no_show_streak_since", "concern_at", *RISKS)),
            "no_shows_in_a_row": 0, "no_shows_by_mentee": 0, "no_shows_by_mentor": 0,
            "pending_feedback": {}, "recent_sessions": [], "goals": {}})
        self.settle(batch, row, at or "")

    @on(*(c for c in events_of(Relationship) if c is not Relationship.Requested))
    def _changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(FACTS).get(id_text(event.originator_id))
        assert row is not None, f"no facts for {event.originator_id}"
        advance(row, event)
        at = iso(event.timestamp) or ""
        row["status"] = STATUS_AFTER.get(type(event), row["status"])
        FOLLOW.get(type(event), lambda *_: None)(row, event, at)
        self.settle(batch, row, at)

    @on(*events_of(Goal))
    def _goal(self, batch: Batch, event: Any, position: int) -> None:
        goals, goal_id = batch.rows(GOALS), id_text(event.originator_id)
        if isinstance(event, Goal.Defined):
            goal = goals.put({"goal_id": goal_id, "relationship_ids": [], "status": "open",
                              "target_date": event.target_date.isoformat(), "version": 1})
            linked = [event.relationship_id] if event.relationship_id else []
        else:
            found = goals.get(goal_id)
            assert found is not None, f"no goal row for {goal_id}"
            goal, linked = found, []
            advance(goal, event)
            if isinstance(event, Goal.LinkedToRelationship):
                linked = [event.relationship_id]
            elif isinstance(event, Goal.Revised) and event.target_date is not None:
                goal["target_date"] = event.target_date.isoformat()
            elif isinstance(event, Goal.Achieved | Goal.Abandoned):
                goal["status"] = "closed"
        goal["relationship_ids"] = sorted({*goal["relationship_ids"], *linked})
        for relationship_id in goal["relationship_ids"]:
            row = batch.rows(FACTS).get(relationship_id)
            if row is None:
                continue  # a goal linked to a relationship this view never saw
            row["goals"] = {k: v for k, v in row["goals"].items() if k != goal_id}
            if goal["status"] == "open":
                row["goals"][goal_id] = goal["target_date"]
            self.settle(batch, row, iso(event.timestamp) or "")

    def settle(self, batch: Batch, row: Row, at: str) -> None:
        """The facts changed at ``at``: new risk instants, and a new version in the history
        (the previous one held until ``at``)."""
        times = risk_times(row)
        for k, risk in enumerate(RISKS):
            row[risk] = times[k] if k < len(times) else None
        if row["changes"]:
            batch.update(HISTORY, (row["relationship_id"], row["changes"]), {"valid_to": at})
        row["changes"] += 1
        batch.insert(HISTORY, {
            "relationship_id": row["relationship_id"], "seq": row["changes"],
            "program_id": row["program_id"], "valid_from": at, "valid_to": OPEN,
            "facts": {f: row[f] for f in HISTORY_FIELDS}, **{r: row[r] for r in RISKS}})


def _connected(row: Row, event: Any, at: str) -> None:
    row["connected_at"] = at


def _agreed(row: Row, event: Relationship.ExpectationsSet, at: str) -> None:
    row["expectations_set_at"] = row["expectations_set_at"] or at
    row["meeting_every_days"] = event.meeting_every_days
    row["review_every_days"] = event.review_every_days


def _paused(row: Row, event: Any, at: str) -> None:
    row["paused_at"] = at


def _resumed(row: Row, event: Any, at: str) -> None:
    row["resumed_at"], row["paused_at"] = at, None


def _held(row: Row, event: Relationship.SessionHeld, at: str) -> None:
    held = iso(event.held_at)
    row["last_session_at"] = max(filter(None, (row["last_session_at"], held)))
    row["no_shows_in_a_row"], row["no_show_streak_since"], row["concern_at"] = 0, None, None
    row["recent_sessions"] = [*row["recent_sessions"],
                              [at, event.mentee_on_time, event.mentee_prepared]
                              ][-RECENT_SESSIONS:]


def _missed(row: Row, event: Relationship.SessionMissed, at: str) -> None:
    row["no_shows_in_a_row"] += 1
    row[f"no_shows_by_{event.missed_by}"] += 1
    if row["no_shows_in_a_row"] == 2:
        row["no_show_streak_since"] = at


def _reviewed(row: Row, event: Relationship.Reviewed, at: str) -> None:
    row["last_review_at"] = at
    row["last_mentor_satisfaction"] = event.mentor_satisfaction
    row["last_mentee_satisfaction"] = event.mentee_satisfaction
    row["previous_review_low"] = row["review_low"]
    row["review_low"] = min(event.mentor_satisfaction, event.mentee_satisfaction)


def _feedback(row: Row, event: Relationship.FeedbackReceived, at: str) -> None:
    row["pending_feedback"] = {**row["pending_feedback"], event.feedback_id: at}


def _acknowledged(row: Row, event: Relationship.FeedbackAcknowledged, at: str) -> None:
    row["pending_feedback"] = {k: v for k, v in row["pending_feedback"].items()
                               if k != event.feedback_id}


def _shared(row: Row, event: Relationship.ExperienceShared, at: str) -> None:
    if event.kind == "concern":
        row["concern_at"] = row["concern_at"] or at


FOLLOW: dict[type, Any] = {
    Relationship.ConnectionEstablished: _connected, Relationship.ExpectationsSet: _agreed,
    Relationship.Paused: _paused, Relationship.Resumed: _resumed,
    Relationship.SessionHeld: _held, Relationship.SessionMissed: _missed,
    Relationship.Reviewed: _reviewed, Relationship.FeedbackReceived: _feedback,
    Relationship.FeedbackAcknowledged: _acknowledged, Relationship.ExperienceShared: _shared,
}
