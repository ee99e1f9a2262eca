"""The tables of the program-health view: facts per relationship, goal, mentor and month,
and per-program totals that every batch keeps current."""

from __future__ import annotations

from projections.sql import Table

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
# Per-program totals, kept up to date by every batch (see health_totals), so the dashboard
# reads one row here instead of every relationship of the program.
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
