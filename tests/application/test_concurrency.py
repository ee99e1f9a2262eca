"""Writers racing on one relationship in PostgreSQL: one wins, the store never forks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from application.service import MentoringService
from domain.errors import ConcurrentUpdate, InvalidTransition
from infrastructure.database import parse_database_url
from infrastructure.event_store import EventStore
from mentoring.bootstrap import build_service
from mentoring.settings import Settings
from tests.application.scenario import MENTEE, World

pytestmark = pytest.mark.postgres


class InterruptedStore(EventStore):
    """A fake event store in which another writer gets in between a load and its save."""

    name = EventStore.name  # the library would name the tables after the subclass
    meanwhile: Callable[[], object] | None = None

    def load(self, *args: Any, **kwargs: Any) -> Any:
        found = super().load(*args, **kwargs)
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return found


def interrupted(url: str, first: MentoringService) -> tuple[MentoringService, InterruptedStore]:
    """A second service on the same database, whose store lets another writer in."""
    vault: Any = first.vault
    store = InterruptedStore(env=parse_database_url(url, 2).env, sealer=vault)
    return MentoringService(store, vault), store


@pytest.fixture
def first(fresh_postgres_url: str) -> Iterator[MentoringService]:
    built = build_service(Settings(database_url=fresh_postgres_url, database_pool_size=4))
    yield built
    built.close()


def assert_versions_have_no_gap(service: MentoringService, aggregate_id: str) -> None:
    versions = [record["version"] for record in service.history(aggregate_id)]
    assert versions == list(range(1, len(versions) + 1))
    # PostgreSQL may skip a position a refused transaction had drawn; order is what counts.
    positions = [record["position"] for record in service.feed(after=0, limit=10_000)]
    assert positions == sorted(set(positions))
    assert len([p for p in positions if p]) == len(positions)


def test_the_second_of_two_writers_expecting_one_version_is_refused(
        fresh_postgres_url: str, first: MentoringService) -> None:
    rel = World.open(first).connected()
    second, store = interrupted(fresh_postgres_url, first)
    try:
        # The second service has loaded version 2 when the first saves version 3.
        store.meanwhile = lambda: first.pause_relationship(rel, reason=None, actor=MENTEE)
        with pytest.raises(ConcurrentUpdate):
            second.share_experience(rel, kind="success", text="Shipped", actor=MENTEE,
                                    expected_version=2)
    finally:
        second.close()
    assert [r["type"] for r in first.history(rel)][-1] == "Paused"
    assert first.relationship(rel)["version"] == 3
    assert first.relationship(rel)["counts"]["experiences_shared"] == 0
    assert_versions_have_no_gap(first, rel)


def test_a_writer_that_expects_no_version_is_decided_again_after_losing_a_race(
        fresh_postgres_url: str, first: MentoringService) -> None:
    rel = World.open(first).connected()
    second, store = interrupted(fresh_postgres_url, first)
    try:
        store.meanwhile = lambda: first.pause_relationship(rel, reason=None, actor=MENTEE)
        assert second.report_progress(rel, note="Halfway", goal_id=None,
                                      actor=MENTEE).version == 4
    finally:
        second.close()
    assert [r["type"] for r in first.history(rel)][-2:] == ["Paused", "ProgressReported"]
    assert_versions_have_no_gap(first, rel)


def test_a_command_decided_again_is_refused_if_the_new_state_forbids_it(
        fresh_postgres_url: str, first: MentoringService) -> None:
    rel = World.open(first).connected()
    second, store = interrupted(fresh_postgres_url, first)
    try:
        store.meanwhile = lambda: first.pause_relationship(rel, reason=None, actor=MENTEE)
        with pytest.raises(InvalidTransition):
            second.pause_relationship(rel, reason=None, actor=MENTEE)
    finally:
        second.close()
    assert [r["type"] for r in first.history(rel)].count("Paused") == 1


def test_a_refusal_on_a_stale_cached_copy_is_decided_again_on_the_store(
        fresh_postgres_url: str, first: MentoringService) -> None:
    rel = World.open(first).connected()  # the first service now holds version 2 in memory
    second = build_service(Settings(database_url=fresh_postgres_url, database_pool_size=2))
    try:
        second.pause_relationship(rel, reason=None, actor=MENTEE)
    finally:
        second.close()
    assert first.resume_relationship(rel, actor=MENTEE).version == 4


THREADS, COMMANDS_EACH, SERVICES = 6, 5, 3


def test_racing_threads_with_retries_lose_no_command_and_fork_nothing(
        fresh_postgres_url: str, first: MentoringService) -> None:
    rel = World.open(first).connected()
    start_version, start_position = 2, first.last_position()
    services = [build_service(Settings(database_url=fresh_postgres_url, database_pool_size=3))
                for _ in range(SERVICES)]
    successes, conflicts, failures = [], [], []
    ready = threading.Barrier(THREADS)

    def writer(index: int) -> None:
        service = services[index % SERVICES]
        ready.wait()
        for number in range(COMMANDS_EACH):
            while True:
                try:
                    service.share_experience(rel, kind="success",
                                                 text=f"Win {index}.{number}", actor=MENTEE)
                except ConcurrentUpdate:
                    conflicts.append(index)
                    continue
                except Exception as error:
                    failures.append(error)
                    return
                successes.append(index)
                break

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for service in services:
            service.close()
    assert failures == []
    assert len(successes) == THREADS * COMMANDS_EACH
    state = first.relationship(rel)
    assert state["version"] == start_version + len(successes)
    assert state["counts"]["experiences_shared"] == len(successes)
    new = first.feed(after=start_position, limit=10_000)
    assert len(new) == len(successes)
    assert {record["type"] for record in new} == {"ExperienceShared"}
    assert sorted(record["data"]["text"] for record in new) == sorted(
        f"Win {i}.{n}" for i in range(THREADS) for n in range(COMMANDS_EACH))
    assert_versions_have_no_gap(first, rel)
