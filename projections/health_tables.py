"""The tables of the program-health view.

Facts per relationship, goal and mentor (what the handlers need to know), and a ledger
of what each event changed in its program's figures, at the event's time:

- ``health_moments``: one row per event that changed a figure, with the changes
  (``{metric: delta}``), its time and its day;
- ``health_days``: the same changes summed per program, day and metric.

A figure as of an instant T is the sum of the days before T's day plus the moments of
T's day up to T: exact at any instant, and a few thousand rows to read at most.
"""

from __future__ import annotations

from projections.sql import Table

RELATIONSHIPS = Table(
    name="health_relationships",
    key=("relationship_id",),
    columns=("program_id", "status", "version", "connected_at", "concluded_at",
             "first_expectations_at", "meeting_every_days", "segment_start",
             "held_under_expectations"),
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
            held_under_expectations INTEGER NOT NULL
        )""",),
)
GOALS = Table(
    name="health_goals",
    key=("goal_id",),
    columns=("program_id", "status", "version"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            goal_id TEXT PRIMARY KEY, program_id TEXT NOT NULL, status TEXT NOT NULL,
            version INTEGER NOT NULL)""",),
)
MENTORS = Table(
    name="health_mentors",
    key=("mentor_key",),
    columns=("program_id", "capacity", "monthly_minutes", "active_mentees", "retired", "version",
             "minutes_by_month"),
    bool_columns=frozenset({"retired"}),
    json_columns=frozenset({"minutes_by_month"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            mentor_key TEXT PRIMARY KEY, program_id TEXT NOT NULL, capacity INTEGER NOT NULL,
            monthly_minutes INTEGER NOT NULL, active_mentees INTEGER NOT NULL,
            retired {bool} NOT NULL, version INTEGER NOT NULL,
            minutes_by_month TEXT NOT NULL)""",),
)
MOMENTS = Table(
    name="health_moments",
    key=("position",),
    columns=("program_id", "day", "at", "changes"),
    json_columns=frozenset({"changes"}),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            position {bigint} PRIMARY KEY, program_id TEXT NOT NULL, day TEXT NOT NULL,
            at TEXT NOT NULL, changes TEXT NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_day ON {table} (program_id, day, at)"),
)
DAYS = Table(
    name="health_days",
    key=("program_id", "day", "metric"),
    columns=("delta",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            program_id TEXT NOT NULL, day TEXT NOT NULL, metric TEXT NOT NULL,
            delta {bigint} NOT NULL, PRIMARY KEY (program_id, day, metric))""",),
)
# The same sums per month: a figure at T reads whole months here, T's month's days above.
MONTHS = Table(
    name="health_months",
    key=("program_id", "month", "metric"),
    columns=("delta",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            program_id TEXT NOT NULL, month TEXT NOT NULL, metric TEXT NOT NULL,
            delta {bigint} NOT NULL, PRIMARY KEY (program_id, month, metric))""",),
)
# Time from connection to the first expectations, one row per relationship, for the median.
TIMES_TO_EXPECTATIONS = Table(
    name="health_tte",
    key=("relationship_id",),
    columns=("program_id", "at", "micros"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT PRIMARY KEY, program_id TEXT NOT NULL, at TEXT NOT NULL,
            micros {bigint} NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, micros)"),
)
