"""Streaming 10,000 entries through `async for` keeps memory flat.

The server allows a burst of 500 appends per process (then 100/s), so the entries are spread
over 20 processes of 500 entries each, produced by channel writers while they are consumed.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time

import pytest

PROCESSES = 20
PER_PROCESS = 500
PAYLOAD = b"x" * 100
LIMIT_MB = 5.0


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def stream_one(colony, pid: str) -> int:
    """Writes PER_PROCESS entries and `end` while reading them with `async for`."""

    async def produce():
        writer = await colony.executor.channel_writer(pid, "m")
        for _ in range(PER_PROCESS):
            await writer.send(PAYLOAD)
        stats = await writer.end()
        assert stats.written == PER_PROCESS + 1

    producer = asyncio.create_task(produce())
    count = 0
    async for entry in colony.user.subscribe_channel(pid, "m", idle_timeout=30):
        if entry.kind == "data":
            assert len(entry.payload) == len(PAYLOAD)
            count += 1
    await producer
    return count


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
async def test_streaming_10000_entries_keeps_memory_flat(colony, capsys):
    pids = []
    for _ in range(PROCESSES + 1):
        await colony.user.submit(colony.spec("m", channels=["m"]))
        process = await colony.executor.assign(colony.colonyname, 10)
        assert process is not None
        pids.append(process.processid)

    # Warm up (runtime threads, connection pools, allocator), then measure.
    assert await stream_one(colony, pids.pop()) == PER_PROCESS
    gc.collect()
    before = rss_mb()
    started = time.monotonic()
    total = 0
    peak = before
    for i in range(0, PROCESSES, 5):
        counts = await asyncio.gather(*(stream_one(colony, pid) for pid in pids[i : i + 5]))
        total += sum(counts)
        peak = max(peak, rss_mb())
    elapsed = time.monotonic() - started
    gc.collect()
    after = rss_mb()
    assert total == PROCESSES * PER_PROCESS == 10_000
    with capsys.disabled():
        print(
            f"\n[memory] streamed {total} entries in {elapsed:.1f} s: "
            f"RSS {before:.1f} MB -> {after:.1f} MB (growth {after - before:+.2f} MB, "
            f"peak {peak:.1f} MB)"
        )
    assert after - before <= LIMIT_MB
