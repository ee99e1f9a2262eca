"""Every command path of the service, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.base import Attempt
from application.service import MentoringService
from domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    GoalClosed,
    MentorCapacityExceeded,
    MentorIsMentee,
    MentorRetired,
    NotFound,
    ProgramClosed,
    ProgressOutOfRange,
    RelationshipConcluded,
)
from domain.mentor_profile import MentorProfile
from domain.relationship import Relationship
from infrastructure.database import parse_database_url
from infrastructure.event_store import EventStore
from tests.application.scenario import (
    COORDINATOR,
    EXPECTATIONS,
    MENTEE,
    MENTOR,
    T0,
    World,
    at,
)

# ---- programs ------------------------------------------------------------------


def test_creating_a_program_answers_its_id_and_first_version(service: MentoringService) -> None:
    created = service.create_program(name="Leadership", description=None, actor=COORDINATOR,
                                     at=T0)
    assert created.version == 1
    state = service.program(created.id)
    assert (state["name"], state["closed"], state["created_on"]) == ("Leadership", False, T0)


def test_updating_a_program_changes_its_description(world: World) -> None:
    updated = world.service.update_program(world.program_id, description="For all leads",
                                           actor=COORDINATOR, at=at(days=1))
    assert updated.version == 2
    assert world.service.program(world.program_id)["description"] == "For all leads"


def test_closing_a_program_marks_it_closed(world: World) -> None:
    closed = world.service.close_program(world.program_id, reason="Over", actor=COORDINATOR)
    assert closed.version == 2
    assert world.service.program(world.program_id)["closed"] is True


STARTS_IN_A_PROGRAM: dict[str, Callable[[World], Any]] = {
    "register_mentor": lambda w: w.mentor("emp-m2"),
    "request_relationship": lambda w: w.request(),
    "define_goal": lambda w: w.goal(),
}


@pytest.mark.parametrize("command", sorted(STARTS_IN_A_PROGRAM))
def test_a_closed_program_takes_nothing_new(world: World, command: str) -> None:
    world.service.close_program(world.program_id, reason="Over", actor=COORDINATOR)
    before = world.service.last_position()
    with pytest.raises(ProgramClosed):
        STARTS_IN_A_PROGRAM[command](world)
    assert world.service.last_position() == before


def test_starting_anything_in_an_unknown_program_is_not_found(service: MentoringService) -> None:
    with pytest.raises(NotFound):
        World(service, "6b1d8f0e-0000-4000-8000-000000000000").mentor(MENTOR)


# ---- mentors -------------------------------------------------------------------


def test_registering_a_mentor_makes_their_profile_readable(world: World) -> None:
    mentor = world.service.mentor(world.program_id, MENTOR)
    assert (mentor["person_id"], mentor["capacity"], mentor["capacity_left"]) == (MENTOR, 2, 2)
    assert mentor["version"] == 1


def test_registering_the_same_mentor_twice_is_refused(world: World) -> None:
    with pytest.raises(AlreadyExists):
        world.mentor(MENTOR)


MENTOR_COMMANDS: list[tuple[str, dict[str, Any], str, Any]] = [
    ("update_mentor", {"skills": ["Negotiation"]}, "skills", ["negotiation"]),
    ("change_mentor_capacity", {"capacity": 5}, "capacity", 5),
    ("retire_mentor", {"reason": "Leaving"}, "retired", True),
]


@pytest.mark.parametrize(("command", "kwargs", "field", "value"), MENTOR_COMMANDS,
                         ids=[c[0] for c in MENTOR_COMMANDS])
def test_a_mentor_command_changes_the_profile(world: World, command: str, kwargs: dict[str, Any],
                                              field: str, value: Any) -> None:
    outcome = getattr(world.service, command)(world.program_id, MENTOR, actor=COORDINATOR,
                                              at=at(days=1), **kwargs)
    assert outcome.version == 2
    assert world.service.mentor(world.program_id, MENTOR)[field] == value
    assert world.service.history(outcome.id)[-1]["actor"] == COORDINATOR


def test_a_command_for_a_person_who_is_not_a_mentor_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.retire_mentor(world.program_id, "emp-nobody", reason=None,
                                     actor=COORDINATOR)


def test_a_retired_mentor_receives_no_new_requests(world: World) -> None:
    world.service.retire_mentor(world.program_id, MENTOR, reason=None,
                                 actor=COORDINATOR)
    before = world.service.last_position()
    with pytest.raises(MentorRetired):
        world.request()
    assert world.service.last_position() == before


# ---- relationships: request, accept, decline, conclude -------------------------


def test_requesting_a_relationship_starts_it_requested(world: World) -> None:
    outcome = world.service.request_relationship(
        program_id=world.program_id, mentor_id=MENTOR, mentee_id=MENTEE, message="Hello",
        actor=MENTEE, at=at(days=1))
    assert (outcome.version, outcome.status) == (1, "requested")
    state = world.service.relationship(outcome.id)
    assert (state["mentor_id"], state["mentee_id"], state["status"]) == (MENTOR, MENTEE,
                                                                         "requested")


def test_requesting_a_person_who_is_not_a_mentor_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.request(mentor="emp-nobody")


def test_requesting_oneself_as_mentor_is_refused(world: World) -> None:
    with pytest.raises(MentorIsMentee):
        world.request(MENTOR)


def test_accepting_connects_and_takes_a_place_of_the_mentor(world: World) -> None:
    rel = world.request()
    outcome = world.service.accept_relationship(rel, actor=MENTOR, at=at(days=2))
    assert (outcome.version, outcome.status) == (2, "active")
    assert world.service.relationship(rel)["connected_at"] == at(days=2)
    mentor = world.service.mentor(world.program_id, MENTOR)
    assert (mentor["active_mentees"], mentor["capacity_left"], mentor["version"]) == (1, 1, 3)
    assert world.types(str(mentor["id"]))[-2:] == ["RequestReceived", "MenteeAssigned"]
    assert mentor["pending_requests"] == 0


def test_accepting_beyond_capacity_changes_neither_aggregate(service: MentoringService) -> None:
    world = World.open(service, capacity=1)
    world.connected("emp-e1")
    second = world.request("emp-e2")
    mentor_before = service.mentor(world.program_id, MENTOR)
    with pytest.raises(MentorCapacityExceeded):
        service.accept_relationship(second, actor=MENTOR, at=at(days=2))
    assert service.relationship(second)["status"] == "requested"
    assert service.relationship(second)["version"] == 1
    assert service.mentor(world.program_id, MENTOR) == mentor_before


def test_concluding_frees_the_place_for_the_next_mentee(service: MentoringService) -> None:
    world = World.open(service, capacity=1)
    first = world.connected("emp-e1")
    second = world.request("emp-e2")
    concluded = service.conclude_relationship(first, reason="Done", outcome="goals met",
                                              actor=MENTEE, at=at(days=30))
    assert (concluded.version, concluded.status) == (3, "concluded")
    assert service.mentor(world.program_id, MENTOR)["capacity_left"] == 1
    assert service.accept_relationship(second, actor=MENTOR, at=at(days=31)).status == "active"


def test_a_concluded_relationship_refuses_further_commands(world: World) -> None:
    rel = world.connected()
    world.service.conclude_relationship(rel, reason="Done", outcome="goals met", actor=MENTEE)
    with pytest.raises(RelationshipConcluded):
        world.service.share_experience(rel, kind="success",
                                           text="Late news", actor=MENTEE)
    with pytest.raises(RelationshipConcluded):
        world.service.conclude_relationship(rel, reason="Again", outcome="x", actor=MENTEE)


class StaleMentorService(MentoringService):
    """A fake service whose accept works on a mentor profile read before another write."""

    stale_mentor: MentorProfile | None = None

    def _mentor_of(self, attempt: Attempt, relationship: Relationship, *,  # type: ignore[override]
                   change: bool = True) -> MentorProfile:
        assert self.stale_mentor is not None
        return deepcopy(self.stale_mentor)  # as read before the other write, every time


def test_accepting_saves_relationship_and_mentor_in_one_transaction(
        database_url: str, stored_world: World) -> None:
    world = stored_world
    rel = world.request()
    mentor_id = UUID(str(world.service.mentor(world.program_id, MENTOR)["id"]))
    vault: Any = world.service.vault
    store = EventStore(env=parse_database_url(database_url).env, sealer=vault)
    stale = StaleMentorService(store, vault)
    try:
        stale.stale_mentor = store.repository.get(mentor_id)
        world.service.change_mentor_capacity(world.program_id, MENTOR, capacity=3,
                                     actor=COORDINATOR)
        with pytest.raises(ConcurrentUpdate):
            stale.accept_relationship(rel, actor=MENTOR, at=at(days=2))
    finally:
        stale.close()
    assert world.service.relationship(rel)["status"] == "requested"
    assert world.service.mentor(world.program_id, MENTOR)["active_mentees"] == 0


# ---- relationships: each of the relationship's own commands ---------------------

Setup = Callable[[World], tuple[str, dict[str, Any]]]


def _requested(kwargs: dict[str, Any]) -> Setup:
    return lambda w: (w.request(), kwargs)


def _connected(kwargs: dict[str, Any]) -> Setup:
    return lambda w: (w.connected(), kwargs)


def _with_session(extra: dict[str, Any]) -> Setup:
    def setup(w: World) -> tuple[str, dict[str, Any]]:
        rel = w.agreed()
        return rel, {"session_id": w.book(rel), **extra}
    return setup


def _with_feedback(w: World) -> tuple[str, dict[str, Any]]:
    rel = w.connected()
    return rel, {"feedback_id": w.feedback(rel)}


RELATIONSHIP_COMMANDS: dict[str, tuple[Setup, str]] = {
    "decline_relationship": (_requested({"reason": "No time"}), "Declined"),
    "set_expectations": (_connected(EXPECTATIONS), "ExpectationsSet"),
    "schedule_session": (_connected({"scheduled_for": at(days=25), "duration_minutes": 60,
                                     "agenda": None}), "SessionScheduled"),
    "hold_session": (_with_session({"held_at": at(days=10), "duration_minutes": 55,
                                    "mentee_on_time": True, "mentee_prepared": True,
                                    "notes": "Delegation"}), "SessionHeld"),
    "cancel_session": (_with_session({"cancelled_by": "mentor", "reason": "Travel"}),
                       "SessionCancelled"),
    "miss_session": (_with_session({"missed_by": "mentee"}), "SessionMissed"),
    "receive_feedback": (_connected({"from_role": "mentee", "kind": "constructive",
                                     "text": "More examples", "goal_id": None}),
                         "FeedbackReceived"),
    "acknowledge_feedback": (_with_feedback, "FeedbackAcknowledged"),
    "share_experience": (_connected({"kind": "challenge", "text": "Team conflict"}),
                         "ExperienceShared"),
    "apply_advice": (_connected({"advice": "Delegate", "outcome": "Time saved"}),
                     "AdviceApplied"),
    "report_progress": (_connected({"note": "Halfway", "goal_id": None}), "ProgressReported"),
    "express_gratitude": (_connected({"message": "Thank you"}), "GratitudeExpressed"),
    "review_relationship": (_connected({"mentor_satisfaction": 4, "mentee_satisfaction": 5,
                                        "notes": None}), "Reviewed"),
    "pause_relationship": (_connected({"reason": "Leave"}), "Paused"),
    "resume_relationship": (lambda w: (w.paused(), {}), "Resumed"),
}


@pytest.mark.parametrize("command", sorted(RELATIONSHIP_COMMANDS))
def test_a_relationship_command_is_recorded_with_its_actor(world: World, command: str) -> None:
    setup, event_type = RELATIONSHIP_COMMANDS[command]
    rel, kwargs = setup(world)
    before = world.service.relationship(rel)["version"]
    outcome = getattr(world.service, command)(rel, actor="emp-actor", at=at(days=20), **kwargs)
    assert outcome.version == before + 1
    assert outcome.status == world.service.relationship(rel)["status"]
    last = world.service.history(rel)[-1]
    assert (last["type"], last["actor"], last["version"]) == (event_type, "emp-actor",
                                                              before + 1)
    assert last["occurred_at"] == at(days=20)


def test_scheduling_answers_the_new_session_id(world: World) -> None:
    rel = world.agreed()
    session_id = world.book(rel, day=12)
    sessions = world.service.relationship(rel)["scheduled_sessions"]
    assert [s["session_id"] for s in sessions] == [session_id]
    assert sessions[0]["scheduled_for"] == at(days=12)


def test_holding_a_session_counts_its_minutes_in_the_stored_state(world: World) -> None:
    rel = world.agreed()
    session_id = world.book(rel, day=10)
    world.service.hold_session(
        rel, session_id=session_id, held_at=at(days=10), duration_minutes=70,
        mentee_on_time=True, mentee_prepared=True, notes=None, actor=MENTOR, at=at(days=10))
    state = world.service.relationship(rel)
    assert state["minutes_by_month"] == {"2026-01": 70}
    assert state["counts"]["sessions_held"] == 1


# ---- goals ----------------------------------------------------------------------


def test_defining_a_goal_within_a_relationship_links_them(world: World) -> None:
    rel = world.connected()
    goal = world.service.goal(world.goal(relationship_id=rel))
    assert (goal["status"], goal["version"], goal["relationship_ids"]) == ("open", 1, [rel])
    assert goal["target_date"] == date(2026, 12, 31)


def test_linking_a_goal_to_a_relationship_of_the_same_mentee(world: World) -> None:
    goal_id, rel = world.goal(), world.connected()
    outcome = world.service.link_goal(goal_id, relationship_id=rel, actor=MENTEE)
    assert outcome.version == 2
    assert world.service.goal(goal_id)["relationship_ids"] == [rel]


def test_a_goal_cannot_be_linked_to_another_mentees_relationship(world: World) -> None:
    goal_id, other = world.goal("emp-e1"), world.connected("emp-e2")
    with pytest.raises(NotFound):
        world.service.link_goal(goal_id, relationship_id=other, actor=MENTEE)
    with pytest.raises(NotFound):
        world.goal("emp-e1", relationship_id=other)


GOAL_COMMANDS: list[tuple[str, dict[str, Any], str, Any]] = [
    ("revise_goal", {"reason": "Team grew", "title": "Lead eight"}, "title", "Lead eight"),
    ("record_goal_progress", {"percent": 40, "note": None}, "progress", 40),
    ("achieve_goal", {"note": "Done"}, "status", "achieved"),
    ("abandon_goal", {"reason": "New role"}, "status", "abandoned"),
]


@pytest.mark.parametrize(("command", "kwargs", "field", "value"), GOAL_COMMANDS,
                         ids=[c[0] for c in GOAL_COMMANDS])
def test_a_goal_command_changes_the_goal(world: World, command: str, kwargs: dict[str, Any],
                                         field: str, value: Any) -> None:
    goal_id = world.goal()
    outcome = getattr(world.service, command)(goal_id, actor=MENTEE, at=at(days=5), **kwargs)
    assert outcome.version == 2
    assert world.service.goal(goal_id)[field] == value


def test_progress_out_of_range_is_refused_and_nothing_is_stored(world: World) -> None:
    goal_id = world.goal()
    with pytest.raises(ProgressOutOfRange):
        world.service.record_goal_progress(goal_id, percent=101, note=None,
                                   actor=MENTEE)
    assert world.service.goal(goal_id)["version"] == 1


def test_an_achieved_goal_takes_no_more_progress(world: World) -> None:
    goal_id = world.goal()
    world.service.achieve_goal(goal_id, note=None, actor=MENTEE)
    with pytest.raises(GoalClosed):
        world.service.record_goal_progress(goal_id, percent=50, note=None,
                                   actor=MENTEE)
