"""The three channel patterns of examples/python/, client and executor running concurrently.

The executor starts assigning once the client's submit has returned: server v1.9.12 creates a
process's channels just after storing the process, and an assign that lands in between leaves
the channels without their executor, whose appends then fail with 403 "Not authorized to write
to channel" for good.
"""

from __future__ import annotations

import asyncio

import chat_client
import chat_executor
import colonykit
import progress_client
import progress_executor
import pytest
import sync_client
import sync_executor
from colonykit import Client, FunctionSpec, Process
from colonykit.executor import Context, Executor


class Submitter:
    """The client, telling when its submit has returned."""

    def __init__(self, client: Client):
        self.client = client
        self.submitted = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self.client, name)

    async def submit(self, spec: FunctionSpec) -> Process:
        process = await self.client.submit(spec)
        self.submitted.set()
        return process


async def both(colony, client_run, executor_run, **executor_options):
    """Runs a client and, once it has submitted, an executor; returns the client's result."""
    submitter = Submitter(colony.user)
    client = asyncio.create_task(client_run(submitter, colony.colonyname, colony.executortype))
    await asyncio.wait_for(submitter.submitted.wait(), 30)
    executor = asyncio.create_task(
        executor_run(colony.executor, colony.colonyname, **executor_options)
    )
    result = await asyncio.wait_for(client, 60)
    await asyncio.wait_for(executor, 10)
    return result


async def test_progress(colony, capsys):
    entries, output = await both(colony, progress_client.run, progress_executor.run, delay=0.02)
    assert [(e.sequence, e.kind, e.payload.decode()) for e in entries] == [
        (i, "data", f"step {i}/10") for i in range(1, 11)
    ] + [(11, "end", "")]
    assert output == ["done"]
    printed = capsys.readouterr().out
    assert "client: #1 data step 1/10" in printed and 'client: output ["done"]' in printed


async def test_chat(colony):
    answers = await both(colony, chat_client.run, chat_executor.run)
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
    results, output = await both(colony, sync_client.run, sync_executor.run)
    assert results == [f"result {i}" for i in range(1, 6)]
    assert output == ["synced"]


async def test_a_failing_executor_ends_the_clients_stream(colony):
    """A handler that raises fails its process: the client stops waiting."""

    pid = (await colony.user.submit(colony.spec("p", channels=["progress"]))).processid
    executor = Executor(colony.executor, colony.colonyname, max_processes=1)

    @executor.function("p")
    async def p(ctx: Context) -> None:
        await ctx.channel("undeclared").send("x")

    await asyncio.wait_for(executor.run(), 30)
    with pytest.raises(colonykit.ProcessClosedError):
        async for _ in colony.user.subscribe_channel(pid, "progress"):
            pass
    failed = await colony.user.get_process(pid)
    assert failed.state == colonykit.ProcessState.FAILED
    assert failed.errors[0].startswith("InvalidArgumentError: ")
