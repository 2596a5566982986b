"""The executor framework (colonykit.executor) against the real server: dispatch, results,
channels, unknown functions, concurrency, cancellation, deadlines, registration, SIGTERM."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import Optional

import colonykit
import pytest
from colonykit import ProcessState
from colonykit.executor import Context, Executor, Output, ProcessFailed

WAIT = 30.0


async def final(client: colonykit.Client, processid: str) -> colonykit.Process:
    give_up = time.monotonic() + WAIT
    while True:
        process = await client.get_process(processid)
        if process.state in (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED):
            return process
        assert time.monotonic() < give_up, f"process {processid} is still {process.state}"
        await asyncio.sleep(0.1)


async def until_state(client: colonykit.Client, processid: str, state: ProcessState) -> None:
    give_up = time.monotonic() + WAIT
    while (await client.get_process(processid)).state != state:
        assert time.monotonic() < give_up, f"process {processid} never became {state}"
        await asyncio.sleep(0.1)


def executor_of(colony, **options) -> Executor:
    return Executor(colony.executor, colony.colonyname, poll=1.0, **options)


async def test_dispatches_and_reports_results(colony):
    # Submitted before the executor polls: channels race an assign already waiting
    # (docs/server-findings.md).
    echoed = await colony.user.submit(colony.spec("echo", args=[1, "two"], kwargs={"three": 3}))
    threaded = await colony.user.submit(colony.spec("add", args=[2, 3]))
    raised = await colony.user.submit(colony.spec("bad"))
    unknown = await colony.user.submit(colony.spec("nosuch"))
    streamed = await colony.user.submit(colony.spec("progress", channels=["progress"]))
    entries = colony.user.subscribe_channel(streamed.processid, "progress")
    several = await colony.user.submit(colony.spec("listed"))
    exact = await colony.user.submit(colony.spec("strict"))

    executor = executor_of(colony)

    @executor.function()
    async def listed(ctx: Context):
        return Output("a", 2)

    @executor.function()
    async def strict(ctx: Context):
        raise ProcessFailed("first", "second")

    @executor.function("echo")
    async def echo(ctx: Context, *args, **kwargs):
        assert ctx.processid == echoed.processid
        return {"args": list(args), "kwargs": kwargs}

    @executor.function()
    def add(ctx: Context, a: int, b: int) -> int:  # a plain def runs in a thread
        ctx.wait(ctx.log("adding in a thread"))
        return a + b

    @executor.function("bad")
    async def bad(ctx: Context):
        raise ValueError("bad input")

    @executor.function("progress")
    async def progress(ctx: Context):
        channel = ctx.channel("progress")
        for step in range(1, 21):
            await channel.send(f"step {step}")
        return "done"

    stop = asyncio.Event()
    run = asyncio.create_task(executor.run(stop=stop))

    done = await final(colony.user, several.processid)
    assert done.output == ["a", 2], "Output is the whole list"
    done = await final(colony.user, exact.processid)
    assert done.state == ProcessState.FAILED and done.errors == ["first", "second"]

    done = await final(colony.user, echoed.processid)
    assert done.state == ProcessState.SUCCESS
    assert done.output == [{"args": [1, "two"], "kwargs": {"three": 3}}]

    done = await final(colony.user, threaded.processid)
    assert done.state == ProcessState.SUCCESS and done.output == [5]
    logs = await colony.user.get_logs(colony.colonyname, threaded.processid, 10)
    assert any("adding in a thread" in log.message for log in logs)

    done = await final(colony.user, raised.processid)
    assert done.state == ProcessState.FAILED
    assert done.errors == ["ValueError: bad input"]
    logs = await colony.user.get_logs(colony.colonyname, raised.processid, 10)
    assert any("Traceback" in log.message and "bad input" in log.message for log in logs), logs

    done = await final(colony.user, unknown.processid)
    assert done.state == ProcessState.FAILED
    assert 'unknown function "nosuch"' in done.errors[0]

    done = await final(colony.user, streamed.processid)
    assert done.state == ProcessState.SUCCESS and done.output == ["done"]
    seen = []
    async for entry in entries:
        if entry.kind != "data":
            assert entry.kind == "end"
            break
        seen.append(entry.payload.decode())
    assert seen == [f"step {n}" for n in range(1, 21)], "every entry was written before the close"

    functions = await colony.user.get_functions(colony.colonyname, colony.executorname)
    names = sorted(f.funcname for f in functions)
    assert names == ["add", "bad", "echo", "listed", "progress", "strict"]

    stop.set()
    await asyncio.wait_for(run, WAIT)


@pytest.mark.parametrize("n,k", [(5, 2)])
async def test_concurrency_bounds_the_processes_running_at_once(colony, n, k):
    pids = [(await colony.user.submit(colony.spec("slow"))).processid for _ in range(n)]
    executor = executor_of(colony, concurrency=k)
    spans = []

    @executor.function("slow")
    async def slow(ctx: Context):
        start = time.monotonic()
        await asyncio.sleep(0.7)
        spans.append((start, time.monotonic()))

    stop = asyncio.Event()
    run = asyncio.create_task(executor.run(stop=stop))
    for pid in pids:
        assert (await final(colony.user, pid)).state == ProcessState.SUCCESS
    stop.set()
    await asyncio.wait_for(run, WAIT)

    spans.sort()
    assert len(spans) == n
    most = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert most == k, spans
    # Rounds: the longest chain of handlers each starting after the previous one ended.
    rounds = [1] * n
    for i in range(n):
        for j in range(i):
            if spans[j][1] <= spans[i][0]:
                rounds[i] = max(rounds[i], rounds[j] + 1)
    assert max(rounds) == math.ceil(n / k), spans


async def stopped(colony, spec, interrupt=None) -> tuple[str, Optional[float], colonykit.Process]:
    """Runs a handler that waits to be cancelled (after ``interrupt(processid)`` once it runs);
    returns the reason it saw, the time it had left at its start, and the process at the end."""
    submitted = await colony.user.submit(spec)
    executor = executor_of(colony)
    seen = asyncio.get_running_loop().create_future()

    @executor.function(spec.funcname)
    async def wait(ctx: Context):
        remaining = ctx.remaining
        try:
            await asyncio.sleep(600)
        except asyncio.CancelledError:
            seen.set_result((ctx.cancel_reason, remaining))
            raise

    stop = asyncio.Event()
    run = asyncio.create_task(executor.run(stop=stop))
    if interrupt is not None:
        await until_state(colony.user, submitted.processid, ProcessState.RUNNING)
        await interrupt(submitted.processid)
    reason, remaining = await asyncio.wait_for(seen, WAIT)
    done = await final(colony.user, submitted.processid)
    stop.set()
    await asyncio.wait_for(run, WAIT)
    return reason, remaining, done


async def test_the_submitter_cancels_and_the_handler_sees_cancelled_error(colony):
    reason, remaining, done = await stopped(colony, colony.spec("wait"), colony.user.cancel)
    assert reason == "cancelled" and remaining is None
    assert done.state == ProcessState.CANCELLED


async def test_a_process_past_its_deadline_fails_and_its_handler_is_cancelled(colony):
    reason, remaining, done = await stopped(colony, colony.spec("forever", maxexectime=2))
    assert reason == "deadline" and 0 < remaining <= 2
    assert done.state == ProcessState.FAILED


async def test_with_the_colony_key_it_registers_and_removes_its_own_executor(colony):
    executortype = f"own-{colony.colonyname}"
    spec = colonykit.FunctionSpec(
        "echo", executortype=executortype, colonyname=colony.colonyname, args=["hi"]
    )
    submitted = await colony.user.submit(spec)
    executor = Executor(
        colony.owner, colony.colonyname, executor_type=executortype, name="own", poll=1.0
    )

    @executor.function("echo")
    async def echo(ctx: Context, *args):
        return list(args)

    stop = asyncio.Event()
    run = asyncio.create_task(executor.run(stop=stop))
    done = await final(colony.user, submitted.processid)
    assert done.state == ProcessState.SUCCESS and done.output == [["hi"]]
    registered = await colony.user.get_executor(colony.colonyname, "own")
    assert registered.state == colonykit.ExecutorState.APPROVED
    stop.set()
    await asyncio.wait_for(run, WAIT)
    removed = await colony.user.get_executor(colony.colonyname, "own")
    assert removed.state == colonykit.ExecutorState.UNREGISTERED


CHILD = textwrap.dedent(
    """
    import asyncio, os
    from colonykit import Client
    from colonykit.executor import Executor

    client = Client(os.environ["T_SERVER"], os.environ["T_KEY"])
    executor = Executor(client, os.environ["T_COLONY"], concurrency=2, grace=1.0, poll=1.0)

    @executor.function("quick")
    async def quick(ctx):
        await asyncio.sleep(1.0)
        return "finished in the grace period"

    @executor.function("stuck")
    async def stuck(ctx):
        await asyncio.sleep(600)

    executor.run_forever()
    print("executor stopped", flush=True)
    """
)


async def test_sigterm_lets_running_work_finish_then_fails_the_rest(colony, tmp_path):
    quick = await colony.user.submit(colony.spec("quick"))
    stuck = await colony.user.submit(colony.spec("stuck"))
    script = tmp_path / "executor.py"
    script.write_text(CHILD)
    env = dict(
        os.environ,
        T_SERVER=colony.server_url,
        T_KEY=colony.executor_key,
        T_COLONY=colony.colonyname,
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        for pid in (quick.processid, stuck.processid):
            await until_state(colony.user, pid, ProcessState.RUNNING)
        child.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(child.communicate(), WAIT)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == 0, output.decode()
    assert b"executor stopped" in output
    done = await colony.user.get_process(quick.processid)
    assert done.state == ProcessState.SUCCESS, done.errors
    done = await colony.user.get_process(stuck.processid)
    assert done.state == ProcessState.FAILED
    assert done.errors == ["executor shutting down"]


def test_bad_registrations_are_refused(colony):
    executor = Executor(colony.executor, colony.colonyname)

    @executor.function("f")
    async def f(ctx):
        return None

    with pytest.raises(ValueError, match="twice"):
        executor.function("f")(f)
