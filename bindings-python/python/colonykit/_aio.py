"""Coroutines around the native calls, so every async method returns a real coroutine.

A native method returns ``_call(start)``: nothing runs until the coroutine is awaited (or made a
task), then ``start()`` starts the Rust future and returns an ``asyncio.Future`` for its result.
Cancelling the awaiting task (or closing the coroutine unfinished) gives the call up
(``start.abort()``): the Rust future is dropped, which closes whatever it was waiting on.

Where the loop has ``add_reader`` (Unix selector loops: the default on Linux and macOS), a
client's calls are driven by the loop itself, on its thread: the loop watches one descriptor of
the native side, readable when a reply may have come, and the reply is read and its future set
right there (one thread woken per reply). Streams and writers, which go on between calls, run on
the shared runtime's worker; their results come back through the loop's ``_Inbox`` (``_inbox``):
the native side queues them and wakes the loop, which then sets the futures on its own thread.
Two wakes exist, chosen per loop:

- ``reader``: a byte on a socket pair the loop watches with ``loop.add_reader``. The Rust worker
  never takes the GIL.
- ``threadsafe``: the worker takes the GIL and calls ``loop.call_soon_threadsafe(drain)``; for
  loops without ``add_reader``, such as Windows' default proactor loop, where every call runs on
  the shared runtime.

``reader`` is used where the loop has it, ``threadsafe`` elsewhere; the environment variable
``COLONYKIT_INBOX=reader|threadsafe`` forces one (read when a loop makes its first call;
``threadsafe`` also runs every call on the shared runtime).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import weakref
from typing import TypeVar

from colonykit._native import _Inbox, _Start

T = TypeVar("T")


async def _call(start: _Start) -> T:
    try:
        return await start()
    except BaseException:  # cancelled, or closed unfinished: the native call is given up
        start.abort()
        raise


async def _ready(value: T) -> T:
    return value


_inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()

WAKES = ("reader", "threadsafe")

# At exit, before the interpreter finalizes: no worker may take the GIL after that.
atexit.register(_Inbox.close_wakes)


def _inbox(loop: asyncio.AbstractEventLoop) -> _Inbox:
    """The inbox of ``loop``, made at its first native call."""
    inbox = _inboxes.get(loop)
    if inbox is None:
        inbox = _new_inbox(loop, os.environ.get("COLONYKIT_INBOX", ""))
        _inboxes[loop] = inbox
    return inbox


def _new_inbox(loop: asyncio.AbstractEventLoop, wake: str) -> _Inbox:
    if wake not in ("", *WAKES):
        raise ValueError(f"COLONYKIT_INBOX must be 'reader' or 'threadsafe', not {wake!r}")
    if wake != "threadsafe" and _Inbox.socket_wake:
        inbox = _Inbox()
        try:
            loop.add_reader(inbox.fd, inbox.drain)
        except NotImplementedError:
            if wake == "reader":
                raise RuntimeError(
                    f"COLONYKIT_INBOX=reader, but {type(loop).__name__} has no add_reader"
                ) from None
        else:
            return inbox
    elif wake == "reader":
        raise RuntimeError("COLONYKIT_INBOX=reader needs Unix (a socket pair)")
    return _threadsafe_inbox(loop)


def _threadsafe_inbox(loop: asyncio.AbstractEventLoop) -> _Inbox:
    # The native side holds the schedule callable: weak references keep it from keeping the loop
    # (the key of ``_inboxes``) and the inbox alive.
    loop_ref = weakref.ref(loop)
    inbox_ref: weakref.ref[_Inbox] | None = None

    def schedule() -> None:
        target, inbox = loop_ref(), inbox_ref() if inbox_ref is not None else None
        if target is None or inbox is None or target.is_closed():
            return
        try:
            target.call_soon_threadsafe(inbox.drain)
        except RuntimeError:  # closed in the meantime: nobody waits for the results
            pass

    inbox = _Inbox(schedule)
    inbox_ref = weakref.ref(inbox)
    return inbox
