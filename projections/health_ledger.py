"""What an event changes in its program's health figures, as metric deltas at its time.

Two kinds of metrics:

- *state* metrics follow from a relationship's, goal's or mentor's facts (its status,
  whether it is connected since when, its open stretch of meeting, a mentor's capacity):
  an event changes them by what the facts contribute after it minus before it;
- *flow* metrics count what happened (a session held, feedback given), in total and per
  calendar month (``name@YYYY-MM``, the month it belongs to: a session's is the month
  it was held in).

Sums of instants are kept in exact integer microseconds since 2000, split into seconds
and microseconds (``_s``, ``_us``) so no sum overflows: a figure that grows with time is
(count x T - sum of starts), exact at any T.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.sql import parse_time

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
Metrics = dict[str, int]


def epoch_micros(at: str | datetime) -> int:
    """Microseconds since 2000-01-01 UTC."""
    instant = parse_time(at) if isinstance(at, str) else at
    return (instant - EPOCH) // MICRO  # type: ignore[operator]


def micros_between(start: str, end: str) -> int:
    return max(epoch_micros(end) - epoch_micros(start), 0)


def add_micros(metrics: Metrics, name: str, micros: int, sign: int = 1) -> None:
    """Adds to a sum of microseconds kept as ``name_s`` + ``name_us``."""
    seconds, rest = divmod(micros, 1_000_000)
    metrics[f"{name}_s"] = metrics.get(f"{name}_s", 0) + sign * seconds
    metrics[f"{name}_us"] = metrics.get(f"{name}_us", 0) + sign * rest


def micros_of(metrics: dict[str, int], name: str) -> int:
    return metrics.get(f"{name}_s", 0) * 1_000_000 + metrics.get(f"{name}_us", 0)


def relationship_state(row: dict[str, Any]) -> Metrics:
    """What one relationship contributes to its program's state metrics."""
    metrics: Metrics = {f"status:{row['status']}": 1,
                        "held_under_expectations": row["held_under_expectations"]}
    connected = row["connected_at"]
    if connected:
        if row["first_expectations_at"]:
            metrics["tte_count"] = 1
            add_micros(metrics, "tte", micros_between(connected, row["first_expectations_at"]))
        if row["concluded_at"]:
            add_micros(metrics, "connected_closed",
                       micros_between(connected, row["concluded_at"]))
        else:
            metrics["connected_open"] = 1
            add_micros(metrics, "connected_open_start", epoch_micros(connected))
    every = row["meeting_every_days"]
    if row["segment_start"] and every:
        metrics[f"open_segments:{every}"] = 1
        add_micros(metrics, f"open_start:{every}", epoch_micros(row["segment_start"]))
    return metrics


def goal_state(row: dict[str, Any]) -> Metrics:
    return {f"goals:{row['status']}": 1}


def mentor_state(row: dict[str, Any]) -> Metrics:
    """A mentor counts while not retired: places, minutes offered, minutes given per month."""
    if row["retired"]:
        return {}
    return {"mentors": 1, "mentor_active_mentees": row["active_mentees"],
            "mentor_capacity": row["capacity"],
            "mentor_monthly_minutes": row["monthly_minutes"],
            **{f"mentor_minutes@{month}": given
               for month, given in row["minutes_by_month"].items()}}


def changes(before: Metrics, after: Metrics, flows: Metrics) -> Metrics:
    """State after minus before, plus flows, without the zeros."""
    delta: dict[str, int] = defaultdict(int, flows)
    for name, value in after.items():
        delta[name] += value
    for name, value in before.items():
        delta[name] -= value
    return {name: value for name, value in delta.items() if value}


def count(flows: Metrics, name: str, month: str, amount: int = 1) -> None:
    """A flow, in total and in its month."""
    flows[name] = flows.get(name, 0) + amount
    flows[f"{name}@{month}"] = flows.get(f"{name}@{month}", 0) + amount
