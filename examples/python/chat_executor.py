"""Chat, executor side: answers each client message (odd sequences) on the next even sequence,
with `inreplyto`; after "bye" it sends `end` (sequence 8) and closes the process."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client


def answer(message: str) -> str:
    """The executor's answer to one message."""
    message = message.lower()
    if message in ("hello", "hi"):
        return "Hello! How can I help you?"
    if message in ("bye", "goodbye"):
        return "Goodbye!"
    return "I received your message."


async def run(executor: Client, colonyname: str) -> str:
    """Runs one chat process; returns its ID."""
    process = await _common.assign_one(executor, colonyname, "chat")
    pid = process.processid
    async with _common.failing_on_error(executor, pid):
        async with executor.subscribe_channel(pid, "chat") as chat:
            async for entry in chat:
                if entry.senderid == executor.id:
                    continue  # our own answers come back too
                message = entry.payload.decode()
                print(f"executor: got #{entry.sequence} {message!r}", flush=True)
                await executor.append(
                    pid, "chat", entry.sequence + 1, answer(message), inreplyto=entry.sequence
                )
                if message.lower() == "bye":
                    await executor.append(pid, "chat", entry.sequence + 3, b"", kind="end")
                    break
        await executor.close(pid)
    return pid


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as executor:
        await run(executor, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
