"""Health and at-risk as of an instant are what a store holding only the events up to that
instant says: the past is never read through today's facts."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from projections.at_risk_queries import at_risk_as_of, at_risk_now
from projections.catalog import READ_MODELS

DEMO_NOW = datetime(2026, 6, 1, tzinfo=UTC)
INSTANTS = [
    datetime(2026, 1, 2, 0, 0, 1, tzinfo=UTC),  # the program exists, nothing else yet
    datetime(2026, 1, 20, 12, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 1, tzinfo=UTC),  # the first instant of a month
    datetime(2026, 4, 15, 6, 30, tzinfo=UTC),
    datetime(2026, 5, 20, tzinfo=UTC),
    DEMO_NOW,
]


def project(runtime: Runtime) -> None:
    runner = runtime.runner(READ_MODELS)
    runner.setup()
    runner.catch_up_all()


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Runtime, str]]:
    built = build_runtime(Settings(database_url=database_url, database_pool_size=4))
    DemoProgram(built.service, mentors=6, mentees=20, months=5, seed=3, now=DEMO_NOW).run()
    project(built)
    program = str(built.service.store.feed(after=0, limit=1)[0][1].originator_id)
    yield built, program
    built.close()


def truncated(source: Runtime, until: datetime, path: Path) -> Runtime:
    """A new SQLite store holding exactly the source's stored events up to ``until``."""
    store = source.service.store
    stamps = {position: event.timestamp for position, event in store.feed(after=0, limit=10**6)}
    kept = [n for n in store.recorder.select_notifications(start=1, limit=10**6)
            if stamps[n.id] <= until]
    copy = build_runtime(Settings(database_url=f"sqlite:///{path}"))
    copy.service.store.recorder.insert_events(kept)
    project(copy)
    return copy


def test_health_and_at_risk_as_of_equal_a_store_cut_at_that_instant(
    demo: tuple[Runtime, str], tmp_path: Path
) -> None:
    runtime, program = demo
    flagged = 0
    for number, instant in enumerate(INSTANTS):
        copy = truncated(runtime, instant, tmp_path / f"cut{number}.db")
        try:
            for read in ("program_health", "at_risk"):
                ours = getattr(runtime.read_models(), read)(program, instant)
                theirs = getattr(copy.read_models(), read)(program, instant)
                assert ours == theirs, (read, instant)
            flagged += len(ours["items"])
        finally:
            copy.close()
    assert flagged > 0  # the comparison covered relationships at risk, not only empty lists


def test_the_current_facts_and_the_history_agree_from_the_last_event_on(
    demo: tuple[Runtime, str]
) -> None:
    runtime, program = demo
    views = runtime.read_models()
    for instant in (DEMO_NOW, DEMO_NOW + timedelta(days=45)):
        now, history = (views._read("at_risk", lambda c, t, read=read, at=instant: read(
            c, t, program, at, after=None, limit=None)) for read in (at_risk_now, at_risk_as_of))
        assert now == history and now


def test_at_risk_pages_as_of_an_instant_add_up_to_the_whole_list(
    demo: tuple[Runtime, str]
) -> None:
    runtime, program = demo
    views, counts = runtime.read_models(), set()
    for instant in INSTANTS[1:-1]:
        whole = views.at_risk(program, instant)["items"]
        paged, cursor = [], None
        while True:
            page = views.at_risk(program, instant, limit=2, cursor=cursor)
            paged += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert paged == whole
        keys = [(-len(i["reasons"]), i["relationship_id"]) for i in whole]
        assert keys == sorted(keys)  # most reasons first, then by id
        counts |= {len(i["reasons"]) for i in whole}
    assert len(counts) >= 2  # pages crossed from one number of reasons to the next


def test_the_monthly_series_stops_at_the_month_asked(demo: tuple[Runtime, str]) -> None:
    runtime, program = demo
    health = runtime.read_models().program_health(program, datetime(2026, 3, 10, tzinfo=UTC))
    assert [m["month"] for m in health["monthly"]] == ["2026-01", "2026-02", "2026-03"]
    assert health["mentor_utilisation"]["month"] == "2026-03"


def test_a_program_created_a_moment_ago_refuses_its_rates_with_reasons(
    runtime: Runtime
) -> None:
    created = datetime(2026, 3, 1, 9, tzinfo=UTC)
    program = runtime.service.create_program(name="New", description=None, actor="admin",
                                             at=created).id
    project(runtime)
    health = runtime.read_models().program_health(program, created + timedelta(hours=1))
    assert health["cadence_adherence"]["ratio"] is None
    assert health["cadence_adherence"]["ratio_unavailable"]
    assert health["feedback_per_relationship_month"]["rate"] is None
    assert health["goal_completion"]["rate"] is None
    assert set(health["relationships_by_status"].values()) == {0}
    assert_sane(health)


# ---- a property: whatever happened, every figure is in range ------------------------------

