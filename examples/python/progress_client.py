"""Stream progress, client side: submits a "progress" process and prints each entry as it
arrives, then waits for SUCCESS and prints the output."""

from __future__ import annotations

import asyncio
import json

import _common
from colonykit import ChannelEntry, Client, ProcessState


async def run(
    client: Client, colonyname: str, executortype: str
) -> tuple[list[ChannelEntry], list]:
    """Submits, follows the progress channel; returns the entries and the output."""
    spec = _common.spec("progress", ["progress"], colonyname, executortype)
    process = await client.submit(spec)
    print(f"client: submitted {process.processid}", flush=True)
    # The submitter may subscribe before the process is assigned: nothing is missed.
    entries = []
    async for entry in client.subscribe_channel(process.processid, "progress"):
        entries.append(entry)
        print(f"client: #{entry.sequence} {entry.kind} {entry.payload.decode()}", flush=True)
    done = await client.wait_for_state(process.processid, ProcessState.SUCCESS, timeout=30)
    print(f"client: output {json.dumps(done.output)}", flush=True)
    return entries, done.output


async def main() -> None:
    colonyname, executortype = _common.colony()
    async with _common.user() as client:
        await run(client, colonyname, executortype)


if __name__ == "__main__":
    asyncio.run(main())
