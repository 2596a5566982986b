"""pycolonies (PyPI, the official Python SDK) used as a library, on the benchmark workload.

pycolonies is synchronous (requests, one new connection per call, pure-Python signing), so the
16-in-flight phases use 16 threads.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crypto import Crypto  # noqa: E402  (pycolonies' signing module)
from pycolonies import Colonies, func_spec  # noqa: E402

from common import (  # noqa: E402
    CHANNEL,
    Args,
    Report,
    Setup,
    context_switches,
    cpu_ns,
    die,
    now_ns,
    payload_stamp,
    say_ready,
    sign_sample,
    stamped_payload,
    time_per_call,
)


class Roles:
    def __init__(self, path):
        self.setup = Setup(path)
        self.client = Colonies(self.setup.host, self.setup.port)

    def spec(self, channels):
        s = self.setup
        spec = func_spec("bench", [], s.colony, s.exec_type, maxexectime=-1, maxretries=0,
                         maxwaittime=-1)
        if channels:
            spec.channels = [CHANNEL]
        return spec

    def assign(self):
        return self.client.assign(self.setup.colony, 10, self.setup.exec_key).processid

    def running(self):
        self.client.submit_func_spec(self.spec(True), self.setup.user_key)
        return self.assign()

    def append(self, pid, sequence):
        self.client.channel_append(pid, CHANNEL, sequence, stamped_payload(now_ns()),
                                   self.setup.exec_key)

    def close(self, pid):
        self.client.close(pid, [], self.setup.exec_key)

    def round_trip(self):
        self.client.submit_func_spec(self.spec(False), self.setup.user_key)
        self.close(self.assign())


def in_threads(n, f):
    with ThreadPoolExecutor(n) as pool:
        for future in [pool.submit(f) for _ in range(n)]:
            future.result()


def work(a: Args):
    roles = Roles(a.setup)
    n_seq, n_flight = a.get("n_seq", 450), a.get("n_flight", 450)
    inflight, rt_seq, rt_flight = a.get("inflight", 16), a.get("rt_seq", 100), a.get("rt_flight", 320)
    report = Report()
    sample, key, crypto = sign_sample(), roles.setup.exec_key, Crypto()
    report["sign_us"] = time_per_call(a.get("sign_n", 100), lambda: crypto.sign(sample, key))

    pid = roles.running()
    samples = []
    cpu, switches = cpu_ns(), context_switches()
    began = time.perf_counter()
    for sequence in range(1, n_seq + 1):
        t = time.perf_counter()
        roles.append(pid, sequence)
        samples.append((time.perf_counter() - t) * 1e3)
    report["seq_appends_per_s"] = n_seq / (time.perf_counter() - began)
    report["cpu_per_append_us"] = (cpu_ns() - cpu) / 1e3 / n_seq
    report["switches_per_append"] = (context_switches() - switches) / n_seq
    report.latencies("append", samples)
    roles.close(pid)

    pid = roles.running()
    counter, lock = itertools.count(1), threading.Lock()

    def appender():
        while True:
            with lock:
                sequence = next(counter)
            if sequence > n_flight:
                return
            roles.append(pid, sequence)

    began = time.perf_counter()
    in_threads(inflight, appender)
    report["flight_appends_per_s"] = n_flight / (time.perf_counter() - began)
    roles.close(pid)

    began = time.perf_counter()
    for _ in range(rt_seq):
        roles.round_trip()
    report["rt_seq_per_s"] = rt_seq / (time.perf_counter() - began)
    per_task = rt_flight // inflight

    def tripper():
        for _ in range(per_task):
            roles.round_trip()

    began = time.perf_counter()
    in_threads(inflight, tripper)
    report["rt_flight_per_s"] = per_task * inflight / (time.perf_counter() - began)
    report.print()


def publish(a: Args):
    roles = Roles(a.setup)
    pid, n, interval = a.str("pid"), a.get("n", 200), a.get("interval_ms", 5.0) / 1e3
    began = time.perf_counter()
    for sequence in range(1, n + 1):
        wait = began + interval * sequence - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        roles.append(pid, sequence)
    Report(published=n).print()


def subscribe(a: Args):
    roles = Roles(a.setup)
    pid, n = a.str("pid"), a.get("n", 200)
    latencies = []

    def on_entries(entries):
        received = now_ns()
        for entry in entries:
            sent = payload_stamp(entry.get("payload") or b"")
            if sent is None:
                say_ready()
            else:
                latencies.append((received - sent) / 1e6)
        return len(latencies) < n

    roles.client.subscribe_channel(pid, CHANNEL, roles.setup.user_key, after_seq=0, timeout=120,
                                   callback=on_entries)
    if len(latencies) < n:
        die("subscription ended early")
    report = Report()
    report.latencies("delivery", latencies)
    report.print()


def main():
    a = Args()
    modes = {"work": work, "pub": publish, "sub": subscribe}
    if a.mode not in modes:
        die(f"unknown mode {a.mode}")
    modes[a.mode](a)


if __name__ == "__main__":
    main()
