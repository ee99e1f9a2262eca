"""Crypto-shredding: after erasure no personal string of the person is left anywhere."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import pytest

from domain.base import ERASED
from domain.errors import NotFound
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BOB_SECRETS = ("Bob-request-7c1f", "Bob-notes-2a9e", "Bob-thanks-55d0", "Bob-goal-title-9b3c")
ALICE_SECRETS = ("Alice-bio-41aa", "Alice-decline-0f3e")


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url))
    yield built
    built.close()


def a_relationship_with_personal_data(runtime: Runtime) -> dict[str, str]:
    service = runtime.service
    program = service.create_program(name="Pilot", description=None, actor="admin", at=START)
    service.register_mentor(program_id=program.id, person_id="alice", skills=["python"],
                            capacity=3, monthly_minutes=240, bio=ALICE_SECRETS[0],
                            actor="admin", at=START)
    rel = service.request_relationship(program_id=program.id, mentor_id="alice",
                                       mentee_id="bob", message=BOB_SECRETS[0], actor="bob",
                                       at=START + timedelta(hours=1))
    service.accept_relationship(rel.id, actor="alice", at=START + timedelta(days=1))
    session = service.schedule_session(
        rel.id, scheduled_for=START + timedelta(days=3), duration_minutes=60,
        agenda="intro", actor="bob", at=START + timedelta(days=2))
    service.hold_session(
        rel.id, session_id=(session.extra or {})["session_id"],
        held_at=START + timedelta(days=3), duration_minutes=60, mentee_on_time=True,
        mentee_prepared=True, notes=BOB_SECRETS[1], actor="alice", at=START + timedelta(days=3))
    service.express_gratitude(rel.id, message=BOB_SECRETS[2],
                                 actor="bob", at=START + timedelta(days=4))
    goal = service.define_goal(program_id=program.id, mentee_id="bob", title=BOB_SECRETS[3],
                               success_criteria="ships it",
                               target_date=(START + timedelta(days=90)).date(),
                               relationship_id=rel.id, actor="bob",
                               at=START + timedelta(days=4))
    other = service.request_relationship(program_id=program.id, mentor_id="alice",
                                         mentee_id="carol", message="Carol-request-c4fe",
                                         actor="carol", at=START + timedelta(days=5))
    service.decline_relationship(other.id, reason=ALICE_SECRETS[1], actor="alice",
                                 at=START + timedelta(days=6))
    return {"relationship": rel.id, "goal": goal.id, "other": other.id}


def database_bytes(runtime: Runtime, url: str) -> bytes:
    """Everything a person with a copy of the database could read."""
    if url.startswith("sqlite"):
        runtime.sql.checkpoint()
        path = Path(urlsplit(url).path)
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    parts = urlsplit(url)
    dump = subprocess.run(
        ["pg_dump", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", parts.path.lstrip("/")],
        check=True, capture_output=True)
    return dump.stdout


def test_personal_text_is_never_stored_in_clear(runtime: Runtime, database_url: str) -> None:
    a_relationship_with_personal_data(runtime)
    stored = database_bytes(runtime, database_url)
    for secret in (*BOB_SECRETS, *ALICE_SECRETS, "Carol-request-c4fe"):
        assert secret.encode() not in stored


def test_after_erasure_the_database_holds_none_of_the_persons_strings(
    runtime: Runtime, database_url: str
) -> None:
    ids = a_relationship_with_personal_data(runtime)
    runtime.service.erase_person("bob", reason="GDPR request 17", actor="admin")
    stored = database_bytes(runtime, database_url)
    for secret in BOB_SECRETS:
        assert secret.encode() not in stored
    # Other people's data is intact and readable.
    assert runtime.service.mentor(
        runtime.service.relationship(ids["relationship"])["program_id"], "alice")["bio"] == (
        ALICE_SECRETS[0])
    assert runtime.service.relationship(ids["other"])["message"] == "Carol-request-c4fe"


def test_erased_fields_read_as_erased_in_state_time_travel_replay_and_feed(
    runtime: Runtime,
) -> None:
    ids = a_relationship_with_personal_data(runtime)
    service = runtime.service
    service.erase_person("bob", reason=None, actor="admin")
    assert service.relationship(ids["relationship"])["message"] == ERASED
    assert service.relationship(ids["relationship"], version=1)["message"] == ERASED
    assert service.relationship(ids["relationship"], as_of=START + timedelta(hours=2))[
        "status"] == "requested"
    assert service.goal(ids["goal"])["title"] == ERASED
    steps = list(service.replay(ids["relationship"]))
    # Erasure is a departure: the relationship ended, its reasons read as erased too.
    assert steps[-1][1]["status"] == "concluded"
    assert steps[-1][1]["conclusion"] == {"reason": ERASED, "outcome": ERASED}
    held = next(event for event, _ in steps if event["type"] == "SessionHeld")
    assert held["data"]["notes"] == ERASED
    feed = service.feed(after=0, limit=100)
    assert feed[-1]["type"] == "PersonalDataErased"
    assert feed[-1]["data"] == {"person_id": "bob", "reason": ""}
    assert all(secret not in repr(feed) for secret in BOB_SECRETS)


def test_erased_data_stays_erased_in_snapshots(runtime: Runtime) -> None:
    ids = a_relationship_with_personal_data(runtime)
    service = runtime.service
    for day in range(101):
        service.report_progress(ids["relationship"], goal_id=None,
                                     note=f"Bob-progress-{day}", actor="bob",
                                     at=START + timedelta(days=10 + day))
    assert service.store.snapshots is not None
    assert list(service.store.snapshots.get(UUID(ids["relationship"])))  # a snapshot was taken
    service.erase_person("bob", reason=None, actor="admin")
    state = service.relationship(ids["relationship"])
    assert state["message"] == ERASED
    assert state["counts"]["progress_reports"] == 101


def test_erasure_is_idempotent(runtime: Runtime) -> None:
    a_relationship_with_personal_data(runtime)
    first = runtime.service.erase_person("bob", reason="GDPR", actor="admin")
    again = runtime.service.erase_person("bob", reason="GDPR", actor="admin")
    assert again["already_erased"] is True
    assert again["erasure_id"] == first["erasure_id"]
    erasures = [e for e in runtime.service.feed(after=0, limit=100)
                if e["type"] == "PersonalDataErased"]
    assert len(erasures) == 1


def test_erasing_an_unknown_person_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        runtime.service.erase_person("nobody", reason=None, actor="admin")


def test_subject_access_returns_their_data_and_nothing_of_others(runtime: Runtime) -> None:
    a_relationship_with_personal_data(runtime)
    held = runtime.service.subject_access("bob")
    text = repr(held)
    for secret in BOB_SECRETS:
        assert secret in text
    for secret in (*ALICE_SECRETS, "Carol-request-c4fe"):
        assert secret not in text
    assert {a["aggregate"] for a in held["aggregates"]} >= {"Relationship", "Goal", "MentorProfile"}


def test_subject_access_of_the_mentor_has_their_bio_and_decline_reason(
    runtime: Runtime,
) -> None:
    a_relationship_with_personal_data(runtime)
    text = repr(runtime.service.subject_access("alice"))
    assert ALICE_SECRETS[0] in text and ALICE_SECRETS[1] in text
    assert BOB_SECRETS[0] not in text and "Carol-request-c4fe" not in text


def test_subject_access_after_erasure_shows_the_erasure_and_no_text(runtime: Runtime) -> None:
    a_relationship_with_personal_data(runtime)
    runtime.service.erase_person("bob", reason=None, actor="admin")
    held = runtime.service.subject_access("bob")
    assert held["personal_data_readable"] is False
    assert len(held["erasures"]) == 1
    assert all(secret not in repr(held) for secret in BOB_SECRETS)


def test_data_written_after_an_erasure_is_readable_until_the_next(runtime: Runtime) -> None:
    ids = a_relationship_with_personal_data(runtime)
    service = runtime.service
    service.erase_person("bob", reason=None, actor="admin")
    again = service.request_relationship(program_id=service.program_of(ids["relationship"]),
                                         mentor_id="alice", mentee_id="bob",
                                         message="new request", actor="bob",
                                         at=START + timedelta(days=9))
    assert service.relationship(again.id)["message"] == "new request"
    second = service.erase_person("bob", reason=None, actor="admin")
    assert second["already_erased"] is False
    assert service.relationship(again.id)["message"] == ERASED
