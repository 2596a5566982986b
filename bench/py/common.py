"""Shared pieces of the Python benchmark programs (stdlib only); mirrors bench/rust/common.

Every program is called as ``<script> <mode> <setup.json> [key=value ...]`` and prints its result
as one JSON object on its last stdout line (a subscriber prints ``READY`` first).
"""

from __future__ import annotations

import base64
import json
import math
import sys
import time

from usage import process_usage

CHANNEL = "bench"
ENTRY_BYTES = 100


class Setup:
    def __init__(self, path: str):
        with open(path) as f:
            v = json.load(f)
        self.host = v["host"]
        self.port = int(v["port"])
        # Over TLS the driver gives the TLS address and the CA to trust.
        self.server = v.get("server_url") or f"http://{self.host}:{self.port}"
        self.ca_file = v.get("ca_file")
        self.colony = v["colony"]
        self.colony_key = v["colony_key"]
        self.exec_key = v["exec_key"]
        self.exec_name = v["exec_name"]
        self.exec_type = v["exec_type"]
        self.user_key = v["user_key"]
        self.user_name = v["user_name"]


class Args:
    def __init__(self, argv=None):
        argv = sys.argv[1:] if argv is None else argv
        if len(argv) < 2:
            die("usage: <mode> <setup.json> [key=value ...]")
        self.mode, self.setup = argv[0], argv[1]
        self.params = dict(a.split("=", 1) for a in argv[2:] if "=" in a)

    def get(self, key, default):
        value = self.params.get(key)
        return default if value is None else type(default)(value)

    def str(self, key):
        if key not in self.params:
            die(f"missing parameter {key}=...")
        return self.params[key]


# Fresh clients timed for the time to first call (each appends once after the sequential
# appends; the cell is their median).
FIRST_CALLS = 5


def die(message: str):
    print(f"bench: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# Wall-clock ns, shared with the other processes on this machine (an alias: no Python frame per
# call, as the harness's own cost is counted in the client CPU per append).
now_ns = time.time_ns
# What follows the stamp in every payload.
PADDING = b"x" * (ENTRY_BYTES - 21)


def stamped_payload(ts_ns: int) -> bytes:
    """The send time, 20 digits and a colon, padded to ENTRY_BYTES (one bytes formatting: the
    cheapest way in Python, as the floor's is in Rust)."""
    return b"%020d:%s" % (ts_ns, PADDING)


def payload_stamp(payload: bytes):
    if len(payload) < 21 or payload[20:21] != b":":
        return None
    try:
        return int(payload[:20])
    except ValueError:
        return None


def sign_sample() -> str:
    body = {
        "processid": "f" * 64,
        "name": CHANNEL,
        "sequence": 123,
        "inreplyto": 0,
        "payload": base64.b64encode(stamped_payload(now_ns())).decode(),
        "payloadtype": "data",
        "msgtype": "channelappendmsg",
    }
    return base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


def time_per_call(n: int, f) -> float:
    for _ in range(max(n // 10, 5)):
        f()
    start = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - start) * 1e6 / n


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    rank = math.ceil(p / 100 * len(s))
    return s[min(max(rank, 1), len(s)) - 1]


def status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Report(dict):
    def latencies(self, prefix, samples):
        self[f"{prefix}_p50_ms"] = percentile(samples, 50)
        self[f"{prefix}_p99_ms"] = percentile(samples, 99)

    def print(self):
        self["peak_rss_kb"] = status_kb("VmHWM")
        print(json.dumps(self), flush=True)


def say_ready():
    print("READY", flush=True)


# --- The workload of a blocking client (threads for concurrency) ------------------------------
# `roles` has running() -> pid, append(pid, sequence), close(pid) and round_trip().


def in_threads(n, f):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(n) as pool:
        for future in [pool.submit(f) for _ in range(n)]:
            future.result()


def blocking_work(roles, a: Args, report: Report):
    """The `work` phases, with calls that block: 16 in flight are 16 threads."""
    import itertools
    import threading

    n_seq, n_flight = a.get("n_seq", 450), a.get("n_flight", 450)
    inflight, rt_seq, rt_flight = a.get("inflight", 16), a.get("rt_seq", 100), a.get("rt_flight", 320)
    pid = roles.running()
    samples = []
    cpu, switches = process_usage()
    began = time.perf_counter()
    for sequence in range(1, n_seq + 1):
        t = time.perf_counter()
        roles.append(pid, sequence)
        samples.append((time.perf_counter() - t) * 1e3)
    report["seq_appends_per_s"] = n_seq / (time.perf_counter() - began)
    cpu_after, switches_after = process_usage()
    report["cpu_per_append_us"] = (cpu_after - cpu) / 1e3 / n_seq
    report["switches_per_append"] = (switches_after - switches) / n_seq
    report.latencies("append", samples)
    report["hwm_after_seq_kb"] = status_kb("VmHWM")
    if hasattr(roles, "fresh_append"):
        firsts = []
        for i in range(1, FIRST_CALLS + 1):
            t = time.perf_counter()
            roles.fresh_append(pid, n_seq + i)
            firsts.append((time.perf_counter() - t) * 1e3)
        report["first_call_ms"] = percentile(firsts, 50)
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


def blocking_publish(roles, a: Args):
    """The `pub` mode: `n` appends, one every `interval_ms`."""
    pid, n, interval = a.str("pid"), a.get("n", 200), a.get("interval_ms", 5.0) / 1e3
    began = time.perf_counter()
    for sequence in range(1, n + 1):
        wait = began + interval * sequence - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        roles.append(pid, sequence)
    Report(published=n).print()


class StreamMeter:
    """The `stream` mode's measurement around a loop over a subscription: RSS growth from the
    start (backlog) or from the first entry (`live`, after saying READY)."""

    def __init__(self, n: int, live: int):
        self.n, self.live, self.count, self.baseline = n, live, 0, 0
        if not live:
            reset_peak_rss()
            self.baseline = status_kb("VmRSS")
        self.began = time.perf_counter()

    def entry(self) -> bool:
        """Counts an entry; whether the loop should go on."""
        self.count += 1
        if self.count == 1 and self.live:
            say_ready()
            reset_peak_rss()
            self.baseline = status_kb("VmRSS")
        return self.count < self.n

    def report(self):
        if self.count < self.n:
            die("subscription ended early")
        report = Report()
        report["stream_seconds"] = time.perf_counter() - self.began
        report["stream_entries"] = self.count
        report["stream_base_kb"] = self.baseline
        report["stream_growth_kb"] = max(status_kb("VmHWM") - self.baseline, 0)
        report.print()
