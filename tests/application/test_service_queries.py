"""Reading the store: time travel, snapshots, versions, the feed, history and restarts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest

from application.service import MentoringService
from domain.errors import InvalidValue, NotFound, VersionMismatch
from infrastructure.event_store import SNAPSHOT_EVERY
from mentoring.bootstrap import build_service
from mentoring.settings import Settings
from tests.application.scenario import COORDINATOR, MENTEE, MENTOR, World, at

# ---- time travel ------------------------------------------------------------------


def test_a_relationship_reads_as_it_was_at_each_version(world: World) -> None:
    rel = world.agreed()
    assert world.service.relationship(rel, version=1)["status"] == "requested"
    second = world.service.relationship(rel, version=2)
    assert (second["status"], second["version"], second["expectations"]) == ("active", 2, None)
    assert world.service.relationship(rel, version=3)["expectations"] is not None


def test_a_relationship_reads_as_it_was_at_an_instant(world: World) -> None:
    rel = world.connected()  # requested on day 1, accepted on day 2
    world.service.pause_relationship(rel, reason=None, actor=MENTEE, at=at(days=3))
    assert world.service.relationship(rel, as_of=at(days=1, hours=12))["version"] == 1
    assert world.service.relationship(rel, as_of=at(days=2))["status"] == "active"
    assert world.service.relationship(rel, as_of=at(days=2, hours=23))["version"] == 2
    assert world.service.relationship(rel, as_of=at(days=400))["status"] == "paused"


def test_an_instant_and_a_version_together_give_the_earlier_state(world: World) -> None:
    rel = world.agreed()
    assert world.service.relationship(rel, version=2, as_of=at(days=30))["version"] == 2


def test_an_instant_without_a_timezone_is_refused_as_an_invalid_value(world: World) -> None:
    rel = world.request()
    with pytest.raises(InvalidValue) as raised:
        world.service.relationship(rel, as_of=datetime(2026, 1, 10, 9, 0))
    assert raised.value.field == "as_of"


def test_a_relationship_before_it_was_requested_is_not_found(world: World) -> None:
    rel = world.request()
    with pytest.raises(NotFound):
        world.service.relationship(rel, as_of=at(days=0, hours=23))


@pytest.mark.parametrize("version", [0, -1, 3])
def test_a_version_that_never_existed_is_not_found(world: World, version: int) -> None:
    rel = world.connected()
    with pytest.raises(NotFound):
        world.service.relationship(rel, version=version)


def test_a_goal_reads_as_it_was_at_a_version_and_an_instant(world: World) -> None:
    goal_id = world.goal()
    world.service.record_goal_progress(goal_id, percent=30, note=None,
                               actor=MENTEE, at=at(days=10))
    world.service.record_goal_progress(goal_id, percent=60, note=None,
                               actor=MENTEE, at=at(days=20))
    assert world.service.goal(goal_id, version=2)["progress"] == 30
    assert world.service.goal(goal_id, as_of=at(days=15))["progress"] == 30
    assert world.service.goal(goal_id)["progress"] == 60
    with pytest.raises(NotFound):
        world.service.goal(goal_id, as_of=at(days=0))


# ---- snapshots -----------------------------------------------------------------------


def test_a_long_relationship_is_snapshotted_and_loads_as_its_replay(world: World) -> None:
    rel = world.agreed()  # three events
    for day in range(SNAPSHOT_EVERY):
        world.service.share_experience(rel, kind="success",
                                           text=f"Win {day}", actor=MENTEE, at=at(days=4 + day))
    assert world.service.store.snapshots is not None
    snapshots = list(world.service.store.snapshots.get(UUID(rel)))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_EVERY]
    *_, (last_event, replayed) = world.service.replay(rel)
    assert last_event["version"] == SNAPSHOT_EVERY + 3
    assert world.service.relationship(rel) == replayed
    assert world.service.relationship(rel)["counts"]["experiences_shared"] == SNAPSHOT_EVERY
    # Versions before and after the snapshot still read right.
    assert world.service.relationship(rel, version=SNAPSHOT_EVERY + 1)["version"] == (
        SNAPSHOT_EVERY + 1)
    assert world.service.relationship(rel, version=50)["counts"]["experiences_shared"] == 47


# ---- optimistic concurrency and identities -----------------------------------------------


def test_a_command_expecting_another_version_is_refused(world: World) -> None:
    rel = world.connected()
    with pytest.raises(VersionMismatch) as raised:
        world.service.pause_relationship(rel, reason=None, actor=MENTEE,
                                           expected_version=1)
    assert (raised.value.expected, raised.value.actual) == (1, 2)
    assert world.service.relationship(rel)["version"] == 2


def test_a_command_expecting_the_current_version_goes_through(world: World) -> None:
    rel = world.connected()
    outcome = world.service.pause_relationship(rel, reason=None, actor=MENTEE,
                                                 expected_version=2)
    assert outcome.version == 3


def test_expected_versions_guard_every_kind_of_aggregate(world: World) -> None:
    goal_id = world.goal()
    with pytest.raises(VersionMismatch):
        world.service.achieve_goal(goal_id, note=None, actor=MENTEE,
                                   expected_version=7)
    with pytest.raises(VersionMismatch):
        world.service.accept_relationship(world.request(), actor=MENTOR, expected_version=2)
    with pytest.raises(VersionMismatch):
        world.service.retire_mentor(world.program_id, MENTOR, reason=None,
                                     actor=COORDINATOR, expected_version=5)
    with pytest.raises(VersionMismatch):
        world.service.close_program(world.program_id, reason=None, actor=COORDINATOR,
                                    expected_version=3)


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "3f0c2b7e-5d1a-4c8e-9b6f-2a7d4e1c9b00"])
def test_an_unknown_or_malformed_id_is_not_found(world: World, bad_id: str) -> None:
    with pytest.raises(NotFound):
        world.service.relationship(bad_id)
    with pytest.raises(NotFound):
        world.service.pause_relationship(bad_id, reason=None, actor=MENTEE)
    with pytest.raises(NotFound):
        world.service.history(bad_id)
    with pytest.raises(NotFound):
        list(world.service.replay(bad_id))


def test_an_id_of_another_kind_of_aggregate_is_not_found(world: World) -> None:
    goal_id = world.goal()
    with pytest.raises(NotFound):
        world.service.relationship(goal_id)
    with pytest.raises(NotFound):
        world.service.pause_relationship(world.program_id, reason=None, actor=MENTEE)
    assert world.service.aggregate_type(goal_id) == "Goal"


# ---- the feed and the audit trail ----------------------------------------------------------


def test_the_feed_is_ordered_and_has_no_gaps(world: World) -> None:
    world.agreed("emp-e1")
    world.connected("emp-e2")
    world.goal("emp-e3")
    feed = world.service.feed(after=0, limit=1000)
    assert [record["position"] for record in feed] == list(range(1, len(feed) + 1))
    # 12: program, mentor, 2 x (request + the mentor's record of it), 2 connections (each
    # with its mentee assigned), expectations, goal
    assert len(feed) == world.service.last_position() == 12
    assert feed[0]["type"] == "Created"
    for record in feed:
        assert {"aggregate", "aggregate_id", "version", "type", "occurred_at", "actor",
                "summary", "data"} <= set(record)


def test_reading_the_feed_in_pages_gives_the_same_events(world: World) -> None:
    world.agreed("emp-e1")
    world.connected("emp-e2")
    whole = world.service.feed(after=0, limit=1000)
    pages, after = [], 0
    while page := world.service.feed(after=after, limit=3):
        assert len(page) <= 3
        pages.extend(page)
        after = page[-1]["position"]
    assert pages == whole
    assert world.service.feed(after=whole[-1]["position"], limit=10) == []


def test_history_lists_every_event_with_who_did_it(world: World) -> None:
    rel = world.agreed()
    history = world.service.history(rel)
    assert [h["type"] for h in history] == ["Requested", "ConnectionEstablished",
                                            "ExpectationsSet"]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert [h["actor"] for h in history] == [MENTEE, MENTOR, MENTEE]
    assert [h["occurred_at"] for h in history] == [at(days=1), at(days=2), at(days=3)]
    assert history[0]["summary"] == f"Mentee {MENTEE} asked mentor {MENTOR} for mentoring"


def test_a_history_summary_never_quotes_personal_text(world: World) -> None:
    rel = world.connected()
    world.service.share_experience(rel, kind="concern",
                                       text="My manager is difficult", actor=MENTEE)
    summaries = " ".join(h["summary"] for h in world.service.history(rel))
    assert "Would you mentor me?" not in summaries
    assert "My manager is difficult" not in summaries


def test_replay_gives_each_event_with_the_state_after_it(world: World) -> None:
    rel = world.agreed()
    steps = list(world.service.replay(rel))
    assert [(e["version"], s["version"]) for e, s in steps] == [(1, 1), (2, 2), (3, 3)]
    assert [s["status"] for _, s in steps] == ["requested", "active", "active"]


# ---- restart ----------------------------------------------------------------------------------


def test_a_restarted_service_finds_everything_as_it_was(database_url: str) -> None:
    first = build_service(Settings(database_url=database_url))
    try:
        world = World.open(first)
        rel, goal_id = world.agreed(), world.goal()
        before = (first.relationship(rel), first.goal(goal_id), first.feed(after=0, limit=100))
    finally:
        first.close()
    second = build_service(Settings(database_url=database_url))
    try:
        assert second.relationship(rel) == before[0]
        assert second.goal(goal_id) == before[1]
        assert second.feed(after=0, limit=100) == before[2]
        outcome = second.pause_relationship(rel, reason=None, actor=MENTEE)
        assert outcome.version == 4
        assert second.mentor(world.program_id, MENTOR)["active_mentees"] == 1
    finally:
        second.close()


def test_two_services_on_one_store_see_each_others_writes(
        database_url: str, stored_service: MentoringService) -> None:
    service = stored_service
    other = build_service(Settings(database_url=database_url))
    try:
        world = World.open(service)
        rel = world.connected()
        assert other.relationship(rel)["status"] == "active"
        other.pause_relationship(rel, reason=None, actor=MENTEE)
        assert service.relationship(rel)["status"] == "paused"
        assert service.resume_relationship(rel, actor=MENTEE).version == 4
    finally:
        other.close()
