"""The three channel patterns of examples/python/, client and executor running concurrently."""

from __future__ import annotations

import asyncio

import chat_client
import chat_executor
import progress_client
import progress_executor
import sync_client
import sync_executor


async def test_progress(colony, capsys):
    executor = asyncio.create_task(
        progress_executor.run(colony.executor, colony.colonyname, delay=0.02)
    )
    entries, output = await asyncio.wait_for(
        progress_client.run(colony.user, colony.colonyname, colony.executortype), 60
    )
    await asyncio.wait_for(executor, 10)
    assert [(e.sequence, e.kind, e.payload.decode()) for e in entries] == [
        (i, "data", f"step {i}/10") for i in range(1, 11)
    ] + [(11, "end", "")]
    assert output == ["done"]
    printed = capsys.readouterr().out
    assert "client: #1 data step 1/10" in printed and 'client: output ["done"]' in printed


async def test_chat(colony):
    executor = asyncio.create_task(chat_executor.run(colony.executor, colony.colonyname))
    answers = await asyncio.wait_for(
        chat_client.run(colony.user, colony.colonyname, colony.executortype), 60
    )
    await asyncio.wait_for(executor, 10)
    assert answers == ["Hello! How can I help you?", "I received your message.", "Goodbye!"]


async def test_chat_log_before_close(colony):
    """The chat's sequence numbers and replies, read before the executor closes."""
    pid = (await colony.user.submit(colony.spec("chat", channels=["chat"]))).processid
    executor_task = asyncio.create_task(chat_executor.run(colony.executor, colony.colonyname))
    entries = []
    async with colony.user.subscribe_channel(pid, "chat") as chat:
        for sequence, message in zip((1, 3, 5), chat_client.MESSAGES):
            await colony.user.append(pid, "chat", sequence, message)
            while (entry := await chat.next()) is not None:
                entries.append(entry)
                if entry.inreplyto == sequence:
                    break
        entries.extend([e async for e in chat])
    await asyncio.wait_for(executor_task, 10)
    mine = [(e.sequence, e.payload.decode()) for e in entries if e.senderid == colony.user.id]
    theirs = [
        (e.sequence, e.inreplyto, e.kind) for e in entries if e.senderid == colony.executor.id
    ]
    assert mine == [(1, "hello"), (3, "how are you?"), (5, "bye")]
    assert theirs == [(2, 1, "data"), (4, 3, "data"), (6, 5, "data"), (8, 0, "end")]


async def test_sync(colony):
    executor = asyncio.create_task(sync_executor.run(colony.executor, colony.colonyname))
    results, output = await asyncio.wait_for(
        sync_client.run(colony.user, colony.colonyname, colony.executortype), 60
    )
    await asyncio.wait_for(executor, 10)
    assert results == [f"result {i}" for i in range(1, 6)]
    assert output == ["synced"]
