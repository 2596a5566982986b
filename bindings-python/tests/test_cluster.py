"""A client of a three-node cluster (``make test-cluster`` runs this file with
``COLONYKIT_SERVER_ENV`` naming the cluster's settings; elsewhere it is skipped): channels meet
on their home node whatever order each side was given the nodes in, and a lost home is a
``ChannelLostError``."""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from colonykit import ChannelLostError, Client, SyncClient
from conftest import ROOT, SERVER_ENV, read_env

SETTINGS = read_env(SERVER_ENV) if SERVER_ENV.exists() else {}
NODES = [f"http://{node}" for node in SETTINGS.get("COLONIES_SERVERS", "").split(",") if node]
NAMES = SETTINGS.get("COLONYKIT_NODES", "").split(",")

pytestmark = pytest.mark.skipif(len(NODES) < 3, reason="needs the cluster: make test-cluster")


def node(action: str, name: str) -> None:
    """``tests/server/node ACTION NAME`` on the cluster instance."""
    subprocess.run(
        [str(ROOT / "tests" / "server" / "node"), action, name],
        env={**os.environ, "COLONYKIT_INSTANCE": "cluster"},
        check=True,
    )


async def test_a_client_and_an_executor_given_the_nodes_in_other_orders_meet(colony):
    user = Client(NODES, colony.user_key)
    executor = SyncClient(NODES[::-1], colony.executor_key)
    assert user.servers == [f"{n}/api" for n in NODES]
    process = await user.submit(colony.spec(channels=["out"]))
    assigned = await asyncio.to_thread(executor.assign, colony.colonyname, 10)
    assert assigned is not None and assigned.processid == process.processid

    def serve() -> None:
        with executor.channel_writer(process.processid, "out") as writer:
            for n in range(3):
                writer.send(f"entry {n}")
            writer.end()

    await asyncio.to_thread(serve)
    payloads = [entry.payload async for entry in user.subscribe_channel(process.processid, "out")]
    assert payloads == [b"entry 0", b"entry 1", b"entry 2", b""]
    await asyncio.to_thread(executor.close, process.processid)


async def test_losing_the_node_of_a_channel_raises_channel_lost(colony):
    user = Client(NODES[1:] + NODES[:1], colony.user_key)
    executor = Client(NODES, colony.executor_key)
    process = await user.submit(colony.spec(channels=["out"]))
    assert (await executor.assign(colony.colonyname, 10)) is not None
    await executor.append(process.processid, "out", 1, b"before")
    stream = user.subscribe_channel(process.processid, "out")
    assert (await stream.__anext__()).payload == b"before"
    # The home is the node whose own copy of the channel holds the entry.
    home = None
    for name, address in zip(NAMES, NODES):
        if await Client(address, colony.user_key).read_channel(process.processid, "out"):
            home = name
    assert home is not None
    node("kill", home)
    try:
        with pytest.raises(ChannelLostError, match="is lost: the cluster node"):
            await asyncio.wait_for(stream.__anext__(), 30)
        with pytest.raises(ChannelLostError):
            await executor.append(process.processid, "out", 2, b"after")
        await executor.close(process.processid)
    finally:
        node("start", home)
