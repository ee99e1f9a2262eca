"""Group commit: concurrent commands share one transaction, so one commit serves many.

The event store serialises writers (a table lock makes commit order = position order),
so the commit is the write path's bottleneck. Commands hand their aggregates to one
committer thread, which saves everything queued in one transaction; if that fails, for
whatever reason (a conflict, a value the database refuses), it saves each command's
aggregates on their own, so that only the command at fault fails and the others commit.
Each command waits for its own future: a thread blocks on it, a command on the event
loop awaits it (``loop_bridge``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from infrastructure.loop_bridge import wait_for

MAX_BATCH = 200


def _running() -> Future[int | None]:
    future: Future[int | None] = Future()
    future.set_running_or_notify_cancel()  # queued is taken on: no cancelling it
    return future


@dataclass
class _Pending:
    aggregates: Sequence[Any]
    done: Future[int | None] = field(default_factory=_running)
    position: int | None = None


class GroupCommit:
    """Saves aggregates in shared transactions; ``save`` returns once its own committed."""

    def __init__(self, save: Callable[..., Any]) -> None:
        self._save = save
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def save(self, *aggregates: Any) -> int | None:
        """Commits the aggregates' events with whatever else is queued; returns the last
        global position they were given."""
        pending = _Pending(aggregates)
        self._ensure_running()
        self._queue.put(pending)
        return wait_for(pending.done)

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(timeout=10)
                self._thread = None

    def _ensure_running(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="group-commit",
                                                    daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        # Saving takes the aggregates' pending events; a batch that fails must give them
        # back, or the commands retried one by one would "succeed" with nothing stored.
        pending_events = {id(a): list(a.pending_events) for p in batch for a in p.aggregates}
        try:
            ids = {id(a): p for p in batch for a in p.aggregates}
            positions = self._save(*(a for pending in batch for a in pending.aggregates))
            for aggregate, position in positions:
                owner = ids.get(id(aggregate))
                if owner is not None and position is not None:
                    owner.position = max(owner.position or 0, position)
        except Exception as error:
            if len(batch) == 1:
                batch[0].done.set_exception(error)
            else:
                for pending in batch:
                    for aggregate in pending.aggregates:
                        aggregate.pending_events[:] = pending_events[id(aggregate)]
                for pending in batch:  # isolate the command at fault
                    self._commit([pending])
            return
        except BaseException as error:  # the process is stopping: fail the whole batch
            for pending in batch:
                pending.done.set_exception(error)
            return
        for pending in batch:
            pending.done.set_result(pending.position)


class DirectCommit:
    """Saves in the caller's thread: for a single writer (a bulk load into the in-memory
    store) there are no round trips to share, so the hand-off per command is pure cost."""

    def __init__(self, save: Callable[..., Any]) -> None:
        self._save = save

    def save(self, *aggregates: Any) -> int | None:
        positions = [p for _, p in self._save(*aggregates) if p is not None]
        return max(positions, default=None)

    def close(self) -> None:
        """Nothing to stop."""
