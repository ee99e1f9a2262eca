"""A command changes a private copy of a cached aggregate: whatever it does to the copy,
the cached original stays as it was (a refused or failed command leaves no trace)."""

from __future__ import annotations

import copy

from infrastructure.event_store import copy_aggregate, private_copy
from tests.domain.builders import at, hold, schedule, with_expectations


def state(aggregate: object) -> dict[str, object]:
    return copy.deepcopy(vars(aggregate))


def test_a_copy_has_the_same_state_and_class() -> None:
    original = with_expectations()
    schedule(original)
    clone = copy_aggregate(original)
    assert type(clone) is type(original)
    assert vars(clone) == vars(original)
    assert clone is not original


def test_changing_the_copy_leaves_the_original_as_it_was() -> None:
    original = with_expectations()
    session_id = schedule(original)
    before = state(original)
    clone = copy_aggregate(original)
    hold(clone, session_id)
    clone.report_progress(note="Led the review", goal_id=None, actor="emp-mentee",
                          at=at(days=6))
    clone.pause(reason="holidays", actor="emp-mentee", at=at(days=7))
    assert vars(clone) != before
    assert state(original) == before
    assert not original.pending_events


def test_containers_are_copied_and_unknown_objects_deep_copied() -> None:
    class Mutable:
        def __init__(self) -> None:
            self.items = [1]

    value = {"counts": {"held": 1}, "topics": ["a"], "pair": ([1], "x"), "ids": {"a"},
             "odd": Mutable(), "text": "same"}
    clone = private_copy(value)
    assert clone == {**value, "odd": clone["odd"]}
    clone["counts"]["held"] = 2
    clone["topics"].append("b")
    clone["pair"][0].append(2)
    clone["ids"].add("b")
    clone["odd"].items.append(2)
    assert value == {"counts": {"held": 1}, "topics": ["a"], "pair": ([1], "x"),
                     "ids": {"a"}, "odd": value["odd"], "text": "same"}
    assert value["odd"].items == [1]
    assert clone["text"] is value["text"]  # immutable values are shared