START = datetime(2026, 2, 1, 9, tzinfo=UTC)
STEPS = st.lists(st.tuples(
    st.sampled_from(["request", "accept", "decline", "withdraw", "expect", "hold", "miss",
                     "cancel", "feedback", "review", "pause", "resume", "conclude", "goal",
                     "achieve", "abandon"]),
    st.integers(0, 3),  # which relationship (or goal)
    st.integers(1, 20 * 24),  # hours since the previous step
), min_size=1, max_size=40)


# Figures named "rate" that count things per unit of time, not a share of a whole: no
# upper bound (two pieces of feedback in one relationship-month is a rate of 2).
FREQUENCIES = ("feedback_per_relationship_month",)


def assert_sane(health: dict[str, Any]) -> None:
    """No negative count, no NaN or infinity; shares in [0, 1], scores in [1, 5]; a refused
    rate always says why (an average or median of nothing is null beside its zero count)."""
    def walk(value: Any, key: str = "", share: bool = True) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                if inner is None and not name.endswith("_unavailable") and name != "month":
                    averaged = "average" in name or name == "median"
                    if f"{name}_unavailable" not in value and not averaged:
                        raise AssertionError(f"{name} is null without a reason")
                walk(inner, name, share and name not in FREQUENCIES)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, key, share)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            assert math.isfinite(value) and value >= 0, (key, value)
            if share and (key in ("rate",) or key.endswith("_rate")):
                assert value <= 1, (key, value)
    walk(health)
    satisfaction = health["review_satisfaction"]
    for side in ("mentor_average", "mentee_average", "average"):
        if satisfaction.get(side) is not None:
            assert 1 <= satisfaction[side] <= 5


class Played:
    """Plays a random sequence of commands on one new program; refusals are expected."""

    def __init__(self, runtime: Runtime) -> None:
        self.service = runtime.service
        self.at = START
        self.program = self.service.create_program(name="Random", description=None,
                                                   actor="admin", at=self.at).id
        self.service.register_mentor(program_id=self.program, person_id="m1", skills=["go"],
                                     capacity=3, monthly_minutes=300, actor="admin",
                                     at=self.at)
        self.relationships: list[str] = []
        self.goals: list[str] = []
        self.sessions: dict[str, list[str]] = {}
        self.requested_by_instant: list[tuple[datetime, int]] = []

    def step(self, action: str, which: int, hours: int) -> None:
        self.at += timedelta(hours=hours)
        s, at = self.service, self.at
        rel = self.relationships[which % len(self.relationships)] if self.relationships else None
        try:
            if action == "request" or rel is None:
                self.relationships.append(s.request_relationship(
                    program_id=self.program, mentor_id="m1", mentee_id=f"e{which}",
                    message="Hi", actor=f"e{which}", at=at).id)
                self.requested_by_instant.append((at, len(self.relationships)))
            elif action == "accept":
                s.accept_relationship(rel, actor="m1", at=at)
            elif action == "decline":
                s.decline_relationship(rel, reason=None, actor="m1", at=at)
            elif action == "withdraw":
                s.withdraw_request(rel, reason=None, actor="e1", at=at)
            elif action == "expect":
                s.set_expectations(rel, meeting_every_days=7, session_minutes=60,
                                   monthly_minutes_cap=240, topics=["go"], channel="video",
                                   review_every_days=30, actor="m1", at=at)
            elif action in ("hold", "miss", "cancel"):
                booked = str(s.schedule_session(
                    rel, scheduled_for=at, duration_minutes=45, agenda=None, actor="m1",
                    at=at - timedelta(minutes=30)).extra["session_id"])
                if action == "hold":
                    s.hold_session(rel, booked, held_at=at, duration_minutes=45,
                                   mentee_on_time=which % 2 == 0, mentee_prepared=True,
                                   notes=None, actor="m1", at=at)
                elif action == "miss":
                    s.miss_session(rel, booked, missed_by="mentee", actor="m1", at=at)
                else:
                    s.cancel_session(rel, booked, cancelled_by="mentor", reason=None,
                                     actor="m1", at=at)
            elif action == "feedback":
                s.receive_feedback(rel, from_role="mentor", kind="praise", text="Good",
                                   actor="m1", at=at)
            elif action == "review":
                s.review_relationship(rel, mentor_satisfaction=which + 1,
                                      mentee_satisfaction=5 - which, actor="m1", at=at)
            elif action == "pause":
                s.pause_relationship(rel, reason=None, actor="m1", at=at)
            elif action == "resume":
                s.resume_relationship(rel, actor="m1", at=at)
            elif action == "conclude":
                s.conclude_relationship(rel, reason="Done", outcome="ok", actor="m1", at=at)
            elif action == "goal":
                self.goals.append(s.define_goal(
                    program_id=self.program, mentee_id="e1", title="Learn", actor="e1",
                    success_criteria="Learnt", target_date=at.date() + timedelta(days=20),
                    at=at).id)
            elif self.goals and action == "achieve":
                s.achieve_goal(self.goals[which % len(self.goals)], note=None, actor="e1",
                               at=at)
            elif self.goals and action == "abandon":
                s.abandon_goal(self.goals[which % len(self.goals)], reason="No", actor="e1",
                               at=at)
        except DomainError:
            pass  # the domain refused it: nothing was stored

    def requested_by(self, instant: datetime) -> int:
        return max((n for at, n in self.requested_by_instant if at <= instant), default=0)


