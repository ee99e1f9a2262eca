"""A program's events, and its rule: a closed program takes no more changes."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, NothingToChange, ProgramClosed
from domain.program import Program
from tests.domain.builders import COORDINATOR, T0, at, closed_program, only_event, program


def test_creating_a_program_records_its_name_and_description() -> None:
    created = Program.create(name=" Leadership ", description="For new leads",
                             actor=COORDINATOR, at=T0)
    event = only_event(created, Program.Created)
    assert (event.name, event.description) == ("Leadership", "For new leads")
    assert (event.actor, event.timestamp) == (COORDINATOR, T0)
    assert created.to_dict()["closed"] is False


def test_updating_a_program_records_only_what_changed() -> None:
    prog = program()
    prog.update(description="For all new leads", actor=COORDINATOR, at=at(days=1))
    event = only_event(prog, Program.Updated)
    assert (event.name, event.description) == (None, "For all new leads")
    assert (event.actor, event.timestamp) == (COORDINATOR, at(days=1))
    state = prog.to_dict()
    assert (state["name"], state["description"]) == ("Leadership", "For all new leads")


def test_closing_a_program_records_the_reason() -> None:
    prog = program()
    prog.close(reason="Year over", actor=COORDINATOR, at=at(days=365))
    event = only_event(prog, Program.Closed)
    assert event.reason == "Year over"
    assert (event.actor, event.timestamp) == (COORDINATOR, at(days=365))
    assert prog.to_dict()["closed"] is True


@pytest.mark.parametrize("command", ["update", "close"])
def test_a_closed_program_refuses_changes(command: str) -> None:
    prog = closed_program()
    before = prog.to_dict()
    with pytest.raises(ProgramClosed) as raised:
        if command == "update":
            prog.update(name="Renamed", actor=COORDINATOR)
        else:
            prog.close(reason=None, actor=COORDINATOR)
    assert raised.value.rule == "program-open"
    assert prog.pending_events == []
    assert prog.to_dict() == before


def test_an_update_that_changes_nothing_is_refused() -> None:
    prog = program()
    with pytest.raises(NothingToChange):
        prog.update(actor=COORDINATOR)
    assert prog.pending_events == []


def test_a_program_needs_a_name() -> None:
    with pytest.raises(InvalidValue) as raised:
        Program.create(name="  ", description=None, actor=COORDINATOR)
    assert raised.value.field == "name"


def test_renaming_a_program_to_nothing_is_refused() -> None:
    prog = program()
    with pytest.raises(InvalidValue):
        prog.update(name="", actor=COORDINATOR)
    assert prog.pending_events == []
