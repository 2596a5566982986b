"""The matrix's Python roles, on colonykit: ``roles.py client|executor <scenario>``.

Both read the scenario from ``scenarios.json`` (``MATRIX_SCENARIOS``, default ``../scenarios.json``
next to this file) and the server and identity from the environment: COLONIES_SERVER_HOST,
COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_PRVKEY (the role's key), MATRIX_COLONY and
MATRIX_EXECUTOR_TYPE. Each prints one line of JSON: the client its verdict, the executor its
status. A scenario is data (a transcript and what follows it), so adding one needs no code.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, Optional

import colonykit
from colonykit import ChannelEntry, ChannelSubscription, Client, FunctionSpec, ProcessState
from colonykit.executor import Context, Executor, Output, ProcessFailed

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from scenario import env, load, step_entry  # noqa: E402


def make_client() -> Client:
    client = Client.from_env()
    if client.id is None:
        raise RuntimeError("COLONIES_PRVKEY is not set")
    return client


# --- Comparing what was seen with what was expected --------------------------------------------


def show_bytes(data: bytes) -> str:
    return f"[{data.hex(' ')}]" if len(data) <= 32 else f"{len(data)} bytes"


def entry_differences(index: int, entry: ChannelEntry, step: dict, sender: str) -> list[str]:
    want = step_entry(step)
    out = []

    def differ(what: str) -> None:
        out.append(f"entry {index + 1} (sequence {step['sequence']}): {what}")

    if entry.sequence != want["sequence"]:
        differ(f"sequence {entry.sequence} instead of {want['sequence']}")
    if entry.inreplyto != want["inreplyto"]:
        differ(f"inreplyto {entry.inreplyto} instead of {want['inreplyto']}")
    if entry.kind != want["kind"]:
        differ(f"kind {entry.kind!r} instead of {want['kind']!r}")
    got = bytes(entry.payload)
    if got != want["payload"]:
        at = next(
            (i for i, (a, b) in enumerate(zip(got, want["payload"])) if a != b),
            min(len(got), len(want["payload"])),
        )
        differ(
            f"payload: got {show_bytes(got)}, expected {show_bytes(want['payload'])} "
            f"(first difference at byte {at})"
        )
    if sender != step["from"]:
        differ(f"sent by the {sender}, expected the {step['from']}")
    return out


async def next_entry(entries: ChannelSubscription, wait: float) -> Optional[ChannelEntry]:
    """The next entry, None at the end of the stream; raises on failure or timeout."""
    try:
        return await asyncio.wait_for(entries.next(), wait)
    except asyncio.TimeoutError:
        raise RuntimeError(f"no entry within {wait}s") from None


# --- Client ------------------------------------------------------------------------------------


async def run_client(timeouts: dict, scenario: dict, verdict: dict) -> None:
    wait = float(timeouts["wait_seconds"])
    client = make_client()
    me = client.id
    spec = FunctionSpec(
        scenario["funcname"],
        executortype=env("MATRIX_EXECUTOR_TYPE"),
        colonyname=env("MATRIX_COLONY"),
        channels=scenario["channels"],
    )
    process = await client.submit(spec)
    pid = process.processid
    verdict["processid"] = pid
    channel = scenario["channel"]
    transcript = scenario["transcript"]
    mismatches: list[str] = []
    executor_senders: list[str] = []
    # Subscribed right after submitting, before the process is assigned.
    async with client.subscribe_channel(pid, channel, idle_timeout=wait) as entries:
        # Tells the runner that the process exists (it starts the executor then).
        print(json.dumps({"submitted": pid}), flush=True)
        complete = True
        for index, step in enumerate(transcript):
            if step["from"] == "client":
                e = step_entry(step)
                await client.append(
                    pid,
                    channel,
                    e["sequence"],
                    e["payload"],
                    kind=e["kind"],
                    inreplyto=e["inreplyto"],
                )
            try:
                entry = await next_entry(entries, wait)
            except Exception as error:
                mismatches.append(f"entry {index + 1}: the subscription failed: {error!r}")
                complete = False
                break
            if entry is None:
                mismatches.append(
                    f"the stream ended after {index} entries; expected {len(transcript)}"
                )
                complete = False
                break
            if entry.senderid != me:
                executor_senders.append(entry.senderid)
            sender = "client" if entry.senderid == me else "executor"
            mismatches.extend(entry_differences(index, entry, step, sender))
        verdict["entries"] = len(transcript)
        if complete:
            # The last entry ends the stream: nothing may follow.
            try:
                extra = await next_entry(entries, wait)
                if extra is not None:
                    mismatches.append(
                        f"an entry after the last one: sequence {extra.sequence} kind {extra.kind}"
                    )
            except Exception as error:
                mismatches.append(f"after the last entry: {error!r}")
    finish = scenario["finish"]
    if finish["after"] == "ack":
        await client.acknowledge(pid, finish["sync_channel"])
    try:
        done = await client.wait_for_state(pid, ProcessState.SUCCESS, timeout=wait)
        waited: dict[str, Any] = {"state": done.state.name}
    except colonykit.ColonyError as error:
        waited = {"error": {"kind": error.kind, "message": error.message.replace(pid, "<pid>")}}
    expect = scenario["expect"]
    if waited != expect["wait_for_success"]:
        mismatches.append(
            f"waiting for SUCCESS gave {json.dumps(waited)}, "
            f"expected {json.dumps(expect['wait_for_success'])}"
        )
    done = await client.get_process(pid)
    # Server v1.9.12 stores a failed process's state before its errors (two UPDATEs): a client as
    # quick as the executor can read FAILED with no errors yet (docs/server-findings.md).
    for _ in range(20):
        if not (done.state.name == "FAILED" and not done.errors and expect["errors"]):
            break
        await asyncio.sleep(0.05)
        done = await client.get_process(pid)
    if done.state.name != expect["state"]:
        mismatches.append(f"state {done.state.name} instead of {expect['state']}")
    if done.output != expect["output"]:
        mismatches.append(
            f"output {json.dumps(done.output)} instead of {json.dumps(expect['output'])}"
        )
    if done.errors != expect["errors"]:
        mismatches.append(f"errors {done.errors} instead of {expect['errors']}")
    for other in executor_senders:
        if other != done.assignedexecutorid:
            assigned = done.assignedexecutorid
            mismatches.append(
                f"an entry came from {other}, not from the assigned executor {assigned}"
            )
            break
    verdict["final"] = {"state": done.state.name, "output": done.output, "errors": done.errors}
    verdict["wait_for_success"] = waited
    verdict["verdict"] = "pass" if not mismatches else "fail"
    verdict["mismatches"] = mismatches


# --- Executor ----------------------------------------------------------------------------------
# On colonykit's executor framework: the role registers the scenario's function and serves one
# process with it; the framework takes the process, winds up the writer and closes or fails it.


def writer_sequences(scenario: dict) -> tuple[int, int]:
    """The first sequence and step that number executor entries as the transcript does."""
    sequences = [
        s["sequence"]
        for s in scenario["transcript"]
        if s["from"] == "executor" and s.get("kind", "data") == "data"
    ]
    first = sequences[0] if sequences else 1
    step = sequences[1] - first if len(sequences) > 1 else 1
    if any(b - a != step for a, b in zip(sequences, sequences[1:])):
        raise RuntimeError("a writer needs evenly spaced executor sequences")
    return first, step


async def send(ctx: Context, scenario: dict, index: int, step: dict) -> None:
    """One executor entry: raw appends, or the framework's writer (whose `end` the framework
    sends itself when the handler returns, so it must be the transcript's last entry)."""
    e = step_entry(step)
    if scenario["executor_writes_with"] != "writer":
        await ctx.client.append(
            ctx.processid,
            scenario["channel"],
            e["sequence"],
            e["payload"],
            kind=e["kind"],
            inreplyto=e["inreplyto"],
        )
        return
    if e["kind"] == "data":
        first, step_size = writer_sequences(scenario)
        writer = ctx.channel(scenario["channel"], first_sequence=first, step=step_size)
        if e["inreplyto"]:
            sequence = await writer.reply(e["inreplyto"], e["payload"])
        else:
            sequence = await writer.send(e["payload"])
        if sequence != e["sequence"]:
            raise RuntimeError(
                f"the writer numbered an entry {sequence}, the transcript {e['sequence']}"
            )
        return
    if e["kind"] == "end" and index + 1 == len(scenario["transcript"]):
        return
    raise RuntimeError(
        f"the framework's writer cannot send {e['kind']!r} at entry {index + 1} (only end, last)"
    )


