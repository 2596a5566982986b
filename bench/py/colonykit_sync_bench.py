"""colonykit from Python with the blocking client (SyncClient), on the benchmark workload: plain
calls, threads for concurrency (16 threads sharing one client). See bench/README.md."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colonykit import FunctionSpec, SyncClient  # noqa: E402

from common import (  # noqa: E402
    CHANNEL,
    Args,
    Report,
    Setup,
    StreamMeter,
    blocking_publish,
    blocking_work,
    die,
    now_ns,
    payload_stamp,
    say_ready,
    stamped_payload,
    status_kb,
)


class Roles:
    def __init__(self, path):
        self.setup = Setup(path)
        self.user = SyncClient(self.setup.server, self.setup.user_key)
        self.exec = self.user.with_key(self.setup.exec_key)

    def spec(self, channels):
        s = self.setup
        return FunctionSpec("bench", executortype=s.exec_type, colonyname=s.colony,
                            channels=[CHANNEL] if channels else [])

    def assign(self):
        process = self.exec.assign(self.setup.colony, 10)
        if process is None:
            die("assign: no process")
        return process.processid

    def running(self):
        self.user.submit(self.spec(True))
        return self.assign()

    def append(self, pid, sequence):
        self.exec.append(pid, CHANNEL, sequence, stamped_payload(now_ns()))

    def close(self, pid):
        self.exec.close(pid, [])

    def fresh_append(self, pid, sequence):
        """One append by a fresh client (its own connections): the time to first call."""
        SyncClient(self.setup.server, self.setup.exec_key).append(
            pid, CHANNEL, sequence, stamped_payload(now_ns())
        )

    def round_trip(self):
        self.user.submit(self.spec(False))
        self.close(self.assign())


def work(a: Args):
    report = Report(rss_start_kb=status_kb("VmRSS"))
    blocking_work(Roles(a.setup), a, report)
    report.print()


def publish(a: Args):
    blocking_publish(Roles(a.setup), a)


def subscribe(a: Args):
    roles = Roles(a.setup)
    pid, n = a.str("pid"), a.get("n", 200)
    latencies = []
    for entry in roles.user.subscribe_channel(pid, CHANNEL):
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


def stream(a: Args):
    roles = Roles(a.setup)
    pid = a.str("pid")
    roles.user.get_process(pid)  # warm the client up: the baseline holds all but the stream
    meter = StreamMeter(a.get("n", 10_000), a.get("live", 0))
    for _entry in roles.user.subscribe_channel(pid, CHANNEL):
        if not meter.entry():
            break
    meter.report()


def main():
    a = Args()
    modes = {"work": work, "pub": publish, "sub": subscribe, "stream": stream}
    if a.mode not in modes:
        die(f"unknown mode {a.mode}")
    modes[a.mode](a)


if __name__ == "__main__":
    main()
