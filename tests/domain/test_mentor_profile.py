"""A mentor profile's events, and its rules: capacity, retirement, valid values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.errors import (
    DomainError,
    InvalidValue,
    MentorCapacityExceeded,
    MentorRetired,
    NothingToChange,
)
from domain.mentor_profile import MentorProfile, mentor_profile_id
from tests.domain.builders import (
    COORDINATOR,
    MENTOR,
    PROGRAM_ID,
    T0,
    at,
    mentor,
    only_event,
    retired_mentor,
    settled,
)

Command = Callable[[MentorProfile], Any]


def refused(profile: MentorProfile, command: Command, error: type[DomainError]) -> DomainError:
    before = profile.to_dict()
    with pytest.raises(error) as raised:
        command(profile)
    assert profile.pending_events == []
    assert profile.to_dict() == before
    return raised.value


def assign(profile: MentorProfile, relationship_id: str) -> None:
    profile.assign_mentee(relationship_id=relationship_id, mentee_id=f"mentee-{relationship_id}",
                          actor=MENTOR, at=at(days=1))


def test_registering_records_skills_capacity_and_monthly_minutes() -> None:
    profile = MentorProfile.register(
        program_id=PROGRAM_ID, person_id=MENTOR, skills=["Python", "python", " Leadership "],
        capacity=3, monthly_minutes=240, experience_years=12, bio="Engineering manager",
        actor=COORDINATOR, at=T0)
    event = only_event(profile, MentorProfile.Registered)
    assert (event.program_id, event.person_id) == (PROGRAM_ID, MENTOR)
    assert event.skills == ["leadership", "python"]
    assert (event.capacity, event.monthly_minutes, event.experience_years) == (3, 240, 12)
    assert (event.bio, event.subject_id) == ("Engineering manager", MENTOR)
    assert (event.actor, event.timestamp) == (COORDINATOR, T0)
    assert profile.id == mentor_profile_id(PROGRAM_ID, MENTOR)
    state = profile.to_dict()
    assert (state["retired"], state["active_mentees"], state["capacity_left"]) == (False, 0, 3)


def test_updating_records_only_what_changed() -> None:
    profile = mentor()
    profile.update(skills=["Negotiation"], monthly_minutes=300, actor=MENTOR, at=at(days=1))
    event = only_event(profile, MentorProfile.Updated)
    assert (event.skills, event.monthly_minutes) == (["negotiation"], 300)
    assert (event.experience_years, event.bio) == (None, None)
    assert (event.actor, event.timestamp) == (MENTOR, at(days=1))
    state = profile.to_dict()
    assert (state["skills"], state["monthly_minutes"]) == (["negotiation"], 300)
    assert (state["experience_years"], state["bio"]) == (10, "Engineering manager")


def test_changing_capacity_records_the_new_capacity() -> None:
    profile = mentor(capacity=2)
    profile.change_capacity(capacity=5, actor=COORDINATOR, at=at(days=1))
    event = only_event(profile, MentorProfile.CapacityChanged)
    assert event.capacity == 5
    assert (event.actor, event.timestamp) == (COORDINATOR, at(days=1))
    assert profile.to_dict()["capacity_left"] == 5


def test_retiring_stops_the_mentor_taking_mentees() -> None:
    profile = mentor()
    profile.retire(reason="Leaving the company", actor=COORDINATOR, at=at(days=1))
    event = only_event(profile, MentorProfile.Retired)
    assert event.reason == "Leaving the company"
    assert (event.actor, event.timestamp) == (COORDINATOR, at(days=1))
    assert profile.to_dict()["retired"] is True


def test_assigning_a_mentee_takes_a_place() -> None:
    profile = mentor(capacity=2)
    profile.assign_mentee(relationship_id="rel-1", mentee_id="emp-e1", actor=MENTOR,
                          at=at(days=1))
    event = only_event(profile, MentorProfile.MenteeAssigned)
    assert (event.relationship_id, event.mentee_id) == ("rel-1", "emp-e1")
    assert (event.actor, event.timestamp) == (MENTOR, at(days=1))
    state = profile.to_dict()
    assert (state["active_mentees"], state["capacity_left"]) == (1, 1)


def test_releasing_a_mentee_frees_the_place() -> None:
    profile = mentor(capacity=1)
    assign(profile, "rel-1")
    settled(profile)
    profile.release_mentee(relationship_id="rel-1", actor=MENTOR, at=at(days=2))
    event = only_event(profile, MentorProfile.MenteeReleased)
    assert event.relationship_id == "rel-1"
    assert (event.actor, event.timestamp) == (MENTOR, at(days=2))
    assert profile.to_dict()["capacity_left"] == 1


def test_releasing_a_mentee_who_holds_no_place_records_nothing() -> None:
    profile = mentor()
    profile.release_mentee(relationship_id="rel-unknown", actor=MENTOR)
    assert profile.pending_events == []


def test_a_retired_mentor_can_still_release_a_mentee() -> None:
    profile = mentor()
    assign(profile, "rel-1")
    profile.retire(reason=None, actor=COORDINATOR, at=at(days=2))
    settled(profile)
    profile.release_mentee(relationship_id="rel-1", actor=MENTOR, at=at(days=3))
    only_event(profile, MentorProfile.MenteeReleased)


def test_assigning_a_mentee_beyond_capacity_is_refused() -> None:
    profile = mentor(capacity=2)
    assign(profile, "rel-1")
    assign(profile, "rel-2")
    settled(profile)
    error = refused(profile, lambda p: assign(p, "rel-3"), MentorCapacityExceeded)
    assert error.rule == "mentor-capacity"


def test_a_mentor_with_zero_capacity_takes_no_mentee() -> None:
    refused(mentor(capacity=0), lambda p: assign(p, "rel-1"), MentorCapacityExceeded)


def test_lowering_capacity_keeps_current_mentees_but_takes_no_more() -> None:
    profile = mentor(capacity=2)
    assign(profile, "rel-1")
    assign(profile, "rel-2")
    profile.change_capacity(capacity=1, actor=COORDINATOR, at=at(days=2))
    settled(profile)
    assert profile.to_dict()["active_mentees"] == 2
    refused(profile, lambda p: assign(p, "rel-3"), MentorCapacityExceeded)


RETIRED_REFUSES: dict[str, Command] = {
    "update": lambda p: p.update(bio="Back again", actor=MENTOR),
    "change_capacity": lambda p: p.change_capacity(capacity=3, actor=COORDINATOR),
    "retire": lambda p: p.retire(reason=None, actor=COORDINATOR),
    "assign_mentee": lambda p: assign(p, "rel-1"),
}


@pytest.mark.parametrize("command", sorted(RETIRED_REFUSES))
def test_a_retired_mentor_refuses_changes_and_new_mentees(command: str) -> None:
    error = refused(retired_mentor(), RETIRED_REFUSES[command], MentorRetired)
    assert error.rule == "mentor-active"


def test_an_update_that_changes_nothing_is_refused() -> None:
    refused(mentor(), lambda p: p.update(actor=MENTOR), NothingToChange)


INVALID_PROFILES: list[tuple[str, Command]] = [
    ("person_id", lambda _: MentorProfile.register(program_id=PROGRAM_ID, person_id=" ",
                                                   skills=[], capacity=1, monthly_minutes=60,
                                                   actor=COORDINATOR)),
    ("skills", lambda _: MentorProfile.register(program_id=PROGRAM_ID, person_id=MENTOR,
                                                skills="python",  # type: ignore[arg-type]
                                                capacity=1,
                                                monthly_minutes=60, actor=COORDINATOR)),
    ("capacity", lambda _: MentorProfile.register(program_id=PROGRAM_ID, person_id=MENTOR,
                                                  skills=[], capacity=-1, monthly_minutes=60,
                                                  actor=COORDINATOR)),
    ("monthly_minutes", lambda _: MentorProfile.register(program_id=PROGRAM_ID,
                                                         person_id=MENTOR, skills=[],
                                                         capacity=1, monthly_minutes=10_001,
                                                         actor=COORDINATOR)),
    ("experience_years", lambda p: p.update(experience_years=81, actor=MENTOR)),
    ("skills", lambda p: p.update(skills=[""], actor=MENTOR)),
    ("capacity", lambda p: p.change_capacity(capacity=101, actor=COORDINATOR)),
    ("capacity", lambda p: p.change_capacity(capacity=False, actor=COORDINATOR)),
]


@pytest.mark.parametrize(("field", "command"), INVALID_PROFILES,
                         ids=[f"{i}-{f}" for i, (f, _) in enumerate(INVALID_PROFILES)])
def test_an_invalid_profile_value_is_refused_naming_the_field(field: str,
                                                              command: Command) -> None:
    error = refused(mentor(), command, InvalidValue)
    assert isinstance(error, InvalidValue)
    assert error.field == field
