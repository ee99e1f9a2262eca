"""Where the relay's records come from: the event store, read and encoded a batch ahead.

Reading a batch (the events' rows, decoding, the public form, the CloudEvents headers)
costs about as much CPU per event as the Kafka client's own ``send``; in one process both
share one interpreter lock, and the relay could not keep up with a bare producer. So on
PostgreSQL a child process reads and encodes (``ProcessReader``), one batch ahead of the
one being sent, and hands over finished records; the relay process only sends them. The
child has its own connections and dies with the relay (its end of the pipe closes).
``LocalReader`` does the same work in the relay's own thread (SQLite, tests).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, Protocol

from application.integration_events import IntegrationEvent
from infrastructure.kafka import partition_owner, record_of

Feed = Callable[..., list[IntegrationEvent]]  # integration_feed(after=, limit=)


class Encoded(NamedTuple):
    """One event as a Kafka record, and what picks its partition."""

    position: int
    owner: str  # the program (a person's erasure: its own id)
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def encode(events: list[IntegrationEvent]) -> list[Encoded]:
    return [Encoded(event.position, partition_owner(event), *record_of(event))
            for event in events]


class Reader(Protocol):
    def batch_after(self, after: int) -> list[Encoded]: ...
    def close(self) -> None: ...


class LocalReader:
    """Reads and encodes in the caller's thread."""

    def __init__(self, feed: Callable[..., list[IntegrationEvent]], batch_size: int) -> None:
        self.feed, self.batch_size = feed, batch_size

    def batch_after(self, after: int) -> list[Encoded]:
        return encode(self.feed(after=after, limit=self.batch_size))

    def close(self) -> None:
        pass


class ProcessReader:
    """Reads and encodes in a child process, the next batch while this one is sent.

    The child is a fresh interpreter (``python -m <entry> FD``; the composition root's
    ``mentoring.relay_reader``), not a ``multiprocessing`` child, which would import the
    parent's main module again. It receives ``config`` (the settings) over its socket,
    never in its arguments or environment, and builds its feed from it."""

    def __init__(self, config: object, batch_size: int, entry: str) -> None:
        self.batch_size = batch_size
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(
            [sys.executable, "-m", entry, str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self._pipe = Connection(ours.detach())
        self._pipe.send((config, batch_size))
        self._ahead: int | None = None  # the position the child is reading after
        self._receive()  # the child is connected to the database: ready

    def batch_after(self, after: int) -> list[Encoded]:
        if self._ahead is not None and self._ahead != after:
            self._receive()  # read ahead for a position we no longer need
            self._ahead = None
        if self._ahead is None:
            self._pipe.send(after)
        records = self._receive()
        self._ahead = None
        if len(records) == self.batch_size:  # catching up: more is likely waiting
            self._pipe.send(records[-1].position)
            self._ahead = records[-1].position
        return records

    def _receive(self) -> list[Encoded]:
        try:
            answer = self._pipe.recv()
        except EOFError:
            raise RuntimeError(f"the relay reader exited ({self._process.poll()})") from None
        if isinstance(answer, BaseException):
            raise answer
        return [Encoded(*record) for record in answer]

    def close(self) -> None:
        with suppress(OSError):  # the child may be gone already
            self._pipe.send(None)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._pipe.close()


def serve(pipe: Connection, open_feed: Callable[[Any], tuple[Feed, Callable[[], None]]]
          ) -> None:
    """The child: builds its feed from the config it is sent (``open_feed`` returns the
    feed and how to close it), then answers each position with the encoded batch after
    it, until None or until the relay's end of the pipe closes (the relay died)."""
    try:
        config, batch_size = pipe.recv()
    except EOFError:
        return
    try:
        feed, close = open_feed(config)
    except Exception as error:
        pipe.send(RuntimeError(f"relay reader: {type(error).__name__}: {error}"))
        return
    pipe.send([])  # ready
    try:
        while True:
            try:
                after = pipe.recv()
            except EOFError:
                return
            if after is None:
                return
            answer: Any
            try:
                answer = [tuple(record) for record in encode(feed(after=after,
                                                                  limit=batch_size))]
            except Exception as error:  # the database went away: the relay retries
                answer = RuntimeError(f"relay reader: {type(error).__name__}: {error}")
            pipe.send(answer)
    finally:
        close()
