"""The matrix's pycolonies roles: the official Python SDK (PyPI) as a peer of colonykit.

``roles.py client|executor <scenario>``, with the same scenario file, environment and one-line
JSON report as the colonykit roles (see ../python/roles.py). pycolonies is synchronous and its
channel subscription is a blocking call with a callback, so entries are read on a background
thread into a queue; it de-duplicates nothing itself, so the reader skips an entry it has seen
(same sender, sequence and timestamp), as the protocol reference advises. pycolonies has no
sync-channel helper (the acknowledgement is appended and polled for by hand, as the channels
tutorial does it) and no error kinds, so the colonykit-only check of waiting for SUCCESS is
reported as skipped.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from crypto import Crypto  # pycolonies' signing module

from pycolonies import Colonies, func_spec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from scenario import env, load, step_entry  # noqa: E402

STATES = {0: "WAITING", 1: "RUNNING", 2: "SUCCESS", 3: "FAILED", 4: "CANCELLED"}
TERMINAL = ("end", "error")


class Peer:
    """A pycolonies client and the key it signs with."""

    def __init__(self) -> None:
        tls = os.environ.get("COLONIES_TLS", "false").lower() in ("true", "1")
        self.colonies = Colonies(env("COLONIES_SERVER_HOST"), int(env("COLONIES_SERVER_PORT")), tls)
        self.key = env("COLONIES_PRVKEY")
        self.id = Crypto().id(self.key)


def entry_payload(entry: dict) -> bytes:
    payload = entry.get("payload")
    if not payload:
        return b""
    return bytes(payload)  # pycolonies already decoded base64 (or a byte array) to bytes


def show_bytes(data: bytes) -> str:
    return f"[{data.hex(' ')}]" if len(data) <= 32 else f"{len(data)} bytes"


def entry_differences(index: int, entry: dict, step: dict, sender: str) -> list[str]:
    want = step_entry(step)
    out = []

    def differ(what: str) -> None:
        out.append(f"entry {index + 1} (sequence {step['sequence']}): {what}")

    if entry.get("sequence", 0) != want["sequence"]:
        differ(f"sequence {entry.get('sequence')} instead of {want['sequence']}")
    if entry.get("inreplyto", 0) != want["inreplyto"]:
        differ(f"inreplyto {entry.get('inreplyto')} instead of {want['inreplyto']}")
    kind = entry.get("type") or "data"
    if kind != want["kind"]:
        differ(f"kind {kind!r} instead of {want['kind']!r}")
    got = entry_payload(entry)
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


class Reader:
    """A channel's entries, read by pycolonies' subscribe_channel on a background thread."""

    END = object()

    def __init__(self, peer: Peer, pid: str, channel: str) -> None:
        self.entries: queue.Queue = queue.Queue()
        self.position = 0
        self.seen: set = set()
        self.stopped = False
        args = (peer, pid, channel)
        self.thread = threading.Thread(target=self._run, args=args, daemon=True)
        self.thread.start()

    def _run(self, peer: Peer, pid: str, channel: str) -> None:
        ended = False

        def on_entries(batch: list) -> bool:
            nonlocal ended
            for entry in batch:
                self.position += 1
                key = (entry.get("senderid"), entry.get("sequence"), entry.get("timestamp"))
                if key in self.seen:
                    continue
                self.seen.add(key)
                self.entries.put(entry)
                if (entry.get("type") or "data") in TERMINAL:
                    ended = True
                    return False
            return not self.stopped

        try:
            while not ended and not self.stopped:
                # Returns when the callback says stop, or when the server's subscription times
                # out (an empty frame): then subscribe again from where the log stood.
                peer.colonies.subscribe_channel(
                    pid,
                    channel,
                    peer.key,
                    after_seq=self.position,
                    timeout=30,
                    callback=on_entries,
                )
            self.entries.put(self.END)
        except Exception as error:
            self.entries.put(error)

    def next(self, wait: float) -> Optional[dict]:
        """The next entry, None at the end of the stream; raises on failure or timeout."""
        try:
            item = self.entries.get(timeout=wait)
        except queue.Empty:
            raise RuntimeError(f"no entry within {wait}s") from None
        if item is self.END:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    def stop(self) -> None:
        self.stopped = True


def get_final(peer: Peer, pid: str, wait: float) -> Any:
    """Polls the process until it is closed (pycolonies' wait() only waits for SUCCESS)."""
    deadline = time.monotonic() + wait
    while True:
        process = peer.colonies.get_process(pid, peer.key)
        if process.state in (2, 3, 4) or time.monotonic() > deadline:
            return process
        time.sleep(0.1)


# --- Client ------------------------------------------------------------------------------------


def run_client(timeouts: dict, scenario: dict, verdict: dict) -> None:
    wait = float(timeouts["wait_seconds"])
    peer = Peer()
    spec = func_spec(
        scenario["funcname"],
        [],
        env("MATRIX_COLONY"),
        env("MATRIX_EXECUTOR_TYPE"),
        maxexectime=-1,
        maxretries=0,
        maxwaittime=-1,
    )
    spec.channels = scenario["channels"]
    pid = peer.colonies.submit_func_spec(spec, peer.key).processid
    verdict["processid"] = pid
    channel, transcript = scenario["channel"], scenario["transcript"]
    mismatches: list[str] = []
    executor_senders: list[str] = []
    # Subscribed right after submitting, before the process is assigned.
    reader = Reader(peer, pid, channel)
    # Tells the runner that the process exists (it starts the executor then).
    print(json.dumps({"submitted": pid}), flush=True)
    complete = True
    for index, step in enumerate(transcript):
        if step["from"] == "client":
            e = step_entry(step)
            peer.colonies.channel_append(
                pid,
                channel,
                e["sequence"],
                e["payload"],
                peer.key,
                in_reply_to=e["inreplyto"],
                payload_type=e["kind"],
            )
        try:
            entry = reader.next(wait)
        except Exception as error:
            mismatches.append(f"entry {index + 1}: the subscription failed: {error!r}")
            complete = False
            break
        if entry is None:
            mismatches.append(f"the stream ended after {index} entries; expected {len(transcript)}")
            complete = False
            break
        sender = "client" if entry.get("senderid") == peer.id else "executor"
        if sender == "executor":
            executor_senders.append(entry.get("senderid"))
        mismatches.extend(entry_differences(index, entry, step, sender))
    verdict["entries"] = len(transcript)
    if complete:
        try:
            extra = reader.next(wait)
            if extra is not None:
                mismatches.append(f"an entry after the last one: {extra}")
        except Exception as error:
            mismatches.append(f"after the last entry: {error!r}")
    reader.stop()
    finish, expect = scenario["finish"], scenario["expect"]
    if finish["after"] == "ack":
        peer.colonies.channel_append(pid, finish["sync_channel"], 1, b"ack", peer.key)
    done = get_final(peer, pid, wait)
    state = STATES.get(done.state, str(done.state))
    output, errors = done.output or [], done.errors or []
    if state != expect["state"]:
        mismatches.append(f"state {state} instead of {expect['state']}")
    if output != expect["output"]:
        mismatches.append(f"output {json.dumps(output)} instead of {json.dumps(expect['output'])}")
    if errors != expect["errors"]:
        mismatches.append(f"errors {errors} instead of {expect['errors']}")
    for other in executor_senders:
        if other != done.assignedexecutorid:
            assigned = done.assignedexecutorid
            mismatches.append(
                f"an entry came from {other}, not from the assigned executor {assigned}"
            )
            break
    verdict["final"] = {"state": state, "output": output, "errors": errors}
    verdict["skipped"] = ["wait_for_success: a colonykit error kind; pycolonies has none"]
    verdict["verdict"] = "pass" if not mismatches else "fail"
    verdict["mismatches"] = mismatches


# --- Executor ----------------------------------------------------------------------------------


def wait_for_ack(peer: Peer, pid: str, sync_channel: str, wait: float) -> None:
    """Polls the sync channel for the other party's "ack" (the channels tutorial's way)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for entry in peer.colonies.channel_read(pid, sync_channel, 0, 0, peer.key) or []:
            if entry.get("senderid") != peer.id and entry_payload(entry) == b"ack":
                return
        time.sleep(0.1)
    raise RuntimeError(f"no acknowledgement on {sync_channel!r} within {wait}s")


def serve(peer: Peer, pid: str, scenario: dict, wait: float) -> None:
    process = peer.colonies.get_process(pid, peer.key)
    if process.spec.funcname != scenario["funcname"]:
        raise RuntimeError(f"assigned {process.spec.funcname!r}, expected {scenario['funcname']!r}")
    channel, transcript = scenario["channel"], scenario["transcript"]
    reads = any(s["from"] == "client" for s in transcript)
    reader = Reader(peer, pid, channel) if reads else None
    try:
        for index, step in enumerate(transcript):
            if step["from"] == "executor":
                e = step_entry(step)
                kind = "" if e["kind"] == "data" else e["kind"]
                peer.colonies.channel_append(
                    pid,
                    channel,
                    e["sequence"],
                    e["payload"],
                    peer.key,
                    in_reply_to=e["inreplyto"],
                    payload_type=kind,
                )
                continue
            assert reader is not None
            while True:
                entry = reader.next(wait)
                if entry is None:
                    raise RuntimeError("the channel ended before the client's entry")
                if entry.get("senderid") != peer.id:
                    break
            differences = entry_differences(index, entry, step, "client")
            if differences:
                raise RuntimeError("unexpected client entry: " + "; ".join(differences))
    finally:
        if reader is not None:
            reader.stop()
    finish = scenario["finish"]
    if finish["after"] == "ack":
        wait_for_ack(peer, pid, finish["sync_channel"], wait)
    elif finish["after"] != "end":
        raise RuntimeError(f"unknown finish: after {finish['after']!r}")
    if finish["then"] == "close":
        peer.colonies.close(pid, finish["output"], peer.key)
    elif finish["then"] == "fail":
        peer.colonies.fail(pid, finish["errors"], peer.key)
    else:
        raise RuntimeError(f"unknown finish: then {finish['then']!r}")


def run_executor(timeouts: dict, scenario: dict, status: dict) -> None:
    wait = float(timeouts["wait_seconds"])
    peer = Peer()
    colony = env("MATRIX_COLONY")
    deadline = time.monotonic() + timeouts["assign_seconds"]
    process = None
    while process is None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"no process within {timeouts['assign_seconds']}s")
        try:
            process = peer.colonies.assign(colony, max(1, min(int(left), 10)), peer.key)
        except Exception as error:
            if "No process available" not in str(error):
                raise
    pid = process.processid
    status["processid"] = pid
    if scenario["executor_writes_with"] == "writer":
        status["note"] = "pycolonies has no channel writer: entries sent with channel_append"
    try:
        serve(peer, pid, scenario, wait)
    except BaseException as error:
        try:
            peer.colonies.fail(pid, [f"matrix executor (pycolonies): {error!r}"], peer.key)
        except Exception:
            pass
        raise


# --- Main --------------------------------------------------------------------------------------


def main(role: str, name: str) -> int:
    began = time.monotonic()
    report: dict[str, Any] = {"role": role, "lang": "pycolonies", "scenario": name}
    code = 0
    try:
        timeouts, scenario = load(name)
        if role == "client":
            run_client(timeouts, scenario, report)
            code = 0 if report["verdict"] == "pass" else 1
        else:
            run_executor(timeouts, scenario, report)
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
    sys.exit(main(sys.argv[1], sys.argv[2]))
