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
from statistics import median
from typing import Any

from projections.program_health import GOALS, MENTORS, MONTH_COUNTS, MONTHS, RELATIONSHIPS, days
from projections.sql import iso, month_key, read_rows
from projections.storage import TranslatingCursor

STATUSES = ("requested", "active", "paused", "declined", "concluded")
MONTH_DAYS = 30.0


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def health_figures(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                   now: datetime) -> dict[str, Any]:
    """Every dashboard figure of one program as of ``now``."""
    where, params = "program_id = %s", [program_id]
    relationships = read_rows(cursor, RELATIONSHIPS, tables[RELATIONSHIPS.name], where, params)
    goals = read_rows(cursor, GOALS, tables[GOALS.name], where, params)
    mentors = read_rows(cursor, MENTORS, tables[MENTORS.name], where, params)
    months = read_rows(cursor, MONTHS, tables[MONTHS.name], where, params, order="month")
    at, this_month = iso(now) or "", month_key(now)
    totals = {c: sum(m[c] for m in months) for c in MONTH_COUNTS}
    return {
        "program_id": program_id,
        "as_of": at,
        "relationships_by_status": {
            s: sum(1 for r in relationships if r["status"] == s) for s in STATUSES},
        "cadence_adherence": cadence(relationships, at),
        "time_to_expectations_days": time_to_expectations(relationships),
        "feedback_per_relationship_month": feedback_rate(relationships, at),
        "goal_completion": goal_completion(goals),
        "sessions": sessions(totals),
        "review_satisfaction": satisfaction(totals),
        "mentor_utilisation": utilisation(mentors, months, this_month),
        "monthly": monthly_series(months, relationships, this_month),
    }


def cadence(relationships: list[dict[str, Any]], at: str) -> dict[str, Any]:
    held = sum(r["held_under_expectations"] for r in relationships)
    expected = sum(
        r["expected_closed"]
        + (days(r["segment_start"], at) / r["meeting_every_days"] if r["segment_start"] else 0.0)
        for r in relationships
    )
    return {"sessions_held": held, "sessions_expected": round(expected, 2),
            "ratio": ratio(held, expected)}


def time_to_expectations(relationships: list[dict[str, Any]]) -> dict[str, Any]:
    values = [days(r["connected_at"], r["first_expectations_at"]) for r in relationships
              if r["connected_at"] and r["first_expectations_at"]]
    return {"relationships": len(values),
            "average": round(sum(values) / len(values), 2) if values else None,
            "median": round(median(values), 2) if values else None}


def feedback_rate(relationships: list[dict[str, Any]], at: str) -> dict[str, Any]:
    connected = [r for r in relationships if r["connected_at"]]
    months = sum(days(r["connected_at"], r["concluded_at"] or at) for r in connected) / MONTH_DAYS
    feedback = sum(r["feedback"] for r in connected)
    return {"feedback": feedback, "relationship_months": round(months, 2),
            "rate": ratio(feedback, months)}


def goal_completion(goals: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {s: sum(1 for g in goals if g["status"] == s)
              for s in ("open", "achieved", "abandoned")}
    return {"goals": len(goals), **counts,
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


def utilisation(mentors: list[dict[str, Any]], months: list[dict[str, Any]],
                this_month: str) -> dict[str, Any]:
    serving = [m for m in mentors if not m["retired"]]
    active = sum(m["active_mentees"] for m in serving)
    capacity = sum(m["capacity"] for m in serving)
    offered = sum(m["monthly_minutes"] for m in serving)
    used = sum(m["minutes_held"] for m in months if m["month"] == this_month)
    return {"mentors": len(serving), "active_mentees": active, "capacity": capacity,
            "mentee_ratio": ratio(active, capacity), "month": this_month,
            "minutes_held": used, "monthly_minutes": offered, "minutes_ratio": ratio(used, offered)}


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def monthly_series(months: list[dict[str, Any]], relationships: list[dict[str, Any]],
                   this_month: str) -> list[dict[str, Any]]:
    """One point per calendar month from the first with data to now, gaps as zeros."""
    if not months:
        return []
    by_month = {m["month"]: m for m in months}
    series = []
    for month in month_range(months[0]["month"], max(this_month, months[-1]["month"])):
        row = by_month.get(month) or dict.fromkeys(MONTH_COUNTS, 0)
        # Active at month end: connected by then and not yet concluded.
        active = sum(1 for r in relationships
                     if r["connected_at"] and r["connected_at"][:7] <= month
                     and not (r["concluded_at"] and r["concluded_at"][:7] <= month))
        point = {"month": month, "active_relationships": active,
                 **{c: row[c] for c in MONTH_COUNTS if not c.endswith("_sum")}}
        point["average_satisfaction"] = ratio(
            row["mentor_satisfaction_sum"] + row["mentee_satisfaction_sum"], 2 * row["reviews"])
        series.append(point)
    return series
