"""Nothing is left pending at interpreter exit: no "Event loop is closed" noise, no hang."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from colonykit import Client

    async def main():
        server, key, pid = sys.argv[1:4]
        client = Client(server, key)
        never_iterated = client.subscribe_channel(pid, "c")
        pending_next = asyncio.ensure_future(client.subscribe_channel(pid, "c").next())

        async def consume():
            async for _ in client.subscribe_channel(pid, "c"):
                pass

        tasks = [
            asyncio.create_task(consume()),
            asyncio.create_task(client.wait_for_state(pid, "success", timeout=60)),
            asyncio.create_task(client.get_process(pid)),
        ]
        await asyncio.sleep(0.5)
        print("leaving", flush=True)

    asyncio.run(main())
    """
)


async def test_pending_streams_and_calls_at_exit(colony):
    process = await colony.running("c")
    started = time.monotonic()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        colony.server_url,
        colony.user_key,
        process.processid,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == 0, err.decode()
    assert out.decode() == "leaving\n"
    assert err.decode() == ""
    assert time.monotonic() - started < 10


BURST = textwrap.dedent(
    """
    import asyncio, sys
    from colonykit import Client

    async def main():
        client = Client(sys.argv[1])
        # Results still being handed back while the program ends.
        await asyncio.gather(*(client.server_version() for _ in range(100)))
        for _ in range(50):
            asyncio.ensure_future(client.server_version())
        await client.server_version()

    asyncio.run(main())
    """
)


async def test_exit_right_after_many_calls(colony):
    """Ending while results are being handed back never crashes nor prints anything."""
    for _ in range(10):
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            BURST,
            colony.server_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(child.communicate(), 30)
        assert child.returncode == 0, err.decode()
        assert (out, err) == (b"", b"")
