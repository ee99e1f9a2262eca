"""One input policy for every command: text, ids, numbers; and every text field decided."""

from __future__ import annotations

import dataclasses
import typing
from uuid import UUID

import pytest

from domain.base import NOT_PERSONAL
from domain.erasure import Erasure
from domain.errors import InvalidValue
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship
from domain.values import (
    require_id,
    require_label,
    require_range,
    require_text,
    require_uuid,
)
from projections.base import events_of
from tests.domain.builders import MENTEE, MENTOR, PROGRAM_ID

CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800"]


@pytest.mark.parametrize("bad", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_text_with_a_control_character_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        require_text("message", f"Hello{bad}there")
    assert raised.value.field == "message" and f"U+{ord(bad):04X}" in raised.value.detail


def test_tabs_and_line_breaks_are_text() -> None:
    assert require_text("notes", " one\ttwo\r\nthree ") == "one\ttwo\r\nthree"


@pytest.mark.parametrize("good", ["emp-1", "hr:7@eu", "jane.doe@example.com", "A_1", "x" * 200])
def test_ids_of_the_grammar_are_kept_exactly(good: str) -> None:
    assert require_id("person_id", good) == good


@pytest.mark.parametrize("bad", ["", ".", "..", " emp-1", "emp-1 ", "emp 1", "emp/1", "é",
                                 "x" * 201, "emp\x00", 7, None])
def test_ids_outside_the_grammar_are_refused(bad: object) -> None:
    with pytest.raises(InvalidValue):
        require_id("person_id", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("spelling", [
    "6F1C2D3E-0000-4000-8000-000000000001", "6f1c2d3e000040008000000000000001",
    "{6f1c2d3e-0000-4000-8000-000000000001}", "urn:uuid:6f1c2d3e-0000-4000-8000-000000000001"])
def test_every_spelling_of_a_uuid_becomes_the_one_canonical_form(spelling: str) -> None:
    assert require_uuid("program_id", spelling) == "6f1c2d3e-0000-4000-8000-000000000001"


@pytest.mark.parametrize("bad", [True, 3.0, "3", None, 10**30, -1])
def test_numbers_are_integers_in_their_bounds_only(bad: object) -> None:
    with pytest.raises(InvalidValue):
        require_range("capacity", bad, 0, 100)  # type: ignore[arg-type]


def test_a_label_is_one_line() -> None:
    assert require_label("skills", " Python ") == "Python"
    with pytest.raises(InvalidValue):
        require_label("skills", "Python\nSQL")


def test_the_domain_refuses_what_the_api_refuses_whoever_calls_it() -> None:
    with pytest.raises(InvalidValue):
        Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTOR, mentee_id=MENTEE,
                             message="Hi\x00", actor=MENTEE)
    with pytest.raises(InvalidValue):
        MentorProfile.register(program_id=PROGRAM_ID, person_id="x1\x00", skills=[],
                               capacity=1, monthly_minutes=60, actor=MENTOR)
    with pytest.raises(InvalidValue):
        MentorProfile.register(program_id=PROGRAM_ID, person_id=MENTOR, skills=["py\x00thon"],
                               capacity=1, monthly_minutes=60, actor=MENTOR)
    program = Relationship.request(program_id=PROGRAM_ID.upper(), mentor_id=MENTOR,
                                   mentee_id=MENTEE, message="Hi", actor=MENTEE)
    assert program.program_id == str(UUID(PROGRAM_ID))


def text_fields(event_class: type) -> list[str]:
    hints = typing.get_type_hints(event_class)
    return [f.name for f in dataclasses.fields(event_class) if "str" in str(hints[f.name])]


EVENTS = [event for aggregate in (Relationship, Goal, MentorProfile, Program, Erasure)
          for event in events_of(aggregate)]


@pytest.mark.parametrize("event_class", EVENTS, ids=lambda e: e.__qualname__)
def test_every_text_field_is_sealed_or_declared_not_personal(event_class: type) -> None:
    personal = set(getattr(event_class, "PERSONAL_FIELDS", ()))
    undecided = [name for name in text_fields(event_class)
                 if name not in personal and name not in NOT_PERSONAL
                 and f"{event_class.__qualname__}.{name}" not in NOT_PERSONAL]
    assert undecided == [], (f"{event_class.__qualname__}: seal these (PERSONAL_FIELDS) or "
                             f"say why they are not personal (domain.base.NOT_PERSONAL)")
