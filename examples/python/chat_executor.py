"""Chat, executor side: answers each client message (odd sequences) on the next even sequence,
with `inreplyto`; after "bye" the handler returns, and the framework sends `end` (sequence 8)
and closes the process."""

from __future__ import annotations

import asyncio

import _common
from colonykit import Client
from colonykit.executor import Context, Executor


def answer(message: str) -> str:
    """The executor's answer to one message."""
    message = message.lower()
    if message in ("hello", "hi"):
        return "Hello! How can I help you?"
    if message in ("bye", "goodbye"):
        return "Goodbye!"
    return "I received your message."


async def run(client: Client, colonyname: str) -> None:
    """Runs one chat process."""
    executor = Executor(client, colonyname, max_processes=1)

    @executor.function("chat")
    async def chat(ctx: Context) -> None:
        # The client writes the odd sequences, this executor the even ones.
        replies = ctx.channel("chat", first_sequence=2, step=2)
        async with ctx.client.subscribe_channel(ctx.processid, "chat") as incoming:
            async for entry in incoming:
                if entry.senderid == ctx.client.id:
                    continue  # our own answers come back too
                message = entry.payload.decode()
                print(f"executor: got #{entry.sequence} {message!r}", flush=True)
                await replies.reply(entry.sequence, answer(message))
                if message.lower() == "bye":
                    return

    await executor.run()


async def main() -> None:
    colonyname, _ = _common.colony()
    async with _common.executor() as client:
        await run(client, colonyname)


if __name__ == "__main__":
    asyncio.run(main())
