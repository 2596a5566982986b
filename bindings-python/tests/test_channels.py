"""Channels: append, read, subscribe (async for, async with, next), and the stream contract."""

from __future__ import annotations

import asyncio
import os
import time

import colonykit
import pytest
from colonykit import ProcessState


async def test_append_and_read(colony):
    process = await colony.running("data")
    pid = process.processid
    await colony.executor.append(pid, "data", 1, b"\x00\xffbinary")
    await colony.executor.append(pid, "data", 2, "text é")
    await colony.user.append(pid, "data", 1, bytearray(b"from user"), inreplyto=2)
    await colony.executor.append(pid, "data", 3, b"", kind="end")
    entries = await colony.user.read_channel(pid, "data")
    assert [e.payload for e in entries] == [
        b"\x00\xffbinary",
        "text é".encode(),
        b"from user",
        b"",
    ]
    assert [e.kind for e in entries] == ["data", "data", "data", "end"]
    assert [e.sequence for e in entries] == [1, 2, 1, 3]
    assert entries[2].inreplyto == 2 and entries[2].senderid == colony.user.id
    assert entries[0].senderid == colony.executor.id
    assert entries[0].timestamp
    assert isinstance(entries[0], colonykit.ChannelEntry)
    assert repr(entries[0]).startswith("ChannelEntry(sequence=1, kind='data', payload=b'\\x00")
    assert entries[0] == (await colony.user.read_channel(pid, "data", limit=1))[0]
    assert [e.sequence for e in await colony.user.read_channel(pid, "data", after=1, limit=2)] == [
        2,
        1,
    ]


async def test_subscribe_backlog_then_live(colony):
    process = await colony.running("progress")
    pid = process.processid
    for i in range(1, 4):
        await colony.executor.append(pid, "progress", i, f"step {i}")

    async def produce():
        await asyncio.sleep(0.2)
        for i in range(4, 7):
            await colony.executor.append(pid, "progress", i, f"step {i}")
        await colony.executor.append(pid, "progress", 7, b"", kind="end")

    producer = asyncio.create_task(produce())
    seen = []
    subscription = colony.user.subscribe_channel(pid, "progress")
    assert isinstance(subscription, colonykit.ChannelSubscription)
    assert subscription.processid == pid and subscription.channel == "progress"
    async for entry in subscription:
        seen.append((entry.sequence, entry.kind, entry.payload))
    await producer
    assert seen == [(i, "data", f"step {i}".encode()) for i in range(1, 7)] + [(7, "end", b"")]
    assert subscription.closed


async def test_subscribe_after_skips_entries(colony):
    process = await colony.running("c")
    for i in range(1, 4):
        await colony.executor.append(process.processid, "c", i, str(i))
    await colony.executor.append(process.processid, "c", 4, b"", kind="end")
    entries = [e async for e in colony.user.subscribe_channel(process.processid, "c", after=2)]
    assert [e.sequence for e in entries] == [3, 4]


async def test_async_with_and_next(colony):
    process = await colony.running("c")
    pid = process.processid
    await colony.executor.append(pid, "c", 1, "one")
    await colony.executor.append(pid, "c", 2, "two")
    async with colony.user.subscribe_channel(pid, "c") as entries:
        first = await entries.next()
        assert first.payload == b"one"
        # `next` closes nothing: iteration goes on from there.
        second = await entries.__anext__()
        assert second.payload == b"two"
        assert not entries.closed
    assert entries.closed
    assert await entries.next() is None
    with pytest.raises(StopAsyncIteration):
        await entries.__anext__()


async def test_idle_timeout(colony):
    process = await colony.running("c")
    started = time.monotonic()
    with pytest.raises(colonykit.TimeoutError):
        async for _ in colony.user.subscribe_channel(process.processid, "c", idle_timeout=0.5):
            pass
    assert time.monotonic() - started < 5


async def test_stream_ends_with_process_closed(colony):
    process = await colony.running("c")

    async def close_soon():
        await asyncio.sleep(0.3)
        await colony.executor.close(process.processid, [])

    closer = asyncio.create_task(close_soon())
    with pytest.raises(colonykit.ProcessClosedError) as caught:
        async for _ in colony.user.subscribe_channel(process.processid, "c"):
            pass
    await closer
    assert caught.value.kind == "ProcessClosed"


async def test_error_entry_ends_the_stream(colony):
    process = await colony.running("c")
    await colony.executor.append(process.processid, "c", 1, "oops", kind="error")
    entries = [e async for e in colony.user.subscribe_channel(process.processid, "c")]
    assert [(e.kind, e.payload) for e in entries] == [("error", b"oops")]


async def test_other_kinds_pass_through(colony):
    process = await colony.running("c")
    await colony.executor.append(process.processid, "c", 1, "50%", kind="progress")
    await colony.executor.append(process.processid, "c", 2, b"", kind="end")
    entries = await colony.user.read_channel(process.processid, "c")
    assert [e.kind for e in entries] == ["progress", "end"]


# --- Cancellation: everything returns promptly and closes the subscription ------------------


