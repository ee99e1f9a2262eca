"""The mentor directory (skills, capacity left, minutes left this month) and suggestions.

A goal's area is kept (as lower-case keywords) to match mentors' skills. The goal's title
is personal text, so no view stores it: suggestions add its words at query time, from the
goal itself, and an erased title simply adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from domain.base import ERASED
from domain.goal import Goal
from domain.mentor_profile import MentorProfile, mentor_profile_id
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
from projections.sql import Table, iso, month_key

MENTORS = Table(
    name="directory_mentors",
    key=("mentor_key",),
    columns=("program_id", "person_id", "skills", "experience_years", "capacity",
             "monthly_minutes", "active_mentees", "retired", "registered_at", "version"),
    json_columns=frozenset({"skills"}),
    bool_columns=frozenset({"retired"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            mentor_key TEXT PRIMARY KEY, program_id TEXT NOT NULL, person_id TEXT NOT NULL,
            skills TEXT NOT NULL, experience_years INTEGER NOT NULL, capacity INTEGER NOT NULL,
            monthly_minutes INTEGER NOT NULL, active_mentees INTEGER NOT NULL,
            retired {bool} NOT NULL, registered_at TEXT NOT NULL, version INTEGER NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, person_id)"),
)
MINUTES = Table(
    name="directory_minutes",
    key=("mentor_key", "month"),
    columns=("minutes",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            mentor_key TEXT NOT NULL, month TEXT NOT NULL, minutes INTEGER NOT NULL,
            PRIMARY KEY (mentor_key, month))""",),
)
RELATIONSHIPS = Table(
    name="directory_relationships",
    key=("relationship_id",),
    columns=("mentor_key",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT PRIMARY KEY, mentor_key TEXT NOT NULL)""",),
)
GOALS = Table(
    name="directory_goals",
    key=("goal_id",),
    columns=("program_id", "mentee_id", "area", "keywords", "status"),
    json_columns=frozenset({"keywords"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            goal_id TEXT PRIMARY KEY, program_id TEXT NOT NULL, mentee_id TEXT NOT NULL,
            area TEXT NOT NULL, keywords TEXT NOT NULL, status TEXT NOT NULL)""",),
)
STOPWORDS = frozenset({
    "a", "an", "and", "the", "of", "for", "to", "in", "on", "at", "by", "with", "from", "into",
    "my", "our", "your", "be", "get", "become", "more", "better", "how",
})


def keywords(*texts: str) -> list[str]:
    """Lower-case words of three letters or more that are not filler words."""
    texts = tuple(t for t in texts if t and t != ERASED)
    words = {w for text in texts for w in re.findall(r"[a-z0-9]+", text.lower())}
    return sorted(w for w in words if len(w) >= 3 and w not in STOPWORDS)


class MentorDirectory(ReadModel):
    """Mentors per program with what they have left to give."""

    name = "mentor_directory"
    tables = (MENTORS, MINUTES, RELATIONSHIPS, GOALS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(MENTORS).preload(ids_of(events, *events_of(MentorProfile)))
        batch.rows(RELATIONSHIPS).preload(ids_of(events, Relationship.SessionHeld))
        batch.rows(GOALS).preload(ids_of(events, Goal.Revised, Goal.Achieved, Goal.Abandoned))

    @on(*events_of(MentorProfile))
    def _mentor(self, batch: Batch, event: Any, position: int) -> None:
        rows = batch.rows(MENTORS)
        if isinstance(event, MentorProfile.Registered):
            rows.put({"mentor_key": id_text(event.originator_id), "program_id": event.program_id,
                      "person_id": event.person_id, "skills": list(event.skills),
                      "experience_years": event.experience_years, "capacity": event.capacity,
                      "monthly_minutes": event.monthly_minutes, "active_mentees": 0,
                      "retired": False, "registered_at": iso(event.timestamp), "version": 1})
            return
        row = rows.get(id_text(event.originator_id))
        assert row is not None, f"no directory row for mentor {event.originator_id}"
        advance(row, event)
        if isinstance(event, MentorProfile.Updated):
            for name in ("skills", "experience_years", "monthly_minutes"):
                if getattr(event, name) is not None:
                    row[name] = getattr(event, name)
        apply_mentor_load(row, event)

    @on(Relationship.Requested)
    def _requested(self, batch: Batch, event: Relationship.Requested, position: int) -> None:
        mentor_key = str(mentor_profile_id(event.program_id, event.mentor_id))
        batch.rows(RELATIONSHIPS).put({"relationship_id": id_text(event.originator_id),
                                       "mentor_key": mentor_key})

    @on(Relationship.SessionHeld)
    def _held(self, batch: Batch, event: Relationship.SessionHeld, position: int) -> None:
        relationship = batch.rows(RELATIONSHIPS).get(id_text(event.originator_id))
        assert relationship is not None, f"no mentor known for {event.originator_id}"
        rows, key = batch.rows(MINUTES), (relationship["mentor_key"], month_key(event.held_at))
        row = rows.get(key) or rows.put({"mentor_key": key[0], "month": key[1], "minutes": 0})
        row["minutes"] += event.duration_minutes

    @on(Goal.Defined)
    def _goal_defined(self, batch: Batch, event: Goal.Defined, position: int) -> None:
        batch.rows(GOALS).put({"goal_id": id_text(event.originator_id),
                               "program_id": event.program_id, "mentee_id": event.mentee_id,
                               "area": event.area,
                               "keywords": keywords(event.area), "status": "open"})

    @on(Goal.Revised, Goal.Achieved, Goal.Abandoned)
    def _goal_changed(self, batch: Batch, event: Any, position: int) -> None:
        row = batch.rows(GOALS).get(id_text(event.originator_id))
        assert row is not None, f"no directory row for goal {event.originator_id}"
        if isinstance(event, Goal.Achieved | Goal.Abandoned):
            row["status"] = "achieved" if isinstance(event, Goal.Achieved) else "abandoned"
