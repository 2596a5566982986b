"""The result inbox's two wakes (colonykit._aio): the socket pair watched with loop.add_reader,
and call_soon_threadsafe for loops without add_reader (Windows' proactor loop). test.sh runs the
whole suite once with each; these tests pin down how the wake is chosen."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import colonykit
import pytest
from colonykit import Client, _aio


class NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop without add_reader, as Windows' proactor loop."""

    def add_reader(self, *args, **kwargs):
        raise NotImplementedError


def run_on(loop: asyncio.AbstractEventLoop, coroutine):
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def wake_of(inbox) -> str:
    try:
        _ = inbox.fd
    except RuntimeError:
        return "threadsafe"
    return "reader"


async def server_version(server_url: str) -> str:
    async with Client(server_url) as client:
        info = await client.server_info()
    return info.buildversion


def test_default_wake_follows_the_environment():
    loop = asyncio.new_event_loop()
    try:
        forced = os.environ.get("COLONYKIT_INBOX")
        expected = forced or ("reader" if _aio._Inbox.socket_wake else "threadsafe")
        assert wake_of(_aio._inbox(loop)) == expected
        assert _aio._inbox(loop) is _aio._inbox(loop)  # one inbox per loop
    finally:
        loop.close()


def test_loops_that_take_turns_on_one_thread_each_keep_their_inbox(server_url):
    # The native side remembers the last loop that called on a thread, and its inbox: a loop
    # that calls again after another one did must still find its own (else its call waits on a
    # descriptor that it does not watch).
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        for loop in (first, second, first, second):
            assert loop.run_until_complete(asyncio.wait_for(server_version(server_url), 10))
        assert _aio._inbox(first) is not _aio._inbox(second)
    finally:
        first.close()
        second.close()


def test_a_loop_without_add_reader_gets_the_threadsafe_wake(server_url, monkeypatch):
    monkeypatch.delenv("COLONYKIT_INBOX", raising=False)
    loop = NoReaderLoop()

    async def call():
        assert wake_of(_aio._inbox(asyncio.get_running_loop())) == "threadsafe"
        # Many calls at once: each wake schedules one drain for whatever is queued.
        return await asyncio.gather(*(server_version(server_url) for _ in range(20)))

    versions = run_on(loop, call())
    assert len(set(versions)) == 1


def test_forced_threadsafe_wake_on_a_selector_loop(server_url):
    loop = asyncio.new_event_loop()
    inbox = _aio._new_inbox(loop, "threadsafe")
    assert wake_of(inbox) == "threadsafe"
    _aio._inboxes[loop] = inbox
    assert run_on(loop, server_version(server_url))


def test_errors_reach_the_caller_through_the_threadsafe_wake():
    loop = NoReaderLoop()

    async def call():
        async with Client("http://127.0.0.1:9") as client:
            await client.server_info()

    with pytest.raises(Exception) as raised:
        run_on(loop, call())
    assert type(raised.value).__module__ == "colonykit"


def test_forcing_the_reader_wake_where_there_is_none_says_so():
    loop = NoReaderLoop()
    try:
        with pytest.raises(RuntimeError, match="has no add_reader"):
            _aio._new_inbox(loop, "reader")
    finally:
        loop.close()


def test_an_unknown_wake_is_refused():
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ValueError, match="COLONYKIT_INBOX must be 'reader' or 'threadsafe'"):
            _aio._new_inbox(loop, "proactor")
    finally:
        loop.close()


async def test_a_stream_read_from_its_buffer_gives_the_loop_turns(colony):
    """Entries a stream had buffered settle at once, but never more than 32 in a row: the
    loop's other tasks still run while a consumer reads a full buffer."""
    process = await colony.running("out")
    total = 300
    for sequence in range(1, total + 1):
        await colony.executor.append(process.processid, "out", sequence, b"x")
    read = 0
    gaps = []
    stop = asyncio.Event()

    async def other_task():
        last = 0
        while not stop.is_set():
            gaps.append(read - last)
            last = read
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    async for _entry in colony.user.subscribe_channel(process.processid, "out"):
        read += 1
        if read == total:
            break
    stop.set()
    await other
    assert read == total
    assert max(gaps) <= 32, f"{max(gaps)} entries read without the loop taking a turn"


def other_threads_cpu_ns() -> int:
    """CPU time of this process's threads but the calling one (Linux, /proc)."""
    here = str(threading.get_native_id())
    total = 0
    for task in os.listdir("/proc/self/task"):
        if task != here:
            try:
                with open(f"/proc/self/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:  # the thread ended meanwhile
                pass
    return total


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
async def test_calls_are_driven_by_the_loop_on_its_own_thread(colony):
    """With the reader wake, a call's reply is read on the loop's thread: no other thread
    works for sequential calls (on the shared runtime, its worker would read each reply)."""
    if wake_of(_aio._inbox(asyncio.get_running_loop())) != "reader":
        pytest.skip("loops without add_reader run their calls on the shared runtime")
    process = await colony.running("c")
    before = other_threads_cpu_ns()
    for sequence in range(1, 201):
        await colony.executor.append(process.processid, "c", sequence, b"x")
    # The worker would take 30-60 µs per reply (6-12 ms here); wake-ups of idle threads, far less.
    assert other_threads_cpu_ns() - before < 2_000_000


@pytest.fixture
def silent_url():
    """The address of a server on loopback that accepts connections and never answers."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    yield f"http://127.0.0.1:{silent.getsockname()[1]}"
    silent.close()


async def test_a_driven_call_times_out_on_time(silent_url):
    """Timers of driven calls fire when due (the loop's timer is armed for them): a call to a
    server that never answers fails with the client's timeout, not later."""
    async with Client(silent_url, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(colonykit.TimeoutError):
            await client.server_info()
        assert time.monotonic() - started < 1.5


def own_switches():
    """Context switches of this thread so far."""
    with open(f"/proc/self/task/{threading.get_native_id()}/status") as f:
        return sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)


async def test_the_loop_sleeps_while_a_driven_call_waits(silent_url):
    """No periodic wake-up while a call waits: the loop wakes for the reply or the timeout."""
    if wake_of(_aio._inbox(asyncio.get_running_loop())) != "reader":
        pytest.skip("loops without add_reader run their calls on the shared runtime")
    async with Client(silent_url, timeout=1.5) as client:
        call = asyncio.ensure_future(client.server_info())
        await asyncio.sleep(0.05)  # connected, the request sent
        before = own_switches()
        await asyncio.sleep(0.5)
        # A tick every 10 ms would be 50 wake-ups.
        assert own_switches() - before < 10
        with pytest.raises(colonykit.TimeoutError):
            await call
