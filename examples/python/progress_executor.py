"""Stream progress, executor side: runs one "progress" process, reporting each step on its
"progress" channel (sequences 1..10), then `end` (11), and closes it with output ["done"]."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client

STEPS = 10


async def run(executor: Client, colonyname: str, *, delay: float = 0.1) -> str:
    """Runs one progress process; returns its ID."""
    process = await _common.assign_one(executor, colonyname, "progress")
    pid = process.processid
    async with _common.failing_on_error(executor, pid):
        for step in range(1, STEPS + 1):
            await asyncio.sleep(delay)  # the work
            await executor.append(pid, "progress", step, f"step {step}/{STEPS}")
        await executor.append(pid, "progress", STEPS + 1, b"", kind="end")
        await executor.close(pid, ["done"])
    print(f"executor: process {pid} done", flush=True)
    return pid


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as executor:
        await run(executor, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
