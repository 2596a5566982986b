"""SyncClient: the blocking twin of Client — the same methods, records and errors, streams as
plain iterators, threads, a running event loop, and Ctrl-C."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import colonykit
import pytest
from colonykit import Client, FunctionSpec, SyncClient

# The async context-manager and iterator methods and their blocking counterparts.
ASYNC_ONLY = {"__aenter__", "__aexit__", "__aiter__", "__anext__", "aclose"}
BLOCKING_ONLY = {"__enter__", "__exit__", "__iter__", "__next__"}


def methods(cls: type) -> set[str]:
    return {
        name
        for name in dir(cls)
        if not name.startswith("__") or name in ASYNC_ONLY | BLOCKING_ONLY
        if name not in dir(object) or name in ("__repr__",)
    }


@pytest.mark.parametrize(
    ("async_class", "blocking_class"),
    [
        (colonykit.Client, colonykit.SyncClient),
        (colonykit.Subscription, colonykit.SyncSubscription),
        (colonykit.ChannelSubscription, colonykit.SyncChannelSubscription),
        (colonykit.ProcessSubscription, colonykit.SyncProcessSubscription),
        (colonykit.ChannelWriter, colonykit.SyncChannelWriter),
    ],
)
def test_every_method_has_a_twin(async_class, blocking_class):
    """A method of one class and not the other fails here (the compiled module, not the stubs)."""
    have_async = methods(async_class) - ASYNC_ONLY
    have_blocking = methods(blocking_class) - BLOCKING_ONLY
    assert have_async == have_blocking
    assert ASYNC_ONLY & methods(async_class) and BLOCKING_ONLY & methods(blocking_class)


def test_same_constructor_arguments_and_errors(server_url):
    client = SyncClient(server_url, timeout=5)
    assert repr(client) == f"SyncClient(server='{server_url}/api', id=None)"
    assert client.server == Client(server_url).server
    with pytest.raises(colonykit.InvalidArgumentError, match="malformed server address"):
        SyncClient("ftp://nowhere")
    with pytest.raises(TypeError):
        SyncClient(server_url, nonsense=1)
    key = colonykit.generate_key()
    signer = client.with_key(key)
    assert isinstance(signer, SyncClient) and signer.id == colonykit.key_id(key)


def test_from_env(server_url, monkeypatch):
    host, port = server_url.removeprefix("http://").split(":")
    monkeypatch.setenv("COLONIES_SERVER_HOST", host)
    monkeypatch.setenv("COLONIES_SERVER_PORT", port)
    monkeypatch.setenv("COLONIES_TLS", "false")
    monkeypatch.delenv("COLONIES_PRVKEY", raising=False)
    with SyncClient.from_env() as client:
        assert isinstance(client, SyncClient) and client.id is None
        assert isinstance(client.server_version(), colonykit.ServerVersion)


async def test_the_same_records_and_errors_as_the_async_client(colony):
    user, executor = colony.sync("user"), colony.sync("executor")
    submitted = user.submit(colony.spec(channels=["c"]))
    assert isinstance(submitted, colonykit.Process)
    assert submitted == await colony.user.get_process(submitted.processid)
    process = executor.assign(colony.colonyname, 10)
    assert process.processid == submitted.processid
    executor.append(process.processid, "c", 1, "one")
    assert user.read_channel(process.processid, "c") == await colony.user.read_channel(
        process.processid, "c"
    )
    executor.close(process.processid, ["done"])
    done = user.wait_for_state(process.processid, "success", 10)
    assert done.output == ["done"]
    with pytest.raises(colonykit.NotFoundError) as caught:
        user.get_process("0" * 64)
    assert caught.value.kind == "NotFound"
    with pytest.raises(TypeError, match="processid"):
        user.get_process(42)
    # Optional arguments: left out or None take the row's defaults, as in Client.
    assert user.get_processes(colony.colonyname, state="success") == [done]


async def test_channel_stream_is_a_plain_iterator(colony):
    process = await colony.running("progress")
    pid = process.processid
    executor, user = colony.sync("executor"), colony.sync("user")
    for i in range(1, 4):
        executor.append(pid, "progress", i, f"step {i}")

    def produce():
        for i in range(4, 7):
            executor.append(pid, "progress", i, f"step {i}")
        executor.append(pid, "progress", 7, b"", kind="end")

    producer = threading.Thread(target=produce)
    subscription = user.subscribe_channel(pid, "progress")
    assert isinstance(subscription, colonykit.SyncChannelSubscription)
    assert subscription.processid == pid and subscription.channel == "progress"
    producer.start()
    seen = [(entry.sequence, entry.payload) for entry in subscription]
    producer.join()
    assert seen == [(i, f"step {i}".encode()) for i in range(1, 7)] + [(7, b"")]
    assert subscription.closed
    # after= skips entries; next() gives None at the end.
    with user.subscribe_channel(pid, "progress", after=5) as later:
        assert later.next().sequence == 6
        assert later.next().kind == "end"
        assert later.next() is None


async def test_break_close_and_with_close_the_stream(colony):
    process = await colony.running("c")
    executor, user = colony.sync("executor"), colony.sync("user")
    for i in range(1, 4):
        executor.append(process.processid, "c", i, "x")
    subscription = user.subscribe_channel(process.processid, "c")
    for _ in subscription:
        break
    assert subscription.closed
    with user.subscribe_channel(process.processid, "c") as inside:
        assert next(iter(inside)).sequence == 1
    assert inside.closed
    other = user.subscribe_channel(process.processid, "c")
    assert not other.closed
    other.close()
    assert other.closed and list(other) == []


async def test_close_from_another_thread_ends_a_waiting_loop(colony):
    process = await colony.running("c")
    subscription = colony.sync("user").subscribe_channel(process.processid, "c")
    timer = threading.Timer(0.3, subscription.close)
    timer.start()
    assert list(subscription) == []
    timer.join()


async def test_stream_contract_timeout_and_closed_process(colony):
    process = await colony.running("c")
    user, executor = colony.sync("user"), colony.sync("executor")
    with pytest.raises(colonykit.TimeoutError):
        for _ in user.subscribe_channel(process.processid, "c", idle_timeout=0.3):
            pass
    threading.Timer(0.3, executor.close, (process.processid,)).start()
    with pytest.raises(colonykit.ProcessClosedError):
        for _ in user.subscribe_channel(process.processid, "c"):
            pass


async def test_channel_writer(colony):
    process = await colony.running("c", "d")
    executor = colony.sync("executor")
    writer = executor.channel_writer(process.processid, "c")
    assert isinstance(writer, colonykit.SyncChannelWriter)
    assert [writer.send(f"part {i}") for i in range(3)] == [1, 2, 3]
    stats = writer.end()
    assert stats.written == 4 and writer.finished
    with pytest.raises(colonykit.InvalidArgumentError, match="finished"):
        writer.send("more")
    with executor.channel_writer(process.processid, "d", first_sequence=10) as other:
        other.send("x")
    assert other.finished
    entries = colony.sync("user").read_channel(process.processid, "d")
    assert [e.sequence for e in entries] == [10]


async def test_process_streams(colony):
    executor = colony.sync("executor")
    user = colony.sync("user")
    work = executor.assignments(colony.colonyname, poll=1)
    assert isinstance(work, colonykit.SyncProcessSubscription)
    submitted = user.submit(colony.spec())
    for process in work:
        assert process.processid == submitted.processid
        break
    assert work.closed
    # Process events are per executor type on the whole server: this colony's own type.
    executortype = unique_type(colony)
    with executor.subscribe_processes(executortype, "waiting") as events:
        assert isinstance(events, colonykit.SyncProcessSubscription)
        threading.Event().wait(0.3)
        watched = user.submit(
            FunctionSpec("f", executortype=executortype, colonyname=colony.colonyname)
        )
        seen = next(iter(events))
        assert seen.processid == watched.processid
    assert events.closed


def unique_type(colony) -> str:
    """A new executor type, and an executor of it in the colony (approved)."""
    executortype = f"py-sync-{uuid.uuid4().hex[:8]}"
    owner = colony.sync("owner")
    key = colonykit.generate_key()
    name = f"watcher-{uuid.uuid4().hex[:8]}"
    owner.add_executor(colonykit.key_id(key), executortype, name, colony.colonyname)
    owner.approve_executor(colony.colonyname, name)
    return executortype


async def test_a_subscription_closed_before_any_event_can_take_one_from_the_next(colony):
    """Server finding (docs/server-findings.md): a process subscription closed before its first
    event stays registered until the server fails to write to it. The server gives each event
    to one listener of the type, in the order of their IDs sorted as text, so the closed one
    takes and loses the first event or the next; the live subscription gets the other."""
    executortype = unique_type(colony)
    executor, user = colony.sync("executor"), colony.sync("user")
    early = executor.subscribe_processes(executortype, "waiting")
    threading.Event().wait(0.3)
    early.close()
    with executor.subscribe_processes(executortype, "waiting") as events:
        threading.Event().wait(0.3)
        submitted = {
            user.submit(
                FunctionSpec("f", executortype=executortype, colonyname=colony.colonyname)
            ).processid
            for _ in range(2)
        }
        threading.Timer(3, events.close).start()
        seen = [process.processid for process in events]
    assert len(seen) == 1 and seen[0] in submitted


async def test_many_threads_share_one_client(colony):
    user = colony.sync("user")
    processes = [user.submit(colony.spec()) for _ in range(4)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(10):
                assert user.get_process(processes[n % 4].processid) == processes[n % 4]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


async def test_works_where_an_event_loop_is_running_and_beside_async_code(colony):
    """As in a notebook: a blocking call from inside a running loop, and both clients at once."""
    assert asyncio.get_running_loop().is_running()
    user = colony.sync("user")
    submitted = user.submit(colony.spec())
    both = await asyncio.gather(
        colony.user.get_process(submitted.processid),
        asyncio.to_thread(user.get_process, submitted.processid),
    )
    assert both == [submitted, submitted]


async def test_the_gil_is_released_while_waiting(colony):
    """Another Python thread runs all through a blocking wait (an assign with no work, ~1 s)."""
    executor = colony.sync("executor")
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        before, started = count[0], time.monotonic()
        assert executor.assign(colony.colonyname, 1) is None
        during, took = count[0] - before, time.monotonic() - started
        # The same time in a plain wait, which releases the GIL: what the spinner can do.
        before = count[0]
        threading.Event().wait(took)
        asleep = count[0] - before
    finally:
        stop.set()
        spinner.join()
    # Holding the GIL through the call would leave the spinner a switch interval or two (~1%).
    assert during > asleep * 0.25, (during, asleep)


def test_ctrl_c_interrupts_a_blocking_wait(colony_sync_settings, tmp_path):
    """SIGINT reaches a SyncClient call that waits (a long assign) as KeyboardInterrupt."""
    server_url, colonyname, executor_key = colony_sync_settings
    script = tmp_path / "wait.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            import colonykit
            client = colonykit.SyncClient({server_url!r}, {executor_key!r})
            try:
                print("waiting", flush=True)
                client.assign({colonyname!r}, 120)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                sys.exit(3)
            """
        )
    )
    child = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "waiting\n"
    # Let the call reach its wait (the server holds an assign for up to its timeout).
    threading.Event().wait(0.5)
    os.kill(child.pid, signal.SIGINT)
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("Ctrl-C did not interrupt the blocking assign") from None
    assert (child.returncode, out) == (3, "interrupted\n"), err


@pytest.fixture
async def colony_sync_settings(colony):
    return colony.server_url, colony.colonyname, colony.executor_key


def test_signatures_match(server_url):
    """Blocking methods take the same arguments as their async twins."""
    for name in methods(Client) - ASYNC_ONLY:
        if name in ("__init__", "__new__", "from_env", "__repr__", "id", "server"):
            continue
        a, b = getattr(Client, name), getattr(SyncClient, name)
        if callable(a):
            assert inspect.signature(a) == inspect.signature(b), name
