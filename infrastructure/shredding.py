"""Crypto-shredding: personal fields are sealed with their person's key before storage.

The domain says which fields are personal (``PERSONAL_FIELDS`` on events,
``PERSONAL_STATE`` on aggregates for snapshots); a vault supplied by the
composition root seals and opens them. Once a person's key is deleted, their
fields read as ``ERASED`` everywhere, and every event still decodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.base import ERASED, PERSON_FIELDS

SEALED_PREFIX = "pd1:"


class Sealer(Protocol):
    """Seals text with a person's key and opens it while the key exists."""

    def seal(self, person_id: str, aggregate_id: UUID, plaintext: str) -> str:
        """Ciphertext token (starting with ``pd1:``) for this person's text."""
        ...

    def open(self, person_id: str, token: str) -> str | None:
        """The text, or None when the person's key has been erased."""
        ...

    def open_many(self, sealed: Sequence[tuple[str, str]]) -> list[str | None]:
        """``open`` of many (person, token) pairs, each person's key read once."""
        ...

    def index(self, person_id: str, aggregate_id: UUID) -> None:
        """Remembers that an aggregate holds data about a person."""
        ...


class ShreddingMapper(Mapper[UUID]):
    """A mapper that seals personal fields on the way in and opens them on the way out."""

    def __init__(self, *args: Any, vault: Sealer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.personal_vault = vault

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if self.personal_vault is not None and not is_snapshot(type(domain_event)):
            for name in PERSON_FIELDS:
                person_id = domain_event.__dict__.get(name)
                if person_id:
                    self.personal_vault.index(person_id, domain_event.originator_id)
        sealed = self._transform(domain_event, self._seal)
        return super().to_stored_event(sealed)

    def to_sealed_domain_event(self, stored_event: Any) -> DomainEventProtocol[UUID]:
        """The event with its personal fields still sealed (for views, which never hold
        personal text)."""
        return super().to_domain_event(stored_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        opened: DomainEventProtocol[UUID] = self._transform(event, self._open, in_place=True)
        return opened

    def open_sealed(self, events: Sequence[Any]) -> None:
        """Opens the personal fields of sealed events in place, as ``to_domain_event``
        would, with one look-up of keys for the lot (an export's batch)."""
        if self.personal_vault is None:
            return
        found: list[tuple[dict[str, Any], str]] = []
        sealed: list[tuple[str, str]] = []
        for event in events:
            if is_snapshot(type(event)):
                self._transform(event, self._open, in_place=True)
                continue
            fields: tuple[str, ...] = getattr(type(event), "PERSONAL_FIELDS", ())
            if not fields:
                continue
            state = event.__dict__
            person_id = state["subject_id"]
            for name in fields:
                value = state.get(name)
                if isinstance(value, str) and value.startswith(SEALED_PREFIX):
                    found.append((state, name))
                    sealed.append((person_id, value))
        opened = self.personal_vault.open_many(sealed) if sealed else []
        for (state, name), text in zip(found, opened, strict=True):
            state[name] = ERASED if text is None else text

    def _transform(self, event: Any, change: Any, *, in_place: bool = False) -> Any:
        if self.personal_vault is None:
            return event
        if is_snapshot(type(event)):
            return self._transform_snapshot(event, change, in_place)
        fields: tuple[str, ...] = getattr(type(event), "PERSONAL_FIELDS", ())
        if not fields:
            return event
        person_id = event.__dict__["subject_id"]
        state = event.__dict__ if in_place else dict(event.__dict__)
        for name in fields:
            if isinstance(state.get(name), str) and state[name]:
                state[name] = change(person_id, event.originator_id, state[name])
        return event if in_place else _copy_with(event, state)

    def _transform_snapshot(self, snapshot: Any, change: Any, in_place: bool) -> Any:
        personal: dict[str, str] = getattr(resolve_topic(snapshot.topic), "PERSONAL_STATE", {})
        if not personal:
            return snapshot
        state = dict(snapshot.state)
        for name, person_attribute in personal.items():
            if isinstance(state.get(name), str) and state[name]:
                state[name] = change(state[person_attribute], snapshot.originator_id, state[name])
        if in_place:
            snapshot.__dict__["state"] = state
            return snapshot
        return _copy_with(snapshot, {**snapshot.__dict__, "state": state})

    def _seal(self, person_id: str, aggregate_id: UUID, value: str) -> str:
        assert self.personal_vault is not None
        return self.personal_vault.seal(person_id, aggregate_id, value)

    def _open(self, person_id: str, _: UUID, value: str) -> str:
        assert self.personal_vault is not None
        if not value.startswith(SEALED_PREFIX):
            return value  # written before sealing was switched on
        opened = self.personal_vault.open(person_id, value)
        return ERASED if opened is None else opened


_SNAPSHOT_CLASSES: dict[type[Any], bool] = {}


def is_snapshot(event_class: type[Any]) -> bool:
    """Whether events of this class are snapshots (checked once per class: it is slow)."""
    known = _SNAPSHOT_CLASSES.get(event_class)
    if known is None:
        known = _SNAPSHOT_CLASSES[event_class] = issubclass(event_class, Snapshot)
    return known


def _copy_with(event: Any, state: dict[str, Any]) -> Any:
    copy = object.__new__(type(event))
    object.__setattr__(copy, "__dict__", state)
    return copy
