"""Every program-health figure, as of any instant, from the ledger alone.

The definitions (also in docs/figures.md). T is the instant asked for ("now" by
default); every count is of events recorded at or before T.

- relationships by status: each relationship's status at T.
- cadence adherence: sessions held while expectations were agreed, over the sessions
  those expectations called for (days spent active under an agreed frequency, up to T,
  divided by ``meeting_every_days``). No ratio before one session was expected.
- time to expectations: days from connection to the first expectations, over the
  relationships that had agreed by T (average and median).
- feedback per relationship-month: feedback given over the months relationships were
  connected up to T (30-day months). No rate before one relationship-month.
- goal completion: achieved over achieved + abandoned. No rate before a goal closed.
- sessions: held, missed, cancelled; rates over sessions resolved (held + missed +
  cancelled), shown from 5 resolved sessions on; punctuality and preparation over held
  sessions, from 5 held on; feedback acknowledged over feedback given, from 3 on.
- review satisfaction: average 1-5 scores of every review up to T.
- mentor utilisation: active mentees over the places of mentors not retired at T;
  minutes those mentors gave in T's month over the minutes they offer a month. Either
  may pass 1 when a mentor lowered their limit below what they already give.
- monthly series: one point per calendar month from the first with data to T's month,
  each counting what happened in it up to T; active relationships at each month's end
  (at T for T's month).

A figure that cannot be computed yet is ``null``, and ``<name>_unavailable`` says why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import Any

import orjson

from infrastructure.sql import TranslatingCursor
from projections.health_ledger import epoch_micros, micros_of
from projections.health_tables import DAYS, MOMENTS, MONTHS, TIMES_TO_EXPECTATIONS
from projections.sql import iso, month_key

STATUSES = ("requested", "active", "paused", "declined", "withdrawn", "concluded")
MONTH_DAYS = 30.0
MICROS_PER_DAY = 86_400_000_000
MIN_EXPECTED_SESSIONS = 1.0
MIN_RELATIONSHIP_MONTHS = 1.0
MIN_RESOLVED_SESSIONS = 5
MIN_HELD_SESSIONS = 5
MIN_FEEDBACK = 3
MONTHLY = ("requested", "declined", "withdrawn", "connected", "concluded", "sessions_held",
           "sessions_cancelled", "sessions_missed", "mentee_no_shows", "minutes_held",
           "mentee_on_time", "mentee_prepared", "feedback", "feedback_acknowledged",
           "concerns_shared", "reviews", "mentor_satisfaction_sum", "mentee_satisfaction_sum",
           "goals_defined", "goals_achieved", "goals_abandoned")
MONTHLY_NAMES = frozenset(MONTHLY)
FREQUENCY = re.compile(r"(?:open_segments|open_start|closed):(\d+)")
Ledger = dict[str, dict[str, int]]  # month -> metric -> change in that month up to T


def rate(part: float, whole: float, minimum: float, what: str) -> tuple[float | None, str]:
    """``part / whole`` once ``whole`` reaches ``minimum``; otherwise None and why."""
    if whole < minimum or whole <= 0:
        return None, f"fewer than {minimum:g} {what} so far"
    return round(part / whole, 4), ""


def with_rate(figures: dict[str, Any], name: str, value: tuple[float | None, str]
              ) -> dict[str, Any]:
    figures[name] = value[0]
    if value[0] is None:
        figures[f"{name}_unavailable"] = value[1]
    return figures


def read_ledger(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                at: datetime) -> Ledger:
    """Each month's changes of every metric, counting what was recorded up to ``at``: whole
    months before T's, then the days of T's month before T's day, then T's day's moments
    up to T (so the cost grows with months, not with events)."""
    stamp = iso(at) or ""
    day, month = stamp[:10], stamp[:7]
    by_month: Ledger = defaultdict(lambda: defaultdict(int))
    cursor.execute(f"SELECT month, metric, delta FROM {tables[MONTHS.name]} "
                   "WHERE program_id = %s AND month < %s", (program_id, month))
    for earlier, metric, amount in cursor.fetchall():
        by_month[earlier][metric] += int(amount)
    cursor.execute(f"SELECT metric, SUM(delta) FROM {tables[DAYS.name]} WHERE program_id = %s "
                   "AND day >= %s AND day < %s GROUP BY metric", (program_id, month, day))
    for metric, amount in cursor.fetchall():
        by_month[month][metric] += int(amount)
    cursor.execute(f"SELECT changes FROM {tables[MOMENTS.name]} "
                   "WHERE program_id = %s AND day = %s AND at <= %s", (program_id, day, stamp))
    for (changes,) in cursor.fetchall():
        for metric, amount in orjson.loads(changes).items():
            by_month[month][metric] += amount
    return by_month


def health_figures(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                   now: datetime) -> dict[str, Any]:
    """Every dashboard figure of one program as of ``now``, from the ledger only."""
    ledger = read_ledger(cursor, tables, program_id, now)
    totals: dict[str, int] = defaultdict(int)
    for changes in ledger.values():
        for metric, amount in changes.items():
            totals[metric] += amount
    at = iso(now) or ""
    return {
        "program_id": program_id,
        "as_of": at,
        "relationships_by_status": {s: totals[f"status:{s}"] for s in STATUSES},
        "cadence_adherence": cadence(totals, at),
        "time_to_expectations_days": time_to_expectations(cursor, tables, program_id, totals,
                                                          at),
        "feedback_per_relationship_month": feedback_rate(totals, at),
        "goal_completion": goal_completion(totals),
        "sessions": sessions(totals),
        "review_satisfaction": satisfaction(totals),
        "mentor_utilisation": utilisation(totals, month_key(now)),
        "monthly": monthly_series(ledger, month_key(now)),
    }


def cadence(totals: dict[str, int], at: str) -> dict[str, Any]:
    held, now = totals["held_under_expectations"], epoch_micros(at)
    frequencies = {int(found.group(1)) for metric in totals
                   if (found := FREQUENCY.match(metric))}
    # Per frequency: (closed stretches + each open one's time up to T) / frequency.
    expected = sum((micros_of(totals, f"closed:{every}")
                    + totals[f"open_segments:{every}"] * now
                    - micros_of(totals, f"open_start:{every}")) / every
                   for every in frequencies) / MICROS_PER_DAY
    figures = {"sessions_held": held, "sessions_expected": round(expected, 2)}
    return with_rate(figures, "ratio", rate(held, expected, MIN_EXPECTED_SESSIONS,
                                            "session expected"))


def time_to_expectations(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                         totals: dict[str, int], at: str) -> dict[str, Any]:
    count = totals["tte_count"]
    if not count:
        return {"relationships": 0, "average": None, "median": None,
                "average_unavailable": "no relationship has agreed expectations yet",
                "median_unavailable": "no relationship has agreed expectations yet"}
    # The middle one or two of the ``count`` times recorded by T, found by the database in
    # the index's order (nothing but them crosses the wire).
    cursor.execute(f"SELECT micros FROM {tables[TIMES_TO_EXPECTATIONS.name]} "
                   "WHERE program_id = %s AND at <= %s ORDER BY micros "
                   f"LIMIT {2 - count % 2} OFFSET {(count - 1) // 2}", (program_id, at))
    middle = [int(micros) for (micros,) in cursor.fetchall()]
    median = sum(middle) / len(middle)
    return {"relationships": count,
            "average": round(micros_of(totals, "tte") / count / MICROS_PER_DAY, 2),
            "median": round(median / MICROS_PER_DAY, 2)}


def feedback_rate(totals: dict[str, int], at: str) -> dict[str, Any]:
    connected = micros_of(totals, "connected_closed") + (
        totals["connected_open"] * epoch_micros(at) - micros_of(totals, "connected_open_start"))
    months = connected / MICROS_PER_DAY / MONTH_DAYS
    figures = {"feedback": totals["feedback"], "relationship_months": round(months, 2)}
    return with_rate(figures, "rate", rate(totals["feedback"], months,
                                           MIN_RELATIONSHIP_MONTHS, "relationship-month"))


def goal_completion(totals: dict[str, int]) -> dict[str, Any]:
    counts = {s: totals[f"goals:{s}"] for s in ("open", "achieved", "abandoned")}
    closed = counts["achieved"] + counts["abandoned"]
    return with_rate({"goals": sum(counts.values()), **counts}, "rate",
                     rate(counts["achieved"], closed, 1, "goal achieved or abandoned"))


def sessions(totals: dict[str, int]) -> dict[str, Any]:
    held, missed = totals["sessions_held"], totals["sessions_missed"]
    cancelled, no_shows = totals["sessions_cancelled"], totals["mentee_no_shows"]
    resolved = held + missed + cancelled
    figures: dict[str, Any] = {"held": held, "missed": missed, "cancelled": cancelled,
                               "mentee_no_shows": no_shows,
                               "minutes_held": totals["minutes_held"]}
    for name, part in (("no_show_rate", missed), ("mentee_no_show_rate", no_shows),
                       ("cancellation_rate", cancelled)):
        with_rate(figures, name, rate(part, resolved, MIN_RESOLVED_SESSIONS,
                                      "sessions held, missed or cancelled"))
    with_rate(figures, "mentee_on_time_rate", rate(totals["mentee_on_time"], held,
                                                   MIN_HELD_SESSIONS, "sessions held"))
    with_rate(figures, "mentee_prepared_rate", rate(totals["mentee_prepared"], held,
                                                    MIN_HELD_SESSIONS, "sessions held"))
    figures["feedback"] = totals["feedback"]
    figures["feedback_acknowledged"] = totals["feedback_acknowledged"]
    with_rate(figures, "feedback_acknowledged_rate",
              rate(totals["feedback_acknowledged"], totals["feedback"], MIN_FEEDBACK,
                   "pieces of feedback"))
    figures["concerns_shared"] = totals["concerns_shared"]
    return figures


def satisfaction(totals: dict[str, int]) -> dict[str, Any]:
    reviews = totals["reviews"]
    mentor, mentee = totals["mentor_satisfaction_sum"], totals["mentee_satisfaction_sum"]
    figures: dict[str, Any] = {"reviews": reviews}
    with_rate(figures, "mentor_average", rate(mentor, reviews, 1, "review"))
    with_rate(figures, "mentee_average", rate(mentee, reviews, 1, "review"))
    return with_rate(figures, "average", rate(mentor + mentee, 2 * reviews, 1, "review"))


def utilisation(totals: dict[str, int], this_month: str) -> dict[str, Any]:
    active, capacity = totals["mentor_active_mentees"], totals["mentor_capacity"]
    offered, used = totals["mentor_monthly_minutes"], totals[f"mentor_minutes@{this_month}"]
    figures: dict[str, Any] = {"mentors": totals["mentors"], "active_mentees": active,
                               "capacity": capacity}
    with_rate(figures, "mentee_ratio", rate(active, capacity, 1, "place offered"))
    figures.update({"month": this_month, "minutes_held": used, "monthly_minutes": offered})
    return with_rate(figures, "minutes_ratio", rate(used, offered, 1, "minute offered"))


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def monthly_series(ledger: Ledger, this_month: str) -> list[dict[str, Any]]:
    """One point per month, from the first with data to T's month (never beyond)."""
    months = sorted(m for m in ledger if m <= this_month)
    if not months:
        return []
    # Flows belong to their own month (``name@YYYY-MM``), whenever they were recorded.
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for changes in ledger.values():
        for metric, amount in changes.items():
            name, at, month = metric.partition("@")
            if at and name in MONTHLY_NAMES:
                flows[month][name] += amount
    series, open_now = [], 0
    by_status = dict.fromkeys(STATUSES, 0)
    for month in month_range(months[0], this_month):
        changes = ledger.get(month, {})
        open_now += changes.get("status:active", 0) + changes.get("status:paused", 0)
        for status in STATUSES:
            by_status[status] += changes.get(f"status:{status}", 0)
        counted = flows.get(month, {})
        point: dict[str, Any] = {"month": month, "active_relationships": open_now,
                                 # Each status at the month's end (at T for T's month):
                                 # relationships_by_status as of then.
                                 "by_status": dict(by_status),
                                 **{n: counted.get(n, 0) for n in MONTHLY
                                    if not n.endswith("_sum")}}
        reviews = counted.get("reviews", 0)
        point["average_satisfaction"] = rate(
            counted.get("mentor_satisfaction_sum", 0) + counted.get("mentee_satisfaction_sum", 0),
            2 * reviews, 1, "review")[0]
        series.append(point)
    return series
