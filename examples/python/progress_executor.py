"""Stream progress, executor side: runs one "progress" process, reporting each step on its
"progress" channel (sequences 1..10); the framework then sends `end` (11) and closes the
process with output ["done"]."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client
from colonykit.executor import Context, Executor

STEPS = 10


async def run(client: Client, colonyname: str, *, delay: float = 0.1) -> None:
    """Runs one progress process."""
    executor = Executor(client, colonyname, max_processes=1)

    @executor.function("progress")
    async def progress(ctx: Context) -> str:
        channel = ctx.channel("progress")
        for step in range(1, STEPS + 1):
            await asyncio.sleep(delay)  # the work
            await channel.send(f"step {step}/{STEPS}")
        print(f"executor: process {ctx.processid} done", flush=True)
        return "done"

    await executor.run()


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as client:
        await run(client, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
