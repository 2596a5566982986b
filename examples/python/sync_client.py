"""Sync-ack, client side: reads "output" until `end`, acknowledges on "sync", then waits for
SUCCESS and prints the output."""

from __future__ import annotations

import asyncio
import json

import _common
from colonykit import Client, ProcessState


async def run(client: Client, colonyname: str, executortype: str) -> tuple[list[str], list]:
    """Submits a sync process, reads everything, acknowledges; returns results and output."""
    spec = _common.spec("sync", ["output", "sync"], colonyname, executortype)
    process = await client.submit(spec)
    pid = process.processid
    print(f"client: submitted {pid}", flush=True)
    results = []
    async for entry in client.subscribe_channel(pid, "output"):
        print(f"client: #{entry.sequence} {entry.kind} {entry.payload.decode()}", flush=True)
        if entry.kind == "data":
            results.append(entry.payload.decode())
    await client.acknowledge(pid, "sync")
    done = await client.wait_for_state(pid, ProcessState.SUCCESS, timeout=30)
    print(f"client: output {json.dumps(done.output)}", flush=True)
    return results, done.output


async def main() -> None:
    colonyname, executortype = _common.colony()
    async with _common.user() as client:
        await run(client, colonyname, executortype)


if __name__ == "__main__":
    asyncio.run(main())
