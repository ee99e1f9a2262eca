"""Command endpoints that run on the event loop instead of FastAPI's thread pool.

FastAPI runs a plain ``def`` endpoint in a worker thread; for a command that is a
hand-off to the thread and back on top of the group commit's own, and those hand-offs
were a fifth of a command's CPU time. ``@runs_on_loop`` turns the endpoint into a
coroutine function that runs the same body on the loop thread, suspended wherever it
would block (``infrastructure.loop_bridge``): waiting for its commit, or reading an
aggregate the cache does not hold.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from infrastructure.loop_bridge import run_on_loop

T = TypeVar("T")


def runs_on_loop(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """The endpoint as a coroutine function with the same signature, name and docstring."""
    signature = inspect.signature(endpoint, eval_str=True)

    async def run(*args: Any, **kwargs: Any) -> T:
        return await run_on_loop(endpoint, *args, **kwargs)

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, attribute, getattr(endpoint, attribute))
    run.__signature__ = signature  # type: ignore[attr-defined]
    run.on_loop = True  # type: ignore[attr-defined]
    return run
