"""Old events stay readable: a version 1 ExpectationsSet is upcast when it is loaded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.service import MentoringService
from domain.relationship import Relationship
from mentoring.bootstrap import build_service
from mentoring.settings import Settings
from tests.application.scenario import EXPECTATIONS, MENTEE, World, at


@pytest.fixture
def sqlite_service(sqlite_url: str) -> Iterator[MentoringService]:
    built = build_service(Settings(database_url=sqlite_url))
    yield built
    built.close()


def stored_expectations(service: MentoringService, relationship_id: str,
                        review_every_days: int) -> StoredEvent:
    """The next ExpectationsSet of the relationship, as the mapper would store it today."""
    relationship: object = service.store.repository.get(UUID(relationship_id))
    assert isinstance(relationship, Relationship)
    relationship.set_expectations(**{**EXPECTATIONS, "review_every_days": review_every_days},
                                  actor=MENTEE, at=at(days=3))
    (event,) = relationship.collect_events()
    return service.store.mapper.to_stored_event(event)


def as_version_1(stored: StoredEvent) -> StoredEvent:
    """The same event as version 1 of the class wrote it: no review cadence, no version."""
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["review_every_days"]
    return StoredEvent(originator_id=stored.originator_id,
                       originator_version=stored.originator_version, topic=stored.topic,
                       state=json.dumps(state).encode())


def test_a_version_1_expectations_event_reads_with_a_quarterly_review(
        sqlite_service: MentoringService) -> None:
    rel = World.open(sqlite_service).connected()
    sqlite_service.store.recorder.insert_events(
        [as_version_1(stored_expectations(sqlite_service, rel, review_every_days=30))])
    state = sqlite_service.relationship(rel)
    assert state["version"] == 3
    assert state["expectations"]["review_every_days"] == 90
    assert state["expectations"]["monthly_minutes_cap"] == EXPECTATIONS["monthly_minutes_cap"]
    assert "review every 90 days" in sqlite_service.history(rel)[-1]["summary"]


def test_an_upcast_relationship_takes_new_commands(sqlite_url: str,
                                                  sqlite_service: MentoringService) -> None:
    rel = World.open(sqlite_service).connected()
    sqlite_service.store.recorder.insert_events(
        [as_version_1(stored_expectations(sqlite_service, rel, review_every_days=30))])
    fresh = build_service(Settings(database_url=sqlite_url))
    try:
        outcome = fresh.review_relationship(rel, mentor_satisfaction=4,
                                             mentee_satisfaction=4, notes=None, actor=MENTEE)
        assert outcome.version == 4
        assert fresh.relationship(rel)["expectations"]["review_every_days"] == 90
    finally:
        fresh.close()


def test_a_version_2_expectations_event_keeps_its_own_review_cadence(
        sqlite_service: MentoringService) -> None:
    rel = World.open(sqlite_service).connected()
    sqlite_service.store.recorder.insert_events(
        [stored_expectations(sqlite_service, rel, review_every_days=30)])
    assert sqlite_service.relationship(rel)["expectations"]["review_every_days"] == 30


def test_a_program_stored_before_external_ids_reads_with_none(
        sqlite_service: MentoringService) -> None:
    from domain.program import Program

    program = Program.create(name="Old", description=None, actor="admin")
    (event,) = program.collect_events()
    stored = sqlite_service.store.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["external_id"]
    sqlite_service.store.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=json.dumps(state).encode())])
    read = sqlite_service.program(str(program.id))
    assert read["name"] == "Old" and read["external_id"] is None
