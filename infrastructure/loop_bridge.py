"""Blocking command code run on the event loop, suspended wherever it would block.

A command is mostly CPU on a cached aggregate, then a wait for the group commit. Run in a
worker thread, it pays a hand-off to the thread and back besides the commit's own; those
hand-offs were the largest cost of an HTTP command. Run here instead, on the loop thread
inside a greenlet, it waits for the commit by suspending that greenlet while the loop
awaits the commit's future, and anything that reads the database (an aggregate missing
from the cache, say) is sent to a worker thread the same way. Outside ``run_on_loop``
(worker threads, the CLI, tests) ``wait_for`` and ``off_loop`` simply block.

The rule for code that may run here: never hold a lock across ``wait_for`` or
``off_loop`` (another command on the same thread could then block the loop on it).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")


class _OnLoop(greenlet.greenlet):  # type: ignore[misc]
    """A greenlet whose parent, the event loop's, awaits what it asks for."""


class _OffLoop:
    """A request from a suspended command: run this in a worker thread."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call


async def run_on_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Runs blocking code on the loop thread, awaiting wherever it would block."""
    child = _OnLoop(partial(function, *args, **kwargs))
    child.gr_context = contextvars.copy_context()
    request = child.switch()
    while not child.dead:
        try:
            if isinstance(request, _OffLoop):
                value = await asyncio.to_thread(request.call)
            else:
                value = await asyncio.wrap_future(request)
        except BaseException as error:  # the command decides what a failure means
            request = child.throw(error)
        else:
            request = child.switch(value)
    return request  # type: ignore[no-any-return]


def on_loop() -> bool:
    """Whether the caller runs inside ``run_on_loop``."""
    return isinstance(greenlet.getcurrent(), _OnLoop)


def wait_for(future: Future[T]) -> T:
    """The future's result: awaited by the loop inside ``run_on_loop``, else blocking.

    The future must not be cancellable (mark it running): a cancelled request must not
    cancel work another thread has already taken on."""
    current = greenlet.getcurrent()
    if isinstance(current, _OnLoop):
        return current.parent.switch(future)  # type: ignore[no-any-return]
    return future.result()


def off_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Calls ``function`` in a worker thread when on the loop, else right here."""
    current = greenlet.getcurrent()
    if isinstance(current, _OnLoop):
        return current.parent.switch(  # type: ignore[no-any-return]
            _OffLoop(partial(function, *args, **kwargs)))
    return function(*args, **kwargs)
