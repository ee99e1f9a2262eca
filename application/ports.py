"""What the application needs from infrastructure: an event store and a personal-data vault.

The application layer declares these; ``infrastructure`` implements them and the
composition root plugs them in, so use cases import nothing but the domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID


class WriteConflict(Exception):
    """Another writer stored an event at one of the versions being saved."""


class EventStorePort(Protocol):
    """Aggregates and events of one event store, in one global order."""

    def load(self, aggregate_id: UUID, *, trust_cache: bool) -> tuple[Any, bool] | None:
        """The aggregate to change, and whether it came from the cache without a read.

        With ``trust_cache`` a cached copy is returned as it is (it may be behind the
        store: saving it then fails with ``WriteConflict``); otherwise the store is read.
        None when no such aggregate exists."""
        ...

    def read(self, aggregate_id: UUID, version: int | None = None) -> Any | None:
        """The aggregate (at ``version``) read from the store, bypassing every cache."""
        ...

    def commit(self, *aggregates: Any) -> int | None:
        """Stores the aggregates' new events in one transaction; returns the global position
        of the last one. Raises ``WriteConflict`` if another writer got there first."""
        ...

    def forget(self, aggregate_id: UUID) -> None:
        """Drops any cached copy of the aggregate."""
        ...

    def back_off(self, seconds: float) -> None:
        """Waits before a command that lost a race is decided again, holding up no other
        command."""
        ...

    def events_of(self, aggregate_id: UUID, *, gt: int | None = None, lte: int | None = None,
                  desc: bool = False, limit: int | None = None) -> Sequence[Any]:
        """The aggregate's events in version order (or the reverse with ``desc``)."""
        ...

    def feed(self, *, after: int, limit: int, sealed: bool = False
             ) -> Sequence[tuple[int, Any]]:
        """(position, event) pairs of every aggregate, after a global position
        (``sealed``: personal fields left encrypted, for readers that never show them)."""
        ...

    def feed_at(self, positions: Sequence[int], *, sealed: bool = False
                ) -> Sequence[tuple[int, Any]]:
        """(position, event) pairs of exactly these positions (those that exist;
        ``sealed`` as for ``feed``)."""
        ...

    def last_position(self) -> int:
        """The position of the newest stored event (0 when there is none)."""
        ...

    def appended(self) -> int:
        """How many events this process has stored since it started."""
        ...

    def close(self) -> None:
        """Finishes pending commits and releases connections."""
        ...


class PersonalDataVault(Protocol):
    """Per-person keys: who holds data about whom, and erasure by destroying a key."""

    def has_key(self, person_id: str) -> bool:
        """Whether personal data about the person can still be read."""
        ...

    def aggregates_of(self, person_id: str) -> list[str]:
        """Ids of the aggregates that name the person or hold data about them."""
        ...

    def erasures_of(self, person_id: str) -> list[tuple[str, str]]:
        """(erasure id, erased at) of the person's past erasures."""
        ...

    def destroy_key(self, person_id: str, erasure_id: str, erased_at: str) -> None:
        """Deletes the person's key for good."""
        ...
