"""colonykit from Python (asyncio), on the benchmark workload. See bench/README.md."""

from __future__ import annotations

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import colonykit  # noqa: E402
from colonykit import Client, FunctionSpec  # noqa: E402

from common import (  # noqa: E402
    CHANNEL,
    FIRST_CALLS,
    Args,
    Report,
    Setup,
    StreamMeter,
    die,
    now_ns,
    payload_stamp,
    percentile,
    say_ready,
    sign_sample,
    stamped_payload,
    status_kb,
    time_per_call,
)
from usage import process_usage  # noqa: E402


class Roles:
    def __init__(self, path):
        self.setup = Setup(path)
        self.tls = {"ca_file": self.setup.ca_file} if self.setup.ca_file else {}
        self.user = Client(self.setup.server, self.setup.user_key, **self.tls)
        self.exec = self.user.with_key(self.setup.exec_key)

    def spec(self, channels):
        s = self.setup
        if channels:
            return FunctionSpec("bench", executortype=s.exec_type, colonyname=s.colony,
                                channels=[CHANNEL])
        return FunctionSpec("bench", executortype=s.exec_type, colonyname=s.colony)

    async def assign(self):
        process = await self.exec.assign(self.setup.colony, 10)
        if process is None:
            die("assign: no process")
        return process.processid

    async def running(self):
        await self.user.submit(self.spec(True))
        return await self.assign()

    async def append(self, pid, sequence):
        await self.exec.append(pid, CHANNEL, sequence, stamped_payload(now_ns()))

    async def round_trip(self):
        await self.user.submit(self.spec(False))
        pid = await self.assign()
        await self.exec.close(pid, [])


def signer():
    """The binding's signing function, if it exposes one (the core signs inside every call)."""
    for name in ("sign", "sign_message"):
        f = getattr(colonykit, name, None)
        if callable(f):
            return f
    return None


async def work(a: Args):
    roles = Roles(a.setup)
    n_seq, n_flight = a.get("n_seq", 450), a.get("n_flight", 450)
    inflight, rt_seq, rt_flight = a.get("inflight", 16), a.get("rt_seq", 100), a.get("rt_flight", 320)
    report = Report(rss_start_kb=status_kb("VmRSS"))
    sign = signer()
    if sign is not None:
        sample, key = sign_sample(), roles.setup.exec_key
        report["sign_us"] = time_per_call(a.get("sign_n", 2000), lambda: sign(key, sample))

    pid = await roles.running()
    samples = []
    cpu, switches = process_usage()
    began = time.perf_counter()
    for sequence in range(1, n_seq + 1):
        t = time.perf_counter()
        await roles.append(pid, sequence)
        samples.append((time.perf_counter() - t) * 1e3)
    report["seq_appends_per_s"] = n_seq / (time.perf_counter() - began)
    cpu_after, switches_after = process_usage()
    report["cpu_per_append_us"] = (cpu_after - cpu) / 1e3 / n_seq
    report["switches_per_append"] = (switches_after - switches) / n_seq
    report.latencies("append", samples)
    report["hwm_after_seq_kb"] = status_kb("VmHWM")
    firsts = []
    for i in range(1, FIRST_CALLS + 1):
        t = time.perf_counter()
        fresh = Client(roles.setup.server, roles.setup.exec_key, **roles.tls)
        await fresh.append(pid, CHANNEL, n_seq + i, stamped_payload(now_ns()))
        firsts.append((time.perf_counter() - t) * 1e3)
    report["first_call_ms"] = percentile(firsts, 50)
    await roles.exec.close(pid, [])

    pid = await roles.running()
    counter = iter(range(1, n_flight + 1))

    async def appender():
        for sequence in counter:
            await roles.append(pid, sequence)

    began = time.perf_counter()
    await asyncio.gather(*(appender() for _ in range(inflight)))
    report["flight_appends_per_s"] = n_flight / (time.perf_counter() - began)
    report["hwm_after_flight_kb"] = status_kb("VmHWM")
    await roles.exec.close(pid, [])

    began = time.perf_counter()
    for _ in range(rt_seq):
        await roles.round_trip()
    report["rt_seq_per_s"] = rt_seq / (time.perf_counter() - began)
    report["hwm_after_rt_seq_kb"] = status_kb("VmHWM")
    per_task = rt_flight // inflight

    async def tripper():
        for _ in range(per_task):
            await roles.round_trip()

    began = time.perf_counter()
    await asyncio.gather(*(tripper() for _ in range(inflight)))
    report["rt_flight_per_s"] = per_task * inflight / (time.perf_counter() - began)
    report.print()


async def publish(a: Args):
    roles = Roles(a.setup)
    pid, n, interval = a.str("pid"), a.get("n", 200), a.get("interval_ms", 5.0) / 1e3
    began = time.perf_counter()
    for sequence in range(1, n + 1):
        wait = began + interval * sequence - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        await roles.append(pid, sequence)
    Report(published=n).print()


async def subscribe(a: Args):
    roles = Roles(a.setup)
    pid, n = a.str("pid"), a.get("n", 200)
    latencies = []
    stream = roles.user.subscribe_channel(pid, CHANNEL)
    async for entry in stream:
        received = now_ns()
        sent = payload_stamp(entry.payload)
        if sent is None:
            say_ready()
        else:
            latencies.append((received - sent) / 1e6)
            if len(latencies) >= n:
                break
    if len(latencies) < n:
        die("subscription ended early")
    report = Report()
    report.latencies("delivery", latencies)
    report.print()


async def stream(a: Args):
    roles = Roles(a.setup)
    pid = a.str("pid")
    # Warm the client up, so that the baseline holds all but this stream: a call (on the loop's
    # thread) and a stream left at its first entry (streams run on the runtime's thread).
    await roles.user.get_process(pid)
    async for _entry in roles.user.subscribe_channel(pid, CHANNEL):
        break
    meter = StreamMeter(a.get("n", 10_000), a.get("live", 0))
    async for _entry in roles.user.subscribe_channel(pid, CHANNEL):
        if not meter.entry():
            break
    meter.report()


async def idle_subs(a: Args):
    """Memory per idle channel subscription: `n` open (each has read one entry, so each is
    connected), RSS growth divided by `n`."""
    roles = Roles(a.setup)
    pid, n = a.str("pid"), a.get("n", 1000)
    await roles.user.get_process(pid)  # warm the client up
    base = status_kb("VmRSS")
    subs = [roles.user.subscribe_channel(pid, CHANNEL) for _ in range(n)]

    async def first(sub):
        await asyncio.wait_for(sub.__anext__(), 120)

    # Every subscription reads from the start, so the entry reaches the late ones too.
    await asyncio.gather(roles.append(pid, 1), *(first(sub) for sub in subs))
    grown = status_kb("VmRSS") - base
    Report(idle_sub_kb=grown / n, idle_subs=n).print()
    for sub in subs:
        await sub.aclose()


def main():
    a = Args()
    modes = {"work": work, "pub": publish, "sub": subscribe, "stream": stream, "idle-subs": idle_subs}
    if a.mode not in modes:
        die(f"unknown mode {a.mode}")
    asyncio.run(modes[a.mode](a))


if __name__ == "__main__":
    main()
