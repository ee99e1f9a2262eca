"""After an erasure every read model still builds, rebuilds and verifies, and holds no text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from mentoring.bootstrap import Container, build_container
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
def container(database_url: str) -> Iterator[Container]:
    built = build_container(Settings(database_url=database_url))
    yield built
    built.close()


def caught_up(container: Container) -> ProjectionRunner:
    runner = ProjectionRunner(container.service, container.store, READ_MODELS)
    runner.setup()
    runner.catch_up_all()
    return runner


def everything_read(container: Container, ids: dict[str, str]) -> dict[str, object]:
    """What the read side answers about the relationship and its program."""
    program_id = container.service.relationship(ids["relationship"])["program_id"]
    models = container.read_models
    return {
        "summaries": models.relationship_summaries([program_id]),
        "health": models.program_health(program_id, START + timedelta(days=30)),
        "at_risk": models.at_risk(program_id, START + timedelta(days=30)),
        "trail": models.audit_trail(ids["relationship"]),
        "directory": models.mentor_directory(program_id, START),
        "suggestions": models.suggest_mentors(ids["goal"], START),
    }


def test_views_never_hold_personal_text(container: Container, database_url: str) -> None:
    a_relationship_with_personal_data(container)
    caught_up(container)
    stored = database_bytes(container, database_url)
    for secret in BOB_SECRETS:
        assert secret.encode() not in stored


def test_every_projection_rebuilds_after_an_erasure_to_the_same_answers(
    container: Container,
) -> None:
    ids = a_relationship_with_personal_data(container)
    runner = caught_up(container)
    before = everything_read(container, ids)
    container.service.erase_person("bob", reason="GDPR", actor="admin")
    runner.catch_up_all()
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    after = everything_read(container, ids)
    for name in ("summaries", "health", "directory"):
        assert after[name] == before[name], name
    assert after["trail"]["items"] == before["trail"]["items"]  # type: ignore[index]
    assert all(secret not in repr(after) for secret in BOB_SECRETS)


def test_the_audit_trail_still_verifies_after_an_erasure_and_a_rebuild(
    container: Container,
) -> None:
    ids = a_relationship_with_personal_data(container)
    runner = caught_up(container)
    assert container.read_models.verify_trail(ids["relationship"])["valid"] is True
    container.service.erase_person("bob", reason=None, actor="admin")
    runner.catch_up_all()
    assert container.read_models.verify_trail(ids["relationship"])["valid"] is True
    for model in READ_MODELS:
        runner.rebuild(model, drop_after=0)
    assert container.read_models.verify_trail(ids["relationship"])["valid"] is True


def test_replay_and_time_travel_work_after_an_erasure(container: Container) -> None:
    ids = a_relationship_with_personal_data(container)
    container.service.erase_person("bob", reason=None, actor="admin")
    steps = list(container.service.replay(ids["relationship"]))
    assert [event["type"] for event, _ in steps][:2] == ["Requested", "ConnectionEstablished"]
    assert container.service.relationship(ids["relationship"], version=3)["version"] == 3
    assert container.service.goal(ids["goal"], as_of=START + timedelta(days=5))["version"] >= 1
