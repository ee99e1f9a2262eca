"""Blocking command code on the event loop: suspended where it would block, never blocking
the loop; plain blocking calls everywhere else."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future

import pytest

from infrastructure.loop_bridge import off_loop, on_loop, run_on_loop, wait_for


def running_future() -> Future[str]:
    future: Future[str] = Future()
    future.set_running_or_notify_cancel()
    return future


def complete_later(future: Future[str], value: str, seconds: float) -> None:
    threading.Timer(seconds, future.set_result, args=(value,)).start()


def test_a_command_waiting_for_its_commit_leaves_the_loop_free() -> None:
    order: list[str] = []

    def command(name: str, future: Future[str]) -> str:
        order.append(f"{name} decided")
        result = wait_for(future)
        order.append(f"{name} committed")
        return result

    async def both() -> list[str]:
        slow, fast = running_future(), running_future()
        complete_later(slow, "slow", 0.2)
        complete_later(fast, "fast", 0.05)
        return list(await asyncio.gather(run_on_loop(command, "slow", slow),
                                         run_on_loop(command, "fast", fast)))

    assert asyncio.run(both()) == ["slow", "fast"]
    # The second command ran while the first one waited: the loop was never blocked.
    assert order == ["slow decided", "fast decided", "fast committed", "slow committed"]


def test_reads_of_a_command_on_the_loop_run_in_a_worker_thread() -> None:
    def command() -> tuple[bool, int, int]:
        return on_loop(), threading.get_ident(), off_loop(threading.get_ident)

    async def run() -> tuple[int, tuple[bool, int, int]]:
        return threading.get_ident(), await run_on_loop(command)

    loop_thread, (inside, command_thread, read_thread) = asyncio.run(run())
    assert inside and command_thread == loop_thread != read_thread


def test_a_failed_read_is_raised_where_the_command_made_it() -> None:
    def fail() -> None:
        raise LookupError("no such row")

    def command() -> str:
        try:
            off_loop(fail)
        except LookupError as error:
            return f"handled: {error}"
        return "not raised"

    assert asyncio.run(run_on_loop(command)) == "handled: no such row"


def test_an_error_the_command_does_not_handle_reaches_the_caller() -> None:
    def command() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        asyncio.run(run_on_loop(command))


def test_a_cancelled_request_does_not_cancel_the_commit_it_waits_for() -> None:
    future = running_future()
    reached = []

    def command() -> None:
        try:
            wait_for(future)
        finally:
            reached.append("unwound")

    async def cancel_it() -> None:
        task = asyncio.ensure_future(run_on_loop(command))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_it())
    assert reached == ["unwound"]
    assert not future.cancelled()  # the committer still owns it
    future.set_result("committed")
    assert future.result() == "committed"


def test_outside_the_loop_both_simply_block() -> None:
    future = running_future()
    complete_later(future, "done", 0.05)
    started = time.monotonic()
    assert not on_loop()
    assert wait_for(future) == "done"
    assert time.monotonic() - started >= 0.04
    assert off_loop(threading.get_ident) == threading.get_ident()