async def serve(ctx: Context, scenario: dict, wait: float):
    me = ctx.client.id
    transcript = scenario["transcript"]
    reads = any(s["from"] == "client" for s in transcript)
    entries = (
        ctx.client.subscribe_channel(ctx.processid, scenario["channel"], idle_timeout=wait)
        if reads
        else None
    )
    try:
        for index, step in enumerate(transcript):
            if step["from"] == "executor":
                await send(ctx, scenario, index, step)
                continue
            assert entries is not None
            while True:
                entry = await next_entry(entries, wait)
                if entry is None:
                    raise RuntimeError("the channel ended before the client's entry")
                if entry.senderid != me:
                    break
            # The client's entries are the ones not from this executor.
            differences = entry_differences(index, entry, step, "client")
            if differences:
                raise RuntimeError("unexpected client entry: " + "; ".join(differences))
    finally:
        if entries is not None:
            entries.close()
    finish = scenario["finish"]
    after, then = finish["after"], finish["then"]
    if then == "close" and after in ("ack", "end"):
        # After "ack" the framework waits for the acknowledgement (sync=...).
        return Output(*finish["output"])
    if (after, then) == ("ack", "fail"):
        await ctx.client.wait_for_ack(ctx.processid, finish["sync_channel"], timeout=wait)
        raise ProcessFailed(*finish["errors"])
    if (after, then) == ("end", "fail"):
        raise ProcessFailed(*finish["errors"])
    raise RuntimeError(f"unknown finish: after {after!r}, then {then!r}")


