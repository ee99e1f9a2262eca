"""The program health figures, computed as of a time from the program_health tables only.

Definitions (also in docs/architecture.md):
- cadence adherence: sessions held while expectations were agreed / sessions expected,
  where expected = days spent active under an agreed frequency / meeting_every_days;
- time to expectations: days from connection to the first expectations;
- feedback per relationship-month: feedback received / months connected (30-day months,
  from connection to conclusion or now);
- goal completion rate: achieved / (achieved + abandoned);
- no-show and cancellation rates: missed (cancelled) / sessions held + missed + cancelled;
- review satisfaction: average of the 1-5 scores of every review;
- mentor utilisation: active mentees / capacity, and this month's minutes held /
  monthly minutes offered, over mentors who have not retired.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from infrastructure.sql import TranslatingCursor
from projections.health_tables import (
    MONTH_COUNTS,
    MONTHS,
    PROGRAM_INTEGERS,
    PROGRAMS,
    SEGMENTS,
    TIMES_TO_EXPECTATIONS,
)
from projections.health_totals import epoch_micros, micros_of
from projections.sql import iso, month_key, read_rows

STATUSES = ("requested", "active", "paused", "declined", "concluded")
MONTH_DAYS = 30.0
MICROS_PER_DAY = 86_400_000_000


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def health_figures(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                   now: datetime) -> dict[str, Any]:
    """Every dashboard figure of one program as of ``now``.

    Reads a few rows: the program's totals (kept up to date by the projection), its
    months, and the distinct times to expectations (for the median)."""
    where, params = "program_id = %s", [program_id]
    found = read_rows(cursor, PROGRAMS, tables[PROGRAMS.name], where, params)
    program = found[0] if found else {"program_id": program_id,
                                      **dict.fromkeys(PROGRAM_INTEGERS, 0)}
    segments = read_rows(cursor, SEGMENTS, tables[SEGMENTS.name], where, params)
    months = read_rows(cursor, MONTHS, tables[MONTHS.name], where, params, order="month")
    at, this_month = iso(now) or "", month_key(now)
    totals = {c: sum(m[c] for m in months) for c in MONTH_COUNTS}
    return {
        "program_id": program_id,
        "as_of": at,
        "relationships_by_status": {s: program[s] for s in STATUSES},
        "cadence_adherence": cadence(program, segments, at),
        "time_to_expectations_days": time_to_expectations(cursor, tables, program),
        "feedback_per_relationship_month": feedback_rate(program, at),
        "goal_completion": goal_completion(program),
        "sessions": sessions(totals),
        "review_satisfaction": satisfaction(totals),
        "mentor_utilisation": utilisation(program, months, this_month),
        "monthly": monthly_series(months, this_month),
    }


def cadence(program: dict[str, Any], segments: list[dict[str, Any]],
            at: str) -> dict[str, Any]:
    held = program["held_under_expectations"]
    now = epoch_micros(at)
    # Per frequency: (closed stretches + sum over open ones of (now - start)) / every.
    expected = sum(
        (micros_of(s, "closed") + s["open_segments"] * now - micros_of(s, "open_start"))
        / s["every"] for s in segments) / MICROS_PER_DAY
    return {"sessions_held": held, "sessions_expected": round(expected, 2),
            "ratio": ratio(held, expected)}


def time_to_expectations(cursor: TranslatingCursor, tables: dict[str, str],
                         program: dict[str, Any]) -> dict[str, Any]:
    count = program["tte_count"]
    if not count:
        return {"relationships": 0, "average": None, "median": None}
    rows = read_rows(cursor, TIMES_TO_EXPECTATIONS, tables[TIMES_TO_EXPECTATIONS.name],
                     "program_id = %s AND relationships > 0", [program["program_id"]],
                     order="micros")
    middle, seen, lower = ((count - 1) // 2, count // 2), 0, None
    upper = 0
    for row in rows:
        seen += row["relationships"]
        if lower is None and seen > middle[0]:
            lower = row["micros"]
        if seen > middle[1]:
            upper = row["micros"]
            break
    median_micros = ((lower or 0) + upper) / 2
    return {"relationships": count,
            "average": round(micros_of(program, "tte") / count / MICROS_PER_DAY, 2),
            "median": round(median_micros / MICROS_PER_DAY, 2)}


def feedback_rate(program: dict[str, Any], at: str) -> dict[str, Any]:
    connected = micros_of(program, "connected_closed") + (
        program["connected_open"] * epoch_micros(at) - micros_of(program, "connected_open"))
    months = connected / MICROS_PER_DAY / MONTH_DAYS
    feedback = program["feedback"]
    return {"feedback": feedback, "relationship_months": round(months, 2),
            "rate": ratio(feedback, months)}


def goal_completion(program: dict[str, Any]) -> dict[str, Any]:
    counts = {s: program[f"goals_{s}"] for s in ("open", "achieved", "abandoned")}
    return {"goals": sum(counts.values()), **counts,
            "rate": ratio(counts["achieved"], counts["achieved"] + counts["abandoned"])}


def sessions(totals: dict[str, int]) -> dict[str, Any]:
    held, missed = totals["sessions_held"], totals["sessions_missed"]
    cancelled = totals["sessions_cancelled"]
    resolved = held + missed + cancelled
    return {"held": held, "missed": missed, "cancelled": cancelled,
            "mentee_no_shows": totals["mentee_no_shows"], "minutes_held": totals["minutes_held"],
            "no_show_rate": ratio(missed, resolved),
            "mentee_no_show_rate": ratio(totals["mentee_no_shows"], resolved),
            "cancellation_rate": ratio(cancelled, resolved)}


def satisfaction(totals: dict[str, int]) -> dict[str, Any]:
    reviews = totals["reviews"]
    mentor, mentee = totals["mentor_satisfaction_sum"], totals["mentee_satisfaction_sum"]
    return {"reviews": reviews, "mentor_average": ratio(mentor, reviews),
            "mentee_average": ratio(mentee, reviews),
            "average": ratio(mentor + mentee, 2 * reviews)}


def utilisation(program: dict[str, Any], months: list[dict[str, Any]],
                this_month: str) -> dict[str, Any]:
    active, capacity = program["mentor_active_mentees"], program["mentor_capacity"]
    offered = program["mentor_monthly_minutes"]
    used = sum(m["minutes_held"] for m in months if m["month"] == this_month)
    return {"mentors": program["mentors"], "active_mentees": active, "capacity": capacity,
            "mentee_ratio": ratio(active, capacity), "month": this_month,
            "minutes_held": used, "monthly_minutes": offered, "minutes_ratio": ratio(used, offered)}


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def monthly_series(months: list[dict[str, Any]], this_month: str) -> list[dict[str, Any]]:
    """One point per calendar month from the first with data to now, gaps as zeros."""
    if not months:
        return []
    by_month = {m["month"]: m for m in months}
    series, active = [], 0
    for month in month_range(months[0]["month"], max(this_month, months[-1]["month"])):
        row = by_month.get(month) or dict.fromkeys(MONTH_COUNTS, 0)
        # Active at month end: connected by then and not yet concluded (only a connected
        # relationship can be concluded), i.e. connections so far minus conclusions so far.
        active += row["connected"] - row["concluded"]
        point = {"month": month, "active_relationships": active,
                 **{c: row[c] for c in MONTH_COUNTS if not c.endswith("_sum")}}
        point["average_satisfaction"] = ratio(
            row["mentor_satisfaction_sum"] + row["mentee_satisfaction_sum"], 2 * row["reviews"])
        series.append(point)
    return series
