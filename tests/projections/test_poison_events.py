"""Anything in the log stays projectable: no single event can stop a view.

Events are written straight into the store, as an earlier version (or a bug, or another
writer) could have left them, bypassing every check of today's domain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from mentoring.bootstrap import Runtime
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.conftest import dump_views
from tests.projections.scenario import Scenario

AT = datetime(2026, 2, 1, tzinfo=UTC)


def write_raw(runtime: Runtime, event: Any) -> int:
    """Stores an event as it is (no domain check, no sealing: as written before personal
    data was sealed) and returns its position."""
    stored = Mapper.to_stored_event(runtime.events.mapper, event)
    recordings = runtime.events.recorder.insert_events([stored])
    return int(recordings[-1]) if recordings else runtime.service.last_position()


def next_event(runtime: Runtime, aggregate_id: str, event_class: type, **fields: Any) -> Any:
    version = runtime.service.relationship(aggregate_id)["version"] + 1
    return event_class(originator_id=UUID(aggregate_id), originator_version=version,
                       timestamp=AT, actor="legacy", **fields)


def caught_up(runtime: Runtime) -> bool:
    head = runtime.service.last_position()
    return all(row["position"] >= head for row in runtime.read_models().positions())


def test_a_nul_byte_stored_long_ago_reaches_every_view_as_a_replacement_character(
        runtime: Runtime, runner: ProjectionRunner, scenario: Scenario) -> None:
    from domain.relationship import Relationship

    relationship = scenario.r[1]
    write_raw(runtime, next_event(runtime, relationship, Relationship.Concluded,
                                  reason="r", outcome="x\x00", subject_id="e1"))
    mentor = Relationship.Requested(
        originator_id=UUID("0b7c6a1e-4f0e-4d8e-9a53-00000000000a"), originator_version=1,
        timestamp=AT, actor="legacy\x00", program_id=scenario.program, mentor_id="m1\x00",
        mentee_id="e9", message="hello", subject_id="e9",
        originator_topic=get_topic(Relationship))
    write_raw(runtime, mentor)
    runner.catch_up_all()
    assert caught_up(runtime)
    assert all(row["parked"] == 0 for row in runtime.read_models().positions())
    summary = runtime.read_models().relationship_summary(relationship)
    assert summary is not None and summary["status"] == "concluded"
    legacy = runtime.read_models().relationship_summary("0b7c6a1e-4f0e-4d8e-9a53-00000000000a")
    assert legacy is not None and legacy["mentor_id"] == "m1\ufffd"
    assert runtime.read_models().verify_trail(relationship)["valid"]


def test_an_event_a_view_cannot_apply_is_parked_and_the_views_go_on(
        runtime: Runtime, runner: ProjectionRunner, scenario: Scenario) -> None:
    from domain.relationship import Relationship

    broken, healthy = scenario.r[2], scenario.r[1]
    # A version that skips one: every view that follows versions refuses it.
    gap = next_event(runtime, broken, Relationship.Resumed)
    gap.__dict__["originator_version"] += 1
    position = write_raw(runtime, gap)
    scenario.service.report_progress(healthy, note="after the bad one", goal_id=None,
                                     actor="e1", at=AT)
    runner.catch_up_all()
    assert caught_up(runtime)
    parked = runtime.read_models().parked()
    assert {row["name"] for row in parked} == {"relationship_summaries", "program_health",
                                               "at_risk", "audit_trail"}
    assert {row["position"] for row in parked} == {position}
    assert all(row["aggregate_id"] == broken for row in parked)
    summaries = {row["name"]: row["parked"] for row in runtime.read_models().positions()}
    assert summaries["relationship_summaries"] == 1 and summaries["mentor_directory"] == 0
    healthy_row = runtime.read_models().relationship_summary(healthy)
    assert healthy_row is not None and healthy_row["counts"]["progress_reports"] == 1
    # A rebuild completes too, stepping over the same event, and builds the same views.
    live = dump_views(runtime.sql)
    runner.rebuild_many(READ_MODELS, drop_after=0)
    assert dump_views(runtime.sql) == live
    assert {row["position"] for row in runtime.read_models().parked()} == {position}
