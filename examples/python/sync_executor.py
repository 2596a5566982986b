"""Sync-ack, executor side: streams 5 results on "output", sends `end`, and closes the process
with output ["synced"] only after the client's acknowledgement on "sync"."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client


async def run(executor: Client, colonyname: str) -> str:
    """Runs one sync process; returns its ID."""
    process = await _common.assign_one(executor, colonyname, "sync")
    pid = process.processid
    async with _common.failing_on_error(executor, pid):
        for i in range(1, 6):
            await executor.append(pid, "output", i, f"result {i}")
        await executor.append(pid, "output", 6, b"", kind="end")
        await executor.close_after_ack(pid, "sync", ["synced"], timeout=30)
    print(f"executor: acknowledged, process {pid} closed", flush=True)
    return pid


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as executor:
        await run(executor, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
