"""2,000 channel subscriptions opened at once from one process: each delivers its entries
exactly, and the server still answers afterwards. (Opened at once, 500 of them used to exhaust
the server's database pool: the client now bounds its requests in flight and asks once per
process whether it still runs.)"""

import asyncio
import os
import resource
import time

PROCESSES, PER_PROCESS, ENTRIES = 40, 50, 5


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def test_two_thousand_subscriptions_at_once(colony):
    processes = [await colony.running("data") for _ in range(PROCESSES)]
    rss_before = rss_mb()
    streams = [
        colony.user.subscribe_channel(process.processid, "data", idle_timeout=120)
        for process in processes
        for _ in range(PER_PROCESS)
    ]

    async def consume(stream):
        return [entry.sequence async for entry in stream]

    readers = [asyncio.create_task(consume(stream)) for stream in streams]
    # All open and quiet: what 2,000 idle streams cost.
    await asyncio.sleep(8)
    fds = len(os.listdir("/proc/self/fd"))
    cpu_start, wall_start = time.process_time(), time.monotonic()
    await asyncio.sleep(5)
    idle_cpu = (time.process_time() - cpu_start) / (time.monotonic() - wall_start)
    rss_open = rss_mb()

    for process in processes:
        writer = await colony.executor.channel_writer(process.processid, "data")
        for i in range(ENTRIES):
            await writer.send(f"entry {i}".encode())
        await writer.end()
    received = await asyncio.wait_for(asyncio.gather(*readers), 120)

    expected = list(range(1, ENTRIES + 2))
    wrong = [r for r in received if r != expected]
    assert not wrong, f"{len(wrong)} streams delivered something else, e.g. {wrong[:3]}"
    # The server still answers.
    assert (await colony.user.get_process(processes[0].processid)).processid
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    each_kb = (rss_open - rss_before) * 1024 / len(streams)
    print(
        f"[many streams] {len(streams)} streams: open fds {fds}, "
        f"idle CPU {idle_cpu:.1%} of a core, RSS {rss_before:.1f} -> {rss_open:.1f} MB open "
        f"({each_kb:.1f} kB each), peak {peak:.1f} MB"
    )
