"""Per-program totals of the program-health view, moved by each batch's changes.

Each relationship, goal and mentor row contributes to its program's totals; a batch moves
the totals by what the rows it touched contributed after it minus before it. Sums of
times are exact integers (microseconds, split in seconds + microseconds so they never
overflow): a figure that grows with "now" is (count x now - sum of starts), and the
totals are the same whatever the batches were.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.base import Batch
from projections.health_tables import (
    GOALS,
    MENTORS,
    PROGRAM_INTEGERS,
    PROGRAMS,
    RELATIONSHIPS,
    TIMES_TO_EXPECTATIONS,
)
from projections.sql import Rows, parse_time

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DAY = 86400.0
MICRO = timedelta(microseconds=1)
Contribution = tuple[str, dict[str, int], int | None]  # program, totals, time-to-expectations
EMPTY: Contribution = ("", {}, None)
Before = list[dict[Any, Contribution]]


def days(start: str, end: str) -> float:
    elapsed = parse_time(end) - parse_time(start)  # type: ignore[operator]
    return max(elapsed.total_seconds() / DAY, 0.0)


def epoch_micros(at: str) -> int:
    """Microseconds since EPOCH."""
    return (parse_time(at) - EPOCH) // MICRO  # type: ignore[operator]


def micros_between(start: str, end: str) -> int:
    elapsed = parse_time(end) - parse_time(start)  # type: ignore[operator]
    return max(elapsed // MICRO, 0)


def add_micros(totals: dict[str, int], name: str, micros: int, sign: int = 1) -> None:
    """Adds to a sum of microseconds kept as ``name_s`` + ``name_us`` (never overflows)."""
    seconds, rest = divmod(micros, 1_000_000)
    totals[f"{name}_s"] = totals.get(f"{name}_s", 0) + sign * seconds
    totals[f"{name}_us"] = totals.get(f"{name}_us", 0) + sign * rest


def micros_of(totals: dict[str, Any], name: str) -> int:
    return int(totals[f"{name}_s"]) * 1_000_000 + int(totals[f"{name}_us"])


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


def _tracked(batch: Batch) -> list[tuple[Rows, Callable[[dict[str, Any]], Contribution]]]:
    return [(batch.rows(RELATIONSHIPS), relationship_totals), (batch.rows(GOALS), goal_totals),
            (batch.rows(MENTORS), mentor_totals)]


def contributions_before(batch: Batch) -> Before:
    """What every row the batch preloaded contributes before the batch."""
    return [{key: totals(row) for key, row in rows.loaded().items() if row is not None}
            for rows, totals in _tracked(batch)]


def move_totals(batch: Batch, before: Before) -> None:
    """Moves each program's totals (and time-to-expectations histogram) by what the rows
    the batch changed contribute now minus what they contributed before."""
    changes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    histogram: dict[tuple[str, int], int] = defaultdict(int)
    for (rows, totals), earlier in zip(_tracked(batch), before, strict=True):
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
