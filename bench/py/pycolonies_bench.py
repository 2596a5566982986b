"""pycolonies (PyPI, the official Python SDK) used as a library, on the benchmark workload.

pycolonies is synchronous (requests, one new connection per call, pure-Python signing), so the
16-in-flight phases use 16 threads.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crypto import Crypto  # noqa: E402  (pycolonies' signing module)
from pycolonies import Colonies, func_spec  # noqa: E402

from common import (  # noqa: E402
    CHANNEL,
    Args,
    Report,
    Setup,
    blocking_publish,
    blocking_work,
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


def work(a: Args):
    roles = Roles(a.setup)
    report = Report()
    sample, key, crypto = sign_sample(), roles.setup.exec_key, Crypto()
    report["sign_us"] = time_per_call(a.get("sign_n", 100), lambda: crypto.sign(sample, key))
    blocking_work(roles, a, report)
    report.print()


def publish(a: Args):
    blocking_publish(Roles(a.setup), a)


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
