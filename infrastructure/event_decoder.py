"""Stored events decoded in bulk into the very objects the library's mapper makes.

The mapper (``eventsourcing.persistence.Mapper``) turns each stored event into a
``StoredEvent``, has the transcoder parse and revive its state, checks for upcasts and
builds the event through its class; an export of the whole log spends more time there
than in anything else it does with an event. This decoder parses with orjson, revives a
flat typed value (``{"_type_": name, "_data_": ...}``, such as every timestamp) in line
and anything nested with the transcoder's own ``revive``, and makes the event object
directly.

It relies on the library's JSON format (9.5.x, pinned with the log reader's test), and
hands every event it is not sure of to the mapper itself: a state that needs upcasting,
a mapper with a cipher or a compressor, anything that does not parse. Personal fields
come out sealed, as ``ShreddingMapper.to_sealed_domain_event`` leaves them.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper
from eventsourcing.utils import resolve_topic

from infrastructure.shredding import ShreddingMapper
from infrastructure.transcoding import INEXACT, OrjsonTranscoder


class Stored(NamedTuple):
    """A stored event as the mapper reads it (duck-typed ``StoredEvent``)."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class EventDecoder:
    """Decodes stored events with personal fields left sealed."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self._library = (mapper.to_sealed_domain_event if isinstance(mapper, ShreddingMapper)
                         else mapper.to_domain_event)
        transcoder = mapper.transcoder
        plain = isinstance(transcoder, OrjsonTranscoder) and not mapper.cipher \
            and not mapper.compressor
        self._revive = transcoder.revive if isinstance(transcoder, OrjsonTranscoder) else None
        names = transcoder.names if plain else None  # type: ignore[attr-defined]
        self._decoders = None if names is None else {n: t.decode for n, t in names.items()}
        self._classes: dict[str, tuple[type, int]] = {}

    def decode(self, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
        """The event, exactly as the mapper would decode it (sealed)."""
        known = self._classes.get(topic)
        if known is None:
            kind = resolve_topic(topic)
            known = self._classes[topic] = (kind, getattr(kind, "class_version", 1))
        if self._decoders is not None:
            try:
                event = self._fast(known, originator_id, version, state)
            except Exception:  # the mapper decides, and says why if it cannot either
                event = None
            if event is not None:
                return event
        stored: Any = Stored(originator_id, version, topic, state)  # duck-typed StoredEvent
        return self._library(stored)

    def event_class(self, topic: str) -> type:
        """The class of the events of a topic."""
        return resolve_topic(topic)  # type: ignore[no-any-return]

    def _fast(self, known: tuple[type, int], originator_id: UUID, version: int,
              state: bytes) -> Any:
        """The event, or None when the mapper must decode it (an upcast, say).

        Written for speed (an export decodes every event): a flat typed value, such as
        every event's timestamp, is revived in line; anything nested by the transcoder."""
        kind, class_version = known
        fields = orjson.loads(state)
        if fields.__class__ is not dict or _typed(fields) \
                or fields.pop("class_version", 1) != class_version:
            return None
        decoders, revive = self._decoders, self._revive
        assert decoders is not None and revive is not None
        for name, value in fields.items():
            if value.__class__ is dict:
                data = value.get("_data_")
                if len(value) == 2 and data.__class__ is str and "_type_" in value:
                    fields[name] = decoders[value["_type_"]](data)
                else:
                    fields[name] = revive(value)
            elif value.__class__ is list and _nested(value):
                fields[name] = revive(value)
            elif value.__class__ is float and not -INEXACT < value < INEXACT:
                return None  # maybe an integer orjson could not hold: the mapper reads it
        fields["originator_id"], fields["originator_version"] = originator_id, version
        event: Any = object.__new__(kind)
        object.__setattr__(event, "__dict__", fields)
        return event


def _typed(value: dict[str, Any]) -> bool:
    """Whether a JSON object is a transcoded value (what the transcoder's hook revives)."""
    return len(value) == 2 and "_type_" in value and "_data_" in value


def _nested(items: list[Any]) -> bool:
    """Whether a JSON array holds objects or arrays (which may hold typed values)."""
    return any(item.__class__ is dict or item.__class__ is list for item in items)
