"""The bulk decoder makes exactly the events the library's mapper makes, or lets it."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic

from domain.relationship import Relationship
from infrastructure.event_decoder import EventDecoder
from infrastructure.log_reader import NotificationReader
from infrastructure.shredding import ShreddingMapper
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings

END = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url, database_pool_size=2))
    yield built
    built.close()


def library_event(mapper: Any, originator_id: UUID, version: int, topic: str,
                  state: bytes) -> Any:
    return mapper.to_sealed_domain_event(StoredEvent(originator_id, version, topic, state))


def same(one: Any, other: Any) -> bool:
    return type(one) is type(other) and vars(one) == vars(other)


def test_every_stored_event_decodes_as_the_mapper_decodes_it(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    DemoProgram(runtime.service, mentors=4, mentees=12, months=6, seed=5, now=END).run()
    reader = NotificationReader(runtime.events, runtime.sql)
    decoder, mapper = EventDecoder(runtime.events.mapper), runtime.events.mapper
    # ... on its own: not one of these events is left to the mapper.
    monkeypatch.setattr(decoder, "_library", lambda stored: pytest.fail(str(stored)))
    rows = reader.stored_after(0, 100_000)
    assert len(rows) == reader.head() and len({row[3] for row in rows}) >= 20
    for _, aggregate_id, version, topic, state in rows:
        ours = decoder.decode(UUID(aggregate_id), version, topic, state)
        assert same(ours, library_event(mapper, UUID(aggregate_id), version, topic, state))
    sealed = [decoder.decode(UUID(a), v, t, s) for _, a, v, t, s in rows
              if t == get_topic(Relationship.SessionHeld)]
    assert sealed and all(e.notes.startswith("pd1:") for e in sealed)


def a_stored_event(runtime: Runtime, kind: type = Relationship.SessionHeld,
                   **changes: Any) -> tuple[UUID, int, str, bytes]:
    """An event of ``kind`` as stored, with its JSON changed (``None`` drops a field)."""
    DemoProgram(runtime.service, mentors=1, mentees=2, months=2, seed=3, now=END).run()
    reader = NotificationReader(runtime.events, runtime.sql)
    _, aggregate_id, version, topic, state = next(
        row for row in reader.stored_after(0, 10_000) if row[3] == get_topic(kind))
    fields = json.loads(state)
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return UUID(aggregate_id), version, topic, json.dumps(fields).encode()


TYPED_UUID = {"_type_": "uuid_hex", "_data_": uuid4().hex}
TYPED_TIME = {"_type_": "datetime_iso", "_data_": "2026-03-01T10:00:00.123456+01:00"}


def decoded(decode: Any, stored: tuple[UUID, int, str, bytes]) -> Any:
    """The event, or the type of the error decoding raised."""
    try:
        return decode(*stored)
    except MapperDeserialisationError as error:
        return type(error)


@pytest.mark.parametrize("changes", [
    pytest.param({"extra": [TYPED_UUID, {"at": TYPED_TIME, "n": [1, [TYPED_UUID]]}]},
                 id="typed values nested in arrays and objects"),
    pytest.param({"extra": {"_type_": "datetime_iso", "_data_": TYPED_TIME}},
                 id="a typed value inside a typed value"),
    pytest.param({"extra": {"_type_": "uuid_hex", "_data_": "ab", "more": 1}},
                 id="an object that only looks typed"),
    pytest.param({"extra": {"_data_": 1, "x": 2}, "other": [1, "two", None, 3.5]},
                 id="plain objects and arrays"),
    pytest.param({"extra": -(2**63) - 1, "other": [2**64, {"n": 2**70}]},
                 id="integers beyond 64 bits, which orjson reads as floats"),
])
def test_unusual_states_decode_as_the_mapper_decodes_them(runtime: Runtime,
                                                          changes: dict[str, Any]) -> None:
    stored = a_stored_event(runtime, **changes)
    mapper = runtime.events.mapper
    ours = decoded(EventDecoder(mapper).decode, stored)
    theirs = decoded(lambda *row: library_event(mapper, *row), stored)
    assert ours is theirs if isinstance(theirs, type) else same(ours, theirs)


def test_an_old_version_is_upcast_by_the_mapper(runtime: Runtime) -> None:
    stored = a_stored_event(runtime, Relationship.ExpectationsSet, class_version=None,
                            review_every_days=None)
    event = EventDecoder(runtime.events.mapper).decode(*stored)
    assert same(event, library_event(runtime.events.mapper, *stored))
    assert event.review_every_days == 90


def test_an_unknown_transcoding_fails_as_in_the_mapper(runtime: Runtime) -> None:
    stored = a_stored_event(runtime, extra={"_type_": "nothing_known", "_data_": "1"})
    with pytest.raises(MapperDeserialisationError, match="nothing_known"):
        EventDecoder(runtime.events.mapper).decode(*stored)


def test_a_mapper_with_a_compressor_is_left_to_decode_everything(runtime: Runtime) -> None:
    class Zlib:
        def compress(self, data: bytes) -> bytes:
            return zlib.compress(data)

        def decompress(self, data: bytes) -> bytes:
            return zlib.decompress(data)

    plain = runtime.events.mapper
    assert isinstance(plain, ShreddingMapper)
    compressing = ShreddingMapper(transcoder=plain.transcoder, compressor=Zlib(),
                                  vault=plain.personal_vault)
    aggregate_id, version, topic, state = a_stored_event(runtime)
    packed = zlib.compress(state)
    assert same(EventDecoder(compressing).decode(aggregate_id, version, topic, packed),
                library_event(plain, aggregate_id, version, topic, state))
