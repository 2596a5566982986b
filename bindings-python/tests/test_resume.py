"""A channel stream survives dropped connections (the core resumes it): through a loopback
proxy that the test cuts every few entries, nothing is lost and nothing repeated."""

import asyncio
import logging
from urllib.parse import urlsplit

from colonykit import Client


class Proxy:
    """Forwards connections to the server; `drop_all` cuts every open one."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.scheme = parts.scheme
        self.upstream = (parts.hostname, parts.port)
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"{self.scheme}://{host}:{port}"

    async def _forward(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers += [writer, up_writer]

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def drop_all(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.drop_all()
        self.server.close()
        await self.server.wait_closed()


async def test_a_stream_survives_dropped_connections(colony):
    entries, drop_every = 100, 5
    process = await colony.running("data")
    pid = process.processid
    proxy = Proxy(colony.server_url)
    through_proxy = Client(await proxy.start(), colony.user_key, **colony.tls)

    async def produce():
        writer = await colony.executor.channel_writer(pid, "data")
        for i in range(1, entries + 1):
            await writer.send(i.to_bytes(2, "big"))
        await writer.end()

    producer = asyncio.create_task(produce())
    received, drops = [], 0
    try:
        async with asyncio.timeout(60):
            async for entry in through_proxy.subscribe_channel(pid, "data"):
                received.append(entry.sequence)
                if entry.sequence % drop_every == 0 and entry.sequence < entries:
                    proxy.drop_all()
                    drops += 1
        await producer
    finally:
        await proxy.close()
    print(f"[resume] drops survived: {drops}, entries: {len(received)}")
    assert drops >= 19
    assert received == list(range(1, entries + 2))


async def test_a_resumed_stream_is_logged(colony, caplog):
    caplog.set_level(logging.INFO, logger="colonykit")
    process = await colony.running("data")
    pid = process.processid
    proxy = Proxy(colony.server_url)
    through_proxy = Client(await proxy.start(), colony.user_key, **colony.tls)
    writer = await colony.executor.channel_writer(pid, "data")
    received = []
    try:
        async with asyncio.timeout(30):
            await writer.send(b"secret payload one")
            async for entry in through_proxy.subscribe_channel(pid, "data"):
                received.append(entry.sequence)
                if entry.sequence == 1:
                    proxy.drop_all()
                    await writer.send(b"secret payload two")
                    await writer.end()
    finally:
        await proxy.close()
    assert received == [1, 2, 3]
    lines = [r for r in caplog.records if r.name.startswith("colonykit") and pid in r.getMessage()]
    assert any(r.levelno == logging.INFO and "reconnected" in r.getMessage() for r in lines), [
        r.getMessage() for r in caplog.records
    ]
    for record in caplog.records:
        message = record.getMessage()
        assert colony.user_key not in message and "secret payload" not in message
