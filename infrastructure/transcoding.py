"""How events' fields become stored JSON and back: the library's JSON transcoder, with
calendar dates, and decoding by orjson."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    """Stores calendar dates (goal target dates) as ISO text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


# orjson reads an integer beyond 64 bits as a float, silently: a float this large may be
# one, so the state is read again the library's way (json keeps such integers exact).
INEXACT = float(2**63)


class InexactNumber(ValueError):
    """A parsed number may have been an integer too large for orjson."""


class OrjsonTranscoder(JSONTranscoder):
    """The library's transcoder, decoding with orjson: the same objects, 3-4x faster.

    Decoding is half of reading an event (the relay, rebuilds, exports, cache misses).
    orjson parses; the library's own hook then revives every ``{"_type_", "_data_"}``
    object, innermost first, as its ``json`` decoder's ``object_hook`` does. What orjson
    refuses and ``json`` accepts (integers beyond 64 bits, NaN) goes the library's way, so
    anything ever stored stays readable; so does a float beyond 2**63, which may be such an
    integer that orjson read as a float. Encoding is unchanged: orjson would write UUIDs
    and datetimes its own way, not as the library's typed objects."""

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)
        try:
            return self.revive(parsed)
        except InexactNumber:
            return super().decode(data)

    def revive(self, value: Any) -> Any:
        """A parsed JSON value with its typed objects turned back into values, innermost
        first (what the ``json`` decoder's ``object_hook`` does); lists and objects are
        changed in place. Raises ``InexactNumber`` for a float that may have been an
        integer beyond 64 bits."""
        if type(value) is dict:
            for key, item in value.items():
                kind = type(item)
                if kind is dict or kind is list:
                    value[key] = self.revive(item)
                elif kind is float and not -INEXACT < item < INEXACT:
                    raise InexactNumber(item)
            return self._decode_obj(value)
        if type(value) is list:
            for index, item in enumerate(value):
                kind = type(item)
                if kind is dict or kind is list:
                    value[index] = self.revive(item)
                elif kind is float and not -INEXACT < item < INEXACT:
                    raise InexactNumber(item)
        elif type(value) is float and not -INEXACT < value < INEXACT:
            raise InexactNumber(value)
        return value
