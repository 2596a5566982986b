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


def die(message: str):
    print(f"bench: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def now_ns() -> int:
    return time.time_ns()


def stamped_payload(ts_ns: int) -> bytes:
    text = f"{ts_ns:020d}:"
    return (text + "x" * (ENTRY_BYTES - len(text))).encode()


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


def cpu_ns() -> int:
    """CPU time (ns) used so far by all threads of this process."""
    import os

    total = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def context_switches() -> int:
    """Context switches so far, all threads of this process."""
    import os

    total = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/status") as f:
                total += sum(int(l.split()[1]) for l in f if "ctxt_switches:" in l)
        except OSError:
            pass
    return total


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