@pytest.fixture(scope="module")
def shared_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    path = tmp_path_factory.mktemp("property") / "mentoring.db"
    built = build_runtime(Settings(database_url=f"sqlite:///{path}"))
    yield built
    built.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=STEPS, probes=st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_any_history_gives_figures_in_range_at_any_instant(
    shared_runtime: Runtime, steps: list[tuple[str, int, int]], probes: list[int]
) -> None:
    played = Played(shared_runtime)
    for step in steps:
        played.step(*step)
    project(shared_runtime)
    span = played.at - START
    views = shared_runtime.read_models()
    for percent in probes:
        instant = START + span * percent / 100
        health = views.program_health(played.program, instant)
        assert_sane(health)
        statuses = health["relationships_by_status"]
        assert sum(statuses.values()) == played.requested_by(instant)
        months = [m["month"] for m in health["monthly"]]
        assert not months or months[-1] <= f"{instant:%Y-%m}"
        for item in views.at_risk(played.program, instant)["items"]:
            assert item["reasons"]
            assert all(datetime.fromisoformat(r["since"]) <= instant for r in item["reasons"])


def test_goal_target_dates_in_the_past_are_refused(runtime: Runtime) -> None:
    program = runtime.service.create_program(name="P", description=None, actor="admin",
                                             at=START).id
    with pytest.raises(DomainError):
        runtime.service.define_goal(program_id=program, mentee_id="e1", title="Old",
                                    success_criteria="Done", target_date=date(2026, 1, 1),
                                    actor="e1", at=START)


def test_one_relationship_one_session_and_an_empty_month_by_hand(runtime: Runtime) -> None:
    s = runtime.service
    feb1 = datetime(2026, 2, 1, 10, tzinfo=UTC)
    program = s.create_program(name="Small", description=None, actor="admin", at=feb1).id
    s.register_mentor(program_id=program, person_id="m1", skills=["go"], capacity=2,
                      monthly_minutes=120, actor="admin", at=feb1)
    rel = s.request_relationship(program_id=program, mentor_id="m1", mentee_id="e1",
                                 message="Hi", actor="e1", at=feb1).id
    s.accept_relationship(rel, actor="m1", at=feb1)
    s.set_expectations(rel, meeting_every_days=7, session_minutes=60, monthly_minutes_cap=120,
                       topics=["go"], channel="video", review_every_days=30, actor="m1",
                       at=feb1)
    booked = str(s.schedule_session(rel, scheduled_for=datetime(2026, 2, 3, 10, tzinfo=UTC),
                                    duration_minutes=45, agenda=None, actor="m1",
                                    at=datetime(2026, 2, 2, tzinfo=UTC)).extra["session_id"])
    s.hold_session(rel, booked, held_at=datetime(2026, 2, 3, 10, tzinfo=UTC),
                   duration_minutes=45, mentee_on_time=True, mentee_prepared=True, notes=None,
                   actor="m1", at=datetime(2026, 2, 3, 10, tzinfo=UTC))
    project(runtime)
    april10 = datetime(2026, 4, 10, tzinfo=UTC)
    health = runtime.read_models().program_health(program, april10)
    days = (april10 - feb1).total_seconds() / 86_400  # 67.58 days active under expectations
    assert health["cadence_adherence"] == {"sessions_held": 1,
                                           "sessions_expected": round(days / 7, 2),
                                           "ratio": round(1 / (days / 7), 4)}
    assert health["feedback_per_relationship_month"] == {
        "feedback": 0, "relationship_months": round(days / 30, 2), "rate": 0.0}
    assert health["time_to_expectations_days"] == {"relationships": 1, "average": 0.0,
                                                   "median": 0.0}
    february, march, april = health["monthly"]
    assert (february["month"], february["sessions_held"], february["minutes_held"]) == (
        "2026-02", 1, 45)
    assert (march["month"], march["sessions_held"], march["active_relationships"]) == (
        "2026-03", 0, 1)  # an empty month is a point of zeros, not a gap
    assert march["average_satisfaction"] is None
    assert april["month"] == "2026-04"
    assert health["mentor_utilisation"] == {
        "mentors": 1, "active_mentees": 1, "capacity": 2, "mentee_ratio": 0.5,
        "month": "2026-04", "minutes_held": 0, "monthly_minutes": 120, "minutes_ratio": 0.0}
    in_february = runtime.read_models().program_health(program,
                                                       datetime(2026, 2, 20, tzinfo=UTC))
    assert in_february["mentor_utilisation"]["minutes_ratio"] == round(45 / 120, 4)