async def run_executor(timeouts: dict, scenario: dict, status: dict) -> None:
    wait = float(timeouts["wait_seconds"])
    finish = scenario["finish"]
    executor = Executor(make_client(), env("MATRIX_COLONY"), max_processes=1, poll=2.0)
    sync = finish["sync_channel"] if (finish["after"], finish["then"]) == ("ack", "close") else None
    started = asyncio.Event()
    failure: list[BaseException] = []

    @executor.function(scenario["funcname"], sync=sync, sync_timeout=wait)
    async def handler(ctx: Context):
        started.set()
        status["processid"] = ctx.processid
        try:
            return await serve(ctx, scenario, wait)
        except ProcessFailed:
            raise
        except Exception as error:
            failure.append(error)
            # The framework fails the process: the client is never left waiting.
            raise RuntimeError(f"matrix executor (python): {error!r}") from error

    stop = asyncio.Event()

    async def give_up() -> None:
        # No process within assign_seconds: stop (once one runs, run until it is done).
        try:
            await asyncio.wait_for(started.wait(), timeouts["assign_seconds"])
        except asyncio.TimeoutError:
            stop.set()

    watchdog = asyncio.create_task(give_up())
    try:
        await executor.run(stop=stop, signals=False)
    finally:
        watchdog.cancel()
    if stop.is_set():
        raise RuntimeError(f"no process within {timeouts['assign_seconds']}s")
    if failure:
        raise failure[0]


# --- Main --------------------------------------------------------------------------------------


async def main(role: str, name: str) -> int:
    began = time.monotonic()
    report: dict[str, Any] = {"role": role, "lang": "python", "scenario": name}
    code = 0
    try:
        timeouts, scenario = load(name)
        if role == "client":
            await run_client(timeouts, scenario, report)
            code = 0 if report["verdict"] == "pass" else 1
        else:
            await run_executor(timeouts, scenario, report)
            report["status"] = "ok"
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        if "Not authorized to write to channel" in message:
            report["server_race"] = True
        report["status"] = "error"
        if role == "client":
            report["verdict"] = "fail"
        report["error"] = message
        code = 1
    report["elapsed_ms"] = int((time.monotonic() - began) * 1000)
    print(json.dumps(report), flush=True)
    return code


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("client", "executor"):
        print("usage: roles.py client|executor <scenario>", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
