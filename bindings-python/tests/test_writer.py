"""The channel writer: ordered, numbered appends, several in flight."""

from __future__ import annotations

import asyncio
import pickle

import colonykit
import pytest


async def test_send_reply_end(colony):
    process = await colony.running("w")
    pid = process.processid
    writer = await colony.executor.channel_writer(pid, "w")
    assert isinstance(writer, colonykit.ChannelWriter)
    assert (writer.processid, writer.channel, writer.finished) == (pid, "w", False)
    assert [await writer.send(f"entry {i}") for i in range(1, 4)] == [1, 2, 3]
    assert await writer.reply(7, b"answer") == 4
    stats = await writer.end()
    assert isinstance(stats, colonykit.WriterStats)
    assert (stats.written, stats.reordered) == (5, 0)
    assert repr(stats).startswith("WriterStats(written=5,")
    assert writer.finished
    with pytest.raises(colonykit.InvalidArgumentError, match="finished"):
        await writer.send("late")
    entries = await colony.user.read_channel(pid, "w")
    assert [(e.sequence, e.kind, e.inreplyto) for e in entries] == [
        (1, "data", 0),
        (2, "data", 0),
        (3, "data", 0),
        (4, "data", 7),
        (5, "end", 0),
    ]


async def test_numbering_error_and_async_with(colony):
    process = await colony.running("odd", "other")
    pid = process.processid
    async with await colony.user.channel_writer(pid, "odd", first_sequence=1, step=2) as writer:
        assert await writer.send("a") == 1
        assert await writer.send("b") == 3
    assert writer.finished
    assert [e.sequence for e in await colony.user.read_channel(pid, "odd")] == [1, 3]

    writer = await colony.executor.channel_writer(pid, "other", max_in_flight=4)
    await writer.send("x")
    stats = await writer.error("it broke")
    assert stats.written == 2
    entries = [e async for e in colony.user.subscribe_channel(pid, "other")]
    assert [(e.kind, e.payload) for e in entries] == [("data", b"x"), ("error", b"it broke")]


async def test_bad_writer_options_and_payloads(colony):
    process = await colony.running("w")
    with pytest.raises(colonykit.InvalidArgumentError):
        await colony.executor.channel_writer(process.processid, "w", step=0)
    writer = await colony.executor.channel_writer(process.processid, "w")
    with pytest.raises(TypeError, match="payload must be bytes or str"):
        await writer.send(5)  # type: ignore[arg-type]
    await writer.finish()
    with pytest.raises(colonykit.InvalidArgumentError):
        await writer.finish()


async def test_a_writer_that_gives_up_says_what_was_not_accepted():
    # A server that reads requests and never answers: the writer waits for its answers within
    # the client's timeout, reconnects until then, and gives up saying what was not accepted.
    async def silent(reader, writer):
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    client = colonykit.Client(f"http://{host}:{port}", colonykit.generate_key(), timeout=1)
    try:
        writer = await client.channel_writer("p", "c")
        await writer.send(b"one")
        with pytest.raises((colonykit.TimeoutError, colonykit.ConnectionError)) as caught:
            await asyncio.wait_for(writer.end(), 10)
    finally:
        server.close()
    progress = caught.value.write_progress
    assert progress == colonykit.WriteProgress(accepted=0, not_accepted=(1, 2))
    assert "not accepted: 1, 2" in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).write_progress == progress
