"""Chat, client side: sends three messages on sequences 1, 3, 5 and prints each answer
(sequences 2, 4, 6, with `inreplyto`) until the executor's `end`."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client, ProcessState

MESSAGES = ["hello", "how are you?", "bye"]


async def run(client: Client, colonyname: str, executortype: str) -> list[str]:
    """Submits a chat process and talks to it; returns the answers."""
    process = await client.submit(_common.spec("chat", ["chat"], colonyname, executortype))
    pid = process.processid
    print(f"client: submitted {pid}", flush=True)
    answers = []
    # Subscribe first, so that no answer can be missed.
    async with client.subscribe_channel(pid, "chat") as chat:
        for i, message in enumerate(MESSAGES):
            sequence = 2 * i + 1
            print(f"client: you #{sequence}: {message}", flush=True)
            await client.append(pid, "chat", sequence, message)
            # Wait for the answer to this message.
            while (entry := await chat.next()) is not None:
                if entry.senderid != client.id and entry.inreplyto == sequence:
                    answers.append(entry.payload.decode())
                    print(
                        f"client: bot #{entry.sequence} (re #{entry.inreplyto}): {answers[-1]}",
                        flush=True,
                    )
                    break
        # Drain until the executor's end.
        async for entry in chat:
            if entry.kind == "end":
                print("client: chat ended", flush=True)
    await client.wait_for_state(pid, ProcessState.SUCCESS, timeout=30)
    return answers


async def main() -> None:
    colonyname, executortype = _common.colony()
    async with _common.user() as client:
        await run(client, colonyname, executortype)


if __name__ == "__main__":
    asyncio.run(main())
