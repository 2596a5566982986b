"""Fork safety: a child made by fork gets a working client (its own runtime and connections),
whether it uses a client of its parent or a new one; spawn works too; the parent goes on."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading

import colonykit
import pytest

# The client a forked child inherits (set by the parent before forking).
inherited: colonykit.SyncClient | None = None


def stream_in_child(pid: str) -> list[tuple[int, bytes]]:
    """A worker: streams a channel to its end with the client it inherited from its parent."""
    assert inherited is not None
    return [(entry.sequence, entry.payload) for entry in inherited.subscribe_channel(pid, "c")]


def calls_in_child(settings: tuple[str, str, str]) -> tuple[int, str]:
    """A worker: a new blocking client and an async one, each making calls."""
    server_url, key, processid = settings
    fresh = colonykit.SyncClient(server_url, key, timeout=10)
    state = fresh.get_process(processid).state

    async def asynchronous() -> str:
        return (await colonykit.Client(server_url, key).get_process(processid)).processid

    return int(state), asyncio.run(asynchronous())


def inherited_call(processid: str) -> str:
    assert inherited is not None
    return inherited.get_process(processid).processid


@pytest.fixture
def sync_colony(colony):
    global inherited
    inherited = colony.sync("user")
    yield colony
    inherited = None


async def test_a_pool_of_forked_workers_streams_while_the_parent_works(sync_colony):
    colony = sync_colony
    user, executor = colony.sync("user"), colony.sync("executor")
    processes = []
    for _ in range(8):
        user.submit(colony.spec(channels=["c"]))
        processes.append(executor.assign(colony.colonyname, 10))
    # The parent has used its client (runtime started, connections pooled) before forking.
    assert inherited is not None and inherited.get_process(processes[0].processid)
    for process in processes:
        executor.append(process.processid, "c", 1, "before the fork")

    context = multiprocessing.get_context("fork")
    with context.Pool(8) as pool:
        streams = pool.map_async(stream_in_child, [p.processid for p in processes])
        # Meanwhile the parent keeps working: with the same client, and the executor writes.
        for sequence in range(2, 12):
            for process in processes:
                executor.append(process.processid, "c", sequence, f"entry {sequence}")
            assert inherited.get_process(processes[0].processid).processid
        for process in processes:
            executor.append(process.processid, "c", 12, b"", kind="end")
        results = await asyncio.to_thread(streams.get, 60)
    expected = (
        [(1, b"before the fork")] + [(s, f"entry {s}".encode()) for s in range(2, 12)] + [(12, b"")]
    )
    assert results == [expected] * 8
    # And the parent's client still works after the children are gone.
    assert inherited.get_process(processes[-1].processid).processid == processes[-1].processid


@pytest.mark.parametrize("method", ["fork", "spawn"])
async def test_new_clients_in_a_child(sync_colony, method):
    colony = sync_colony
    process = colony.sync("user").submit(colony.spec())
    # Both kinds of client in use in the parent first (an async call goes through the runtime).
    await colony.user.get_process(process.processid)
    context = multiprocessing.get_context(method)
    with context.Pool(2) as pool:
        settings = (colony.server_url, colony.user_key, process.processid)
        results = await asyncio.to_thread(pool.map, calls_in_child, [settings, settings], 1)
    assert results == [(int(colonykit.ProcessState.WAITING), process.processid)] * 2


async def test_a_forked_child_uses_its_parents_client(sync_colony):
    colony = sync_colony
    process = colony.sync("user").submit(colony.spec())
    assert inherited is not None
    # Many calls in the parent, from several threads: idle connections in the pool at the fork.
    threads = [
        threading.Thread(target=inherited.get_process, args=(process.processid,)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        found = await asyncio.to_thread(pool.map, inherited_call, [process.processid] * 8)
    assert found == [process.processid] * 8
    assert inherited.get_process(process.processid).processid == process.processid


def test_a_bare_fork_child_exits_cleanly(server_url):
    """os.fork() after a call: the child calls, drops its parent's client and exits."""
    client = colonykit.SyncClient(server_url)
    client.server_version()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            client.server_version()
            del client
            colonykit.SyncClient(server_url).server_version()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The child dropped the parent's client: the parent's pooled connection still works.
    client.server_version()
