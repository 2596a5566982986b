"""Coroutines around the native calls, so every async method returns a real coroutine.

A native method returns ``_call(start)``: nothing runs until the coroutine is awaited (or made a
task), then ``start()`` starts the Rust future on the shared runtime and returns an
``asyncio.Future`` for its result. Cancelling the awaiting task cancels that future, which drops
the Rust future and closes whatever it was waiting on. ``_set`` puts the result on that future,
on the loop's thread (scheduled with ``call_soon_threadsafe`` by the native side).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Callable, TypeVar

T = TypeVar("T")


async def _call(start: Callable[[], Awaitable[T]]) -> T:
    return await start()


async def _ready(value: T) -> T:
    return value


def _set(future: asyncio.Future, ok: bool, value: object) -> None:
    """Sets the result of a native call (on the loop's thread), unless it was cancelled."""
    if not future.done():
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)  # type: ignore[arg-type]
