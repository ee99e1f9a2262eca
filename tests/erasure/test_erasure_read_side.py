"""After an erasure every read model still builds, rebuilds and verifies, and holds no text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.erasure.test_erasure import (
    BOB_SECRETS,
    START,
    a_relationship_with_personal_data,
    database_bytes,
)


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url))
    yield built
    built.close()


def caught_up(runtime: Runtime) -> ProjectionRunner:
    runner = runtime.runner(READ_MODELS)
    runner.setup()
    runner.catch_up_all()
    return runner


def everything_read(runtime: Runtime, ids: dict[str, str]) -> dict[str, object]:
    """What the read side answers about the relationship and its program."""
    program_id = runtime.service.relationship(ids["relationship"])["program_id"]
    models = runtime.read_models()
    return {
        "summaries": models.relationship_summaries([program_id]),
        "health": models.program_health(program_id, START + timedelta(days=30)),
        "at_risk": models.at_risk(program_id, START + timedelta(days=30)),
        "trail": models.audit_trail(ids["relationship"]),
        "directory": models.mentor_directory(program_id, START),
        "suggestions": models.suggest_mentors(ids["goal"], START),
    }


def test_views_never_hold_personal_text(runtime: Runtime, database_url: str) -> None:
    a_relationship_with_personal_data(runtime)
    caught_up(runtime)
    stored = database_bytes(runtime, database_url)
    for secret in BOB_SECRETS:
        assert secret.encode() not in stored


def test_every_projection_rebuilds_after_an_erasure_to_the_same_answers(
    runtime: Runtime,
) -> None:
    ids = a_relationship_with_personal_data(runtime)
    runner = caught_up(runtime)
    runtime.service.erase_person("bob", reason="GDPR", actor="admin")
    runner.catch_up_all()
    before = everything_read(runtime, ids)  # live views, after the erasure's departure
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    after = everything_read(runtime, ids)
    for name in ("summaries", "health", "directory"):
        assert after[name] == before[name], name
    assert after["trail"]["items"] == before["trail"]["items"]  # type: ignore[index]
    assert all(secret not in repr(after) for secret in BOB_SECRETS)


def test_the_audit_trail_still_verifies_after_an_erasure_and_a_rebuild(
    runtime: Runtime,
) -> None:
    ids = a_relationship_with_personal_data(runtime)
    runner = caught_up(runtime)
    assert runtime.read_models().verify_trail(ids["relationship"])["valid"] is True
    runtime.service.erase_person("bob", reason=None, actor="admin")
    runner.catch_up_all()
    assert runtime.read_models().verify_trail(ids["relationship"])["valid"] is True
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    assert runtime.read_models().verify_trail(ids["relationship"])["valid"] is True


def test_replay_and_time_travel_work_after_an_erasure(runtime: Runtime) -> None:
    ids = a_relationship_with_personal_data(runtime)
    runtime.service.erase_person("bob", reason=None, actor="admin")
    steps = list(runtime.service.replay(ids["relationship"]))
    assert [event["type"] for event, _ in steps][:2] == ["Requested", "ConnectionEstablished"]
    assert runtime.service.relationship(ids["relationship"], version=3)["version"] == 3
    assert runtime.service.goal(ids["goal"], as_of=START + timedelta(days=5))["version"] >= 1
