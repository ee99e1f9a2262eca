"""The reasons a relationship may be at risk: each one rule, with when it starts holding.

A rule reads a relationship's facts (``at_risk_facts``) and says from which instant its
reason holds, or that it does not (None); the reason then holds at any T at or after
that instant, until an event changes the facts. Its figures explain it as of T.
Thresholds follow the guide: meet as agreed, agree early, review as agreed, act on
feedback and concerns, keep goals and requests alive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.sql import iso, parse_time

Row = dict[str, Any]
NO_EXPECTATIONS_AFTER_DAYS = 14
LOW_SATISFACTION = 2  # a score at or below this, by either side
FALL_IN_SATISFACTION = 2  # points lost between two reviews, by the lower side
REPEATED_NO_SHOWS = 2  # missed sessions in a row
REQUEST_UNANSWERED_DAYS = 14
LONG_PAUSE_DAYS = 60
FEEDBACK_UNACKNOWLEDGED_DAYS = 14
RECENT_SESSIONS = 4  # held sessions looked at for punctuality and preparation
LATE_OR_UNPREPARED = 3  # of those, how many are too many
MICROSECOND = timedelta(microseconds=1)
OPEN_STATUSES = ("requested", "active", "paused")


@dataclass(frozen=True)
class RiskRule:
    """One reason: its code, from when it holds (None: it does not), its figures as of T."""

    code: str
    starts: Callable[[Row], str | None]
    figures: Callable[[Row, datetime], dict[str, Any]]


def days_between(earlier: str | None, now: datetime) -> float | None:
    start = parse_time(earlier)
    return None if start is None else round((now - start).total_seconds() / 86400, 2)


def after_days(start: str, days: float) -> str:
    """The first instant more than ``days`` after ``start``."""
    begun = parse_time(start)
    assert begun is not None
    return iso(begun + timedelta(days=days) + MICROSECOND) or ""


def session_clock(row: Row) -> str:
    """Since when the no-session clock runs: a resumption or the agreement restarts it."""
    return str(max(filter(None, (row["last_session_at"], row["expectations_set_at"],
                                 row["resumed_at"]))))


def review_clock(row: Row) -> str:
    return str(max(filter(None, (row["last_review_at"], row["expectations_set_at"]))))


def _no_session(row: Row) -> str | None:
    every = row["meeting_every_days"]
    if row["status"] != "active" or not every:
        return None
    return after_days(session_clock(row), 2 * every)


def _no_expectations(row: Row) -> str | None:
    if row["status"] not in ("active", "paused") or not row["connected_at"] or row[
            "expectations_set_at"]:
        return None
    return after_days(row["connected_at"], NO_EXPECTATIONS_AFTER_DAYS)


def _low_satisfaction(row: Row) -> str | None:
    lows = [row["review_low"], row["previous_review_low"]]
    if None in lows or max(lows) > LOW_SATISFACTION:
        return None  # one low review is a bad day; two in a row are a trend
    return str(row["last_review_at"])


def _falling_satisfaction(row: Row) -> str | None:
    latest, previous = row["review_low"], row["previous_review_low"]
    if latest is None or previous is None or previous - latest < FALL_IN_SATISFACTION:
        return None
    return str(row["last_review_at"])


def _repeated_no_shows(row: Row) -> str | None:
    return row["no_show_streak_since"] if row["no_shows_in_a_row"] >= REPEATED_NO_SHOWS else None


def _review_overdue(row: Row) -> str | None:
    every = row["review_every_days"]
    if row["status"] != "active" or not every or not row["expectations_set_at"]:
        return None
    return after_days(review_clock(row), every)


def day_over(target_date: str) -> str:
    """The instant a target day is over: the next midnight, UTC."""
    return iso(datetime.fromisoformat(f"{target_date}T00:00:00+00:00") + timedelta(days=1)) or ""


def _goal_overdue(row: Row) -> str | None:
    if row["status"] not in ("active", "paused") or not row["goals"]:
        return None
    return day_over(min(row["goals"].values()))  # overdue once its target day is over


def _request_unanswered(row: Row) -> str | None:
    if row["status"] != "requested":
        return None
    return after_days(row["requested_at"], REQUEST_UNANSWERED_DAYS)


def _long_pause(row: Row) -> str | None:
    if row["status"] != "paused" or not row["paused_at"]:
        return None
    return after_days(row["paused_at"], LONG_PAUSE_DAYS)


def _feedback_unacknowledged(row: Row) -> str | None:
    if row["status"] not in ("active", "paused") or not row["pending_feedback"]:
        return None
    return after_days(min(row["pending_feedback"].values()), FEEDBACK_UNACKNOWLEDGED_DAYS)


def _concern_unaddressed(row: Row) -> str | None:
    if row["status"] not in ("active", "paused"):
        return None
    return str(row["concern_at"]) if row["concern_at"] else None  # until a session is held


def _often_late_or_unprepared(row: Row) -> str | None:
    recent = row["recent_sessions"][-RECENT_SESSIONS:]
    missed = [at for at, on_time, prepared in recent if not (on_time and prepared)]
    if row["status"] not in ("active", "paused") or len(missed) < LATE_OR_UNPREPARED:
        return None
    return str(recent[-1][0])


RULES = (
    RiskRule("no_session_for_2x_interval", _no_session, lambda row, now: {
        "days_without_session": days_between(session_clock(row), now),
        "meeting_every_days": row["meeting_every_days"],
        "last_session_at": row["last_session_at"]}),
    RiskRule("no_expectations_14_days_after_connection", _no_expectations, lambda row, now: {
        "days_since_connection": days_between(row["connected_at"], now),
        "connected_at": row["connected_at"]}),
    RiskRule("low_review_satisfaction", _low_satisfaction, lambda row, now: {
        "mentor_satisfaction": row["last_mentor_satisfaction"],
        "mentee_satisfaction": row["last_mentee_satisfaction"],
        "previous_lower_score": row["previous_review_low"],
        "reviewed_at": row["last_review_at"], "threshold": LOW_SATISFACTION}),
    RiskRule("falling_satisfaction", _falling_satisfaction, lambda row, now: {
        "lower_score": row["review_low"], "previous_lower_score": row["previous_review_low"],
        "reviewed_at": row["last_review_at"]}),
    RiskRule("repeated_no_shows", _repeated_no_shows, lambda row, now: {
        "no_shows_in_a_row": row["no_shows_in_a_row"], "by_mentee": row["no_shows_by_mentee"],
        "by_mentor": row["no_shows_by_mentor"]}),
    RiskRule("review_overdue", _review_overdue, lambda row, now: {
        "review_every_days": row["review_every_days"],
        "last_review_at": row["last_review_at"],
        "days_since_review_due": days_between(
            after_days(review_clock(row), row["review_every_days"]), now)}),
    RiskRule("goal_overdue", _goal_overdue, lambda row, now: {
        "goals_overdue": sorted(g for g, target in row["goals"].items()
                                if day_over(target) <= (iso(now) or "")),
        "earliest_target_date": min(row["goals"].values())}),
    RiskRule("request_unanswered", _request_unanswered, lambda row, now: {
        "days_since_request": days_between(row["requested_at"], now),
        "requested_at": row["requested_at"]}),
    RiskRule("long_pause", _long_pause, lambda row, now: {
        "days_paused": days_between(row["paused_at"], now), "paused_at": row["paused_at"]}),
    RiskRule("feedback_unacknowledged", _feedback_unacknowledged, lambda row, now: {
        "pieces": len(row["pending_feedback"]),
        "oldest_given_at": min(row["pending_feedback"].values())}),
    RiskRule("concern_unaddressed", _concern_unaddressed, lambda row, now: {
        "concern_shared_at": row["concern_at"],
        "days_since_concern": days_between(row["concern_at"], now)}),
    RiskRule("often_late_or_unprepared", _often_late_or_unprepared, lambda row, now: {
        "of_last_sessions": len(row["recent_sessions"][-RECENT_SESSIONS:]),
        "late_or_unprepared": sum(1 for _, on_time, prepared in
                                  row["recent_sessions"][-RECENT_SESSIONS:]
                                  if not (on_time and prepared))}),
)
MAX_REASONS = len(RULES)
CODES = tuple(rule.code for rule in RULES)


def starts(row: Row) -> list[tuple[RiskRule, str]]:
    """Each reason that holds from some instant on, with that instant. A relationship that
    ended (declined, withdrawn, concluded) is at risk of nothing."""
    if row["status"] not in OPEN_STATUSES:
        return []
    return [(rule, start) for rule in RULES if (start := rule.starts(row)) is not None]


def risk_times(row: Row) -> list[str]:
    """From when each reason holds (sorted): a relationship has k reasons at ``now`` exactly
    when its k-th time is <= now and its (k+1)-th is later or absent. Stored (risk_k),
    they let the database find, count and order the reasons of "now" with an index."""
    return sorted(start for _, start in starts(row))


def reasons_for(row: Row, now: datetime) -> list[dict[str, Any]]:
    """Why a relationship is at risk as of ``now``: each reason a code, the instant it
    started and its figures."""
    at = iso(now) or ""
    return [{"code": rule.code, "since": start, **rule.figures(row, now)}
            for rule, start in starts(row) if start <= at]