async def test_break_closes_the_subscription(colony):
    process = await colony.running("c")
    for i in range(1, 6):
        await colony.executor.append(process.processid, "c", i, str(i))
    subscription = colony.user.subscribe_channel(process.processid, "c")
    started = time.monotonic()
    async for entry in subscription:
        if entry.sequence == 2:
            break
    assert subscription.closed
    assert time.monotonic() - started < 2
    assert await subscription.next() is None


def open_sockets() -> int:
    """How many sockets this process has open (Linux)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
async def test_break_closes_the_socket_at_once(colony):
    process = await colony.running("c")
    await colony.executor.append(process.processid, "c", 1, "one")
    await colony.executor.append(process.processid, "c", 2, "two")
    # A first subscription leaves the connection of its catch-up read in the shared pool (the
    # calls above ran on the loop thread's own connections).
    async for _entry in colony.user.subscribe_channel(process.processid, "c"):
        break
    await asyncio.sleep(0.1)
    before = open_sockets()
    async for entry in colony.user.subscribe_channel(process.processid, "c"):
        assert open_sockets() == before + 1  # the subscription's websocket
        if entry.sequence == 1:
            break
    for _ in range(20):  # the socket is closed by a runtime thread, within milliseconds
        if open_sockets() == before:
            break
        await asyncio.sleep(0.01)
    assert open_sockets() == before


async def test_cancelling_a_task_blocked_in_the_iterator(colony):
    process = await colony.running("c")
    subscription = colony.user.subscribe_channel(process.processid, "c")
    got = []

    async def consume():
        async for entry in subscription:
            got.append(entry)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.5)  # blocked: nothing is appended
    assert not task.done()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1
    assert subscription.closed
    assert got == []


async def test_close_while_anext_is_pending(colony):
    process = await colony.running("c")
    subscription = colony.user.subscribe_channel(process.processid, "c")
    pending = asyncio.create_task(subscription.next())
    await asyncio.sleep(0.5)
    assert not pending.done()
    started = time.monotonic()
    subscription.close()
    assert await asyncio.wait_for(pending, 2) is None
    assert time.monotonic() - started < 1
    assert subscription.closed


async def test_close_ends_an_async_for_in_another_task(colony):
    process = await colony.running("c")
    await colony.executor.append(process.processid, "c", 1, "first")
    subscription = colony.user.subscribe_channel(process.processid, "c")
    got = []

    async def consume():
        async for entry in subscription:
            got.append(entry.payload)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.5)
    pending = asyncio.create_task(subscription.__anext__())  # a second reader, also waiting
    await asyncio.sleep(0.1)
    started = time.monotonic()
    subscription.close()
    await asyncio.wait_for(task, 2)
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 2)
    assert time.monotonic() - started < 1
    assert got == [b"first"]


async def test_aclose_and_wait_for_timeout(colony):
    process = await colony.running("c")
    subscription = colony.user.subscribe_channel(process.processid, "c")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(subscription.next(), 0.3)
    # A cancelled `next` loses nothing: the stream still works.
    await colony.executor.append(process.processid, "c", 1, "late")
    entry = await asyncio.wait_for(subscription.next(), 5)
    assert entry.payload == b"late"
    await subscription.aclose()
    assert subscription.closed


async def test_cancelling_wait_for_state_and_assign(colony):
    async def cancel_soon(call):
        task = asyncio.create_task(call)
        await asyncio.sleep(0.3)
        assert not task.done()
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 1

    await cancel_soon(colony.executor.assign(colony.colonyname, 60))
    submitted = await colony.user.submit(colony.spec())
    await cancel_soon(colony.user.wait_for_state(submitted.processid, "success", timeout=60))
    # The cancelled assign took nothing: the process is still waiting for an executor.
    assert (await colony.user.get_process(submitted.processid)).state == ProcessState.WAITING


async def test_unawaited_calls_run_nothing(colony):
    submit = colony.user.submit(colony.spec())
    submit.close()  # never awaited: nothing is sent
    await asyncio.sleep(0.2)
    assert await colony.user.get_processes(colony.colonyname, "waiting") == []


# --- Sync channel ---------------------------------------------------------------------------


async def test_acknowledge_and_wait_for_ack(colony):
    process = await colony.running("sync")
    waiter = asyncio.create_task(colony.executor.wait_for_ack(process.processid, "sync", 10))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    await colony.user.acknowledge(process.processid, "sync")
    await asyncio.wait_for(waiter, 10)


async def test_wait_for_ack_times_out(colony):
    process = await colony.running("sync")
    with pytest.raises(colonykit.TimeoutError):
        await colony.executor.wait_for_ack(process.processid, "sync", 0.5)


async def test_close_after_ack(colony):
    process = await colony.running("sync")
    closing = asyncio.create_task(
        colony.executor.close_after_ack(process.processid, "sync", ["synced"], 10)
    )
    await asyncio.sleep(0.2)
    assert (await colony.user.get_process(process.processid)).state == ProcessState.RUNNING
    await colony.user.acknowledge(process.processid, "sync")
    await asyncio.wait_for(closing, 10)
    done = await colony.user.get_process(process.processid)
    assert done.state == ProcessState.SUCCESS and done.output == ["synced"]
