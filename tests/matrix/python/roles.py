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


async def open_writer(client: Client, pid: str, scenario: dict):
    if scenario["executor_writes_with"] != "writer":
        return None
    sequences = [s["sequence"] for s in scenario["transcript"] if s["from"] == "executor"]
    first = sequences[0] if sequences else 1
    step = sequences[1] - first if len(sequences) > 1 else 1
    if any(b - a != step for a, b in zip(sequences, sequences[1:])):
        raise RuntimeError("a writer needs evenly spaced executor sequences")
    return await client.channel_writer(pid, scenario["channel"], first_sequence=first, step=step)


async def send(client: Client, pid: str, scenario: dict, writer, step: dict):
    """Sends one executor entry; returns the writer (None once it has ended)."""
    e = step_entry(step)
    if writer is None:
        await client.append(
            pid,
            scenario["channel"],
            e["sequence"],
            e["payload"],
            kind=e["kind"],
            inreplyto=e["inreplyto"],
        )
        return None
    if e["kind"] == "data":
        if e["inreplyto"]:
            sequence = await writer.reply(e["inreplyto"], e["payload"])
        else:
            sequence = await writer.send(e["payload"])
        if sequence != e["sequence"]:
            raise RuntimeError(
                f"the writer numbered an entry {sequence}, the transcript {e['sequence']}"
            )
        return writer
    if e["kind"] == "end":
        await writer.end()
        return None
    if e["kind"] == "error":
        await writer.error(e["payload"])
        return None
    raise RuntimeError(f"the writer cannot send an entry of kind {e['kind']!r}")


async def serve(client: Client, pid: str, scenario: dict, wait: float) -> None:
    process = await client.get_process(pid)
    if process.spec.funcname != scenario["funcname"]:
        raise RuntimeError(f"assigned {process.spec.funcname!r}, expected {scenario['funcname']!r}")
    me = client.id
    transcript = scenario["transcript"]
    reads = any(s["from"] == "client" for s in transcript)
    entries = (
        client.subscribe_channel(pid, scenario["channel"], idle_timeout=wait) if reads else None
    )
    try:
        writer = await open_writer(client, pid, scenario)
        for index, step in enumerate(transcript):
            if step["from"] == "executor":
                writer = await send(client, pid, scenario, writer, step)
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
        if writer is not None:
            await writer.finish()
    finally:
        if entries is not None:
            entries.close()
    finish = scenario["finish"]
    after, then = finish["after"], finish["then"]
    if (after, then) == ("ack", "close"):
        await client.close_after_ack(pid, finish["sync_channel"], finish["output"], timeout=wait)
    elif (after, then) == ("ack", "fail"):
        await client.wait_for_ack(pid, finish["sync_channel"], timeout=wait)
        await client.fail(pid, finish["errors"])
    elif (after, then) == ("end", "close"):
        await client.close(pid, finish["output"])
    elif (after, then) == ("end", "fail"):
        await client.fail(pid, finish["errors"])
    else:
        raise RuntimeError(f"unknown finish: after {after!r}, then {then!r}")


async def run_executor(timeouts: dict, scenario: dict, status: dict) -> None:
    wait = float(timeouts["wait_seconds"])
    client = make_client()
    colony = env("MATRIX_COLONY")
    deadline = time.monotonic() + timeouts["assign_seconds"]
    process = None
    while process is None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"no process within {timeouts['assign_seconds']}s")
        process = await client.assign(colony, timeout=min(left, 10.0))
    pid = process.processid
    status["processid"] = pid
    try:
        await serve(client, pid, scenario, wait)
    except BaseException as error:
        # Never leave the client waiting on a process nobody will close.
        try:
            await client.fail(pid, [f"matrix executor (python): {error!r}"])
        except Exception:
            pass
        raise


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
