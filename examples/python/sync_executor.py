"""Sync-ack, executor side: streams 5 results on "output"; the framework sends `end` and closes
the process with output ["synced"] only after the client's acknowledgement on "sync"."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client
from colonykit.executor import Context, Executor


async def run(client: Client, colonyname: str) -> None:
    """Runs one sync process."""
    executor = Executor(client, colonyname, max_processes=1)

    @executor.function("sync", sync="sync", sync_timeout=30)
    async def sync(ctx: Context) -> str:
        output = ctx.channel("output")
        for i in range(1, 6):
            await output.send(f"result {i}")
        print(f"executor: process {ctx.processid} waits for the acknowledgement", flush=True)
        return "synced"

    await executor.run()


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as client:
        await run(client, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
