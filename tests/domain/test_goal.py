"""A goal's events, and its rules: progress 0..100, nothing more once achieved or abandoned."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from domain.errors import DomainError, GoalClosed, InvalidValue, NothingToChange, ProgressOutOfRange
from domain.goal import Goal
from tests.domain.builders import (
    MENTEE,
    PROGRAM_ID,
    T0,
    abandoned_goal,
    achieved_goal,
    at,
    only_event,
    open_goal,
    settled,
)

Command = Callable[[Goal], Any]


REL_ID = "0b7c6a1e-4f0e-4d8e-9a53-1e2b3c4d5e6f"


def refused(goal: Goal, command: Command, error: type[DomainError]) -> DomainError:
    before = goal.to_dict()
    with pytest.raises(error) as raised:
        command(goal)
    assert goal.pending_events == []
    assert goal.to_dict() == before
    return raised.value


def test_defining_a_goal_records_title_criteria_and_target() -> None:
    goal = Goal.define(program_id=PROGRAM_ID, mentee_id=MENTEE, title=" Lead a team ",
                       success_criteria="Runs planning alone", target_date=date(2026, 12, 31),
                       area="leadership", relationship_id=REL_ID, actor=MENTEE, at=T0)
    event = only_event(goal, Goal.Defined)
    assert (event.program_id, event.mentee_id, event.title) == (PROGRAM_ID, MENTEE, "Lead a team")
    assert (event.success_criteria, event.target_date) == ("Runs planning alone",
                                                           date(2026, 12, 31))
    assert (event.area, event.relationship_id, event.subject_id) == ("leadership", REL_ID, MENTEE)
    assert (event.actor, event.timestamp) == (MENTEE, T0)
    state = goal.to_dict()
    assert (state["status"], state["progress"], state["revisions"]) == ("open", 0, 0)
    assert state["relationship_ids"] == [REL_ID]


def test_revising_a_goal_records_what_changed_and_why() -> None:
    goal = open_goal()
    goal.revise(reason="The team grew", success_criteria="Leads a team of eight",
                actor=MENTEE, at=at(days=10))
    event = only_event(goal, Goal.Revised)
    assert (event.title, event.success_criteria, event.target_date) == (
        None, "Leads a team of eight", None)
    assert event.reason == "The team grew"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=10))
    state = goal.to_dict()
    assert (state["title"], state["success_criteria"]) == ("Lead a team", "Leads a team of eight")
    assert state["revisions"] == 1


def test_revising_the_target_date_moves_it() -> None:
    goal = open_goal()
    goal.revise(reason="Reorganisation", target_date=date(2027, 3, 31), actor=MENTEE,
                at=at(days=10))
    only_event(goal, Goal.Revised)
    assert goal.to_dict()["target_date"] == date(2027, 3, 31)


def test_recording_progress_sets_the_percentage() -> None:
    goal = open_goal()
    goal.record_progress(percent=40, note="Ran the planning", actor=MENTEE, at=at(days=10))
    event = only_event(goal, Goal.ProgressRecorded)
    assert (event.percent, event.note) == (40, "Ran the planning")
    assert (event.actor, event.timestamp) == (MENTEE, at(days=10))
    assert goal.to_dict()["progress"] == 40


@pytest.mark.parametrize("percent", [0, 100])
def test_progress_at_the_bounds_is_accepted(percent: int) -> None:
    goal = open_goal()
    goal.record_progress(percent=percent, note=None, actor=MENTEE, at=at(days=10))
    assert only_event(goal, Goal.ProgressRecorded).percent == percent


def test_achieving_closes_the_goal_at_full_progress() -> None:
    goal = open_goal()
    goal.achieve(note="Done", actor=MENTEE, at=at(days=30))
    event = only_event(goal, Goal.Achieved)
    assert event.note == "Done"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=30))
    state = goal.to_dict()
    assert (state["status"], state["progress"], state["closed_at"]) == ("achieved", 100,
                                                                        at(days=30))


def test_abandoning_closes_the_goal_keeping_its_progress() -> None:
    goal = open_goal()
    goal.record_progress(percent=30, note=None, actor=MENTEE, at=at(days=5))
    settled(goal)
    goal.abandon(reason="Changed role", actor=MENTEE, at=at(days=30))
    event = only_event(goal, Goal.Abandoned)
    assert event.reason == "Changed role"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=30))
    state = goal.to_dict()
    assert (state["status"], state["progress"], state["closed_at"]) == ("abandoned", 30,
                                                                        at(days=30))


def test_linking_a_goal_to_a_relationship_records_the_relationship() -> None:
    goal = open_goal()
    goal.link_to(relationship_id=REL_ID, actor=MENTEE, at=at(days=1))
    event = only_event(goal, Goal.LinkedToRelationship)
    assert event.relationship_id == REL_ID
    assert (event.actor, event.timestamp) == (MENTEE, at(days=1))
    assert goal.to_dict()["relationship_ids"] == [REL_ID]


def test_linking_a_goal_twice_to_the_same_relationship_records_nothing_new() -> None:
    goal = open_goal()
    goal.link_to(relationship_id=REL_ID, actor=MENTEE, at=at(days=1))
    settled(goal)
    goal.link_to(relationship_id=REL_ID, actor=MENTEE, at=at(days=2))
    assert goal.pending_events == []
    assert goal.to_dict()["relationship_ids"] == [REL_ID]


@pytest.mark.parametrize("percent", [-1, 101, 1000, True, 50.5, "50"])
def test_progress_outside_0_to_100_is_refused(percent: Any) -> None:
    error = refused(open_goal(), lambda g: g.record_progress(percent=percent, note=None,
                                                             actor=MENTEE), ProgressOutOfRange)
    assert error.rule == "progress-0-100"


GOAL_COMMANDS: dict[str, Command] = {
    "record_progress": lambda g: g.record_progress(percent=50, note=None, actor=MENTEE),
    "revise": lambda g: g.revise(reason="Why not", title="Another", actor=MENTEE),
    "achieve": lambda g: g.achieve(note=None, actor=MENTEE),
    "abandon": lambda g: g.abandon(reason="Bored", actor=MENTEE),
}


@pytest.mark.parametrize("command", sorted(GOAL_COMMANDS))
def test_an_achieved_goal_refuses_further_change(command: str) -> None:
    error = refused(achieved_goal(), GOAL_COMMANDS[command], GoalClosed)
    assert error.rule == "goal-closed"


@pytest.mark.parametrize("command", sorted(GOAL_COMMANDS))
def test_an_abandoned_goal_refuses_further_change(command: str) -> None:
    refused(abandoned_goal(), GOAL_COMMANDS[command], GoalClosed)


def test_a_revision_that_changes_nothing_is_refused() -> None:
    error = refused(open_goal(), lambda g: g.revise(reason="No reason", actor=MENTEE),
                    NothingToChange)
    assert error.rule == "nothing-to-change"


INVALID_GOALS: list[tuple[str, Command]] = [
    ("title", lambda _: Goal.define(program_id=PROGRAM_ID, mentee_id=MENTEE, title=" ",
                                    success_criteria="x", target_date=date(2026, 12, 31),
                                    actor=MENTEE)),
    ("success_criteria", lambda _: Goal.define(program_id=PROGRAM_ID, mentee_id=MENTEE,
                                               title="x", success_criteria="",
                                               target_date=date(2026, 12, 31), actor=MENTEE)),
    ("target_date", lambda _: Goal.define(program_id=PROGRAM_ID, mentee_id=MENTEE, title="x",
                                          success_criteria="x", target_date=T0, actor=MENTEE)),
    ("target_date", lambda _: Goal.define(program_id=PROGRAM_ID, mentee_id=MENTEE, title="x",
                                          success_criteria="x",
                                          target_date="2026-12-31",  # type: ignore[arg-type]
                                          actor=MENTEE)),
    ("mentee_id", lambda _: Goal.define(program_id=PROGRAM_ID, mentee_id="", title="x",
                                        success_criteria="x", target_date=date(2026, 12, 31),
                                        actor=MENTEE)),
    ("reason", lambda g: g.revise(reason="", title="New", actor=MENTEE)),
    ("title", lambda g: g.revise(reason="Why", title="x" * 301, actor=MENTEE)),
    ("target_date", lambda g: g.revise(reason="Why", target_date=datetime(2027, 1, 1),
                                       actor=MENTEE)),
    ("reason", lambda g: g.abandon(reason=" ", actor=MENTEE)),
]


@pytest.mark.parametrize(("field", "command"), INVALID_GOALS,
                         ids=[f"{i}-{f}" for i, (f, _) in enumerate(INVALID_GOALS)])
def test_an_invalid_goal_value_is_refused_naming_the_field(field: str, command: Command) -> None:
    error = refused(open_goal(), command, InvalidValue)
    assert isinstance(error, InvalidValue)
    assert error.field == field
