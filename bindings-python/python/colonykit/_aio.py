"""Coroutines around the native calls, so every async method returns a real coroutine.

A native method returns ``_call(start)``: nothing runs until the coroutine is awaited (or made a
task), then ``start()`` starts the Rust future on the shared runtime and returns an
``asyncio.Future`` for its result. Cancelling the awaiting task cancels that future, which drops
the Rust future and closes whatever it was waiting on. Results come back through the loop's
``_Inbox`` (``_inbox``): the native side queues them and wakes the loop through a socket the loop
watches; the loop then sets the futures on its own thread.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Callable, TypeVar

from colonykit._native import _Inbox

T = TypeVar("T")


async def _call(start: Callable[[], Awaitable[T]]) -> T:
    return await start()


async def _ready(value: T) -> T:
    return value


_inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()


def _inbox(loop: asyncio.AbstractEventLoop) -> _Inbox:
    """The inbox of ``loop``, watched by it from its first native call on."""
    inbox = _inboxes.get(loop)
    if inbox is None:
        inbox = _Inbox()
        loop.add_reader(inbox.fd, inbox.drain)
        _inboxes[loop] = inbox
    return inbox
