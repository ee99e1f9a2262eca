"""The fast log reader returns what the library itself would, on the version it relies on."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version

import pytest
from eventsourcing.utils import get_topic

from domain.relationship import Relationship
from infrastructure.log_reader import NotificationReader
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.settings import Settings
from tests.application.scenario import World


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url, database_pool_size=2))
    yield built
    built.close()


def test_the_reader_is_pinned_to_the_library_version_it_was_checked_against() -> None:
    assert version("eventsourcing").startswith("9.5."), (
        "infrastructure/log_reader.py reads the library's tables and mapper directly, and "
        "infrastructure/event_decoder.py its JSON format: check both against the new "
        "version (tests/infrastructure/test_event_decoder.py), then move this pin")


def test_the_fast_path_reads_exactly_what_the_library_selects(runtime: Runtime) -> None:
    world = World.open(runtime.service)
    world.agreed("e1")
    world.agreed("e2")
    world.request("e3")
    reader = NotificationReader(runtime.events, runtime.sql)
    head = runtime.events.recorder.max_notification_id()
    assert reader.head() == head
    topics = [get_topic(Relationship.Requested), get_topic(Relationship.ExpectationsSet)]
    library = runtime.events.recorder.select_notifications(
        start=1, limit=100, stop=head, topics=topics, inclusive_of_start=False)
    fast = reader.read(1, head, topics, 100)
    assert [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in fast] == [(n.id, n.originator_id, n.originator_version, n.topic,
                                bytes(n.state)) for n in library]
    assert len(fast) == 5


def test_reading_at_positions_returns_those_of_the_topics_asked_in_order(
        runtime: Runtime) -> None:
    world = World.open(runtime.service)
    world.agreed("e1")
    world.agreed("e2")
    reader = NotificationReader(runtime.events, runtime.sql)
    head = reader.head()
    topics = [get_topic(Relationship.Requested), get_topic(Relationship.ExpectationsSet)]
    every = reader.read(0, head, topics, 100)
    wanted = [*[n.id for n in every][::2], head + 5]  # and one beyond the log
    at = reader.read_at(sorted(wanted), topics)
    assert [n.id for n in at] == [n.id for n in every][::2]
    assert [bytes(n.state) for n in at] == [bytes(n.state) for n in every][::2]
    assert reader.read_at([], topics) == []


def test_decoded_events_keep_personal_text_sealed(runtime: Runtime) -> None:
    World.open(runtime.service).request()
    reader = NotificationReader(runtime.events, runtime.sql)
    topics = [get_topic(Relationship.Requested)]
    (_, requested), = reader.decode(reader.read(0, reader.head(), topics, 10))
    assert requested.message.startswith("pd1:")
    assert runtime.service.relationship(str(requested.originator_id))["message"] == (
        "Would you mentor me?")
