"""Decoding stored events with orjson gives exactly what the library's own decoder gives,
for every value an event can hold, and still reads what orjson alone would refuse."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from infrastructure.transcoding import DateAsISO, OrjsonTranscoder


def registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return transcoder


LIBRARY, OURS = registered(JSONTranscoder()), registered(OrjsonTranscoder())

scalars = (st.none() | st.booleans() | st.text() | st.integers()
           | st.floats(allow_nan=False) | st.uuids()
           | st.datetimes(timezones=st.just(UTC)) | st.dates()
           | st.decimals(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children, max_size=4),
                      max_leaves=20)


@given(values)
def test_orjson_decodes_what_the_library_decodes(value: Any) -> None:
    stored = LIBRARY.encode({"state": value})
    assert OURS.decode(stored) == LIBRARY.decode(stored)


def test_typed_objects_are_revived_at_any_depth() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    event = {"originator_id": UUID(int=7), "timestamp": moment,
             "sessions": [{"on": date(2026, 3, 2), "minutes": Decimal("45.5")}],
             "looks_typed": {"_type_": "uuid_hex", "_data_": UUID(int=8).hex, "extra": 1}}
    decoded = OURS.decode(LIBRARY.encode(event))
    assert decoded == event
    assert type(decoded["sessions"][0]["on"]) is date


def test_what_orjson_refuses_or_rounds_is_read_the_library_way() -> None:
    for huge in (2**80, -(2**63) - 1, 2**64, [-(2**70)]):
        decoded = OURS.decode(LIBRARY.encode({"n": huge}))
        assert decoded == {"n": huge} and type(decoded["n"]) is type(huge)
    assert OURS.decode(LIBRARY.encode({"n": 1.5e300})) == {"n": 1.5e300}
    assert math.isnan(OURS.decode(b'{"x": NaN}')["x"])
