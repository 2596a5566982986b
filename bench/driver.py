#!/usr/bin/env python3
"""Runs the benchmark workload for every available SDK, alternating, and writes the table.

Called by bench/run once everything is built; stdlib only. Settings (environment):
  BENCH_RUNS     rounds over all SDKs (default 3; medians are over rounds)
  BENCH_SDKS     comma-separated subset of: raw,ck-rust,ck-python,ck-python-sync,ck-node,colonyos,
                 pycolonies,ck-rust-tls,ck-python-tls,ck-node-tls (the TLS rows need the TLS instance)
  BENCH_STREAM   0 skips the 10,000-entry streaming measurement (it needs ~100 s to fill)
  BENCH_OUT      where the table goes (default bench/results/latest.md)
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUST = os.path.join(HERE, "rust", "target", "release")
PY = os.path.join(HERE, ".venv", "bin", "python")
STATE = os.path.join(HERE, ".state")

# Workload sizes (per run of one SDK).
WORK_PARAMS = {"n_seq": 450, "n_flight": 450, "inflight": 16, "rt_seq": 100, "rt_flight": 320}
DELIVERY_N = 200
DELIVERY_INTERVAL_MS = 5
STREAM_N = 10_000
IDLE_SUBS = 1_000  # idle channel subscriptions open at once, for the memory per subscription
STARTUP_N = 9  # fresh processes per start-up probe (the cell is their median)
LOOPCOST = os.path.join(HERE, "loopcost")
# bench/loopcost: the runtimes that send the floor's appends, signed in advance, by their own
# sockets (the setup file and the requests file follow each command).
REPLAYS = {
    "rust blocking": lambda setup, requests: [os.path.join(RUST, "raw"), "replay", setup, f"requests={requests}"],
    "tokio multi-thread": lambda setup, requests: [os.path.join(RUST, "colonykit"), "replay", setup,
                                                   f"requests={requests}"],
    "tokio current-thread": lambda setup, requests: ["env", "BENCH_TOKIO=current", os.path.join(RUST, "colonykit"),
                                                     "replay", setup, f"requests={requests}"],
    "python blocking": lambda setup, requests: [PY, os.path.join(LOOPCOST, "loop_cost.py"), setup, requests,
                                                "blocking"],
    "python lean": lambda setup, requests: [PY, os.path.join(LOOPCOST, "loop_cost.py"), setup, requests,
                                            "lean"],
    "python asyncio": lambda setup, requests: [PY, os.path.join(LOOPCOST, "loop_cost.py"), setup, requests,
                                               "asyncio"],
    "node": lambda setup, requests: ["node", os.path.join(LOOPCOST, "loop_cost.mjs"), setup, requests],
}


class Sdk:
    def __init__(self, key, label, cmd, kind, work_extra=None, tls=False):
        self.key, self.label, self.cmd, self.kind = key, label, cmd, kind
        self.work_extra = work_extra or {}
        self.available, self.why = False, ""
        # Over TLS (the TLS test instance, a private CA): the `work` mode only.
        self.tls = tls
        self.base = key.removesuffix("-tls")


SDKS = [
    Sdk("raw", "raw floor (libsecp256k1 + keep-alive HTTP/1.1)", [os.path.join(RUST, "raw")], "floor"),
    Sdk("ck-rust", "colonykit (Rust)", [os.path.join(RUST, "colonykit")], "Rust"),
    # The same program on a current-thread runtime (`#[tokio::main(flavor = "current_thread")]`):
    # what a client that does one thing at a time should use; the row above has tokio's default.
    Sdk("ck-rust-ct", "colonykit (Rust, current-thread tokio)",
        ["env", "BENCH_TOKIO=current", os.path.join(RUST, "colonykit")], "Rust"),
    Sdk("ck-python", "colonykit (Python)", [PY, os.path.join(HERE, "py", "colonykit_bench.py")], "Python"),
    Sdk("ck-python-sync", "colonykit (Python, blocking)",
        [PY, os.path.join(HERE, "py", "colonykit_sync_bench.py")], "Python"),
    Sdk("ck-node", "colonykit (Node)", ["node", os.path.join(HERE, "node", "colonykit_bench.mjs")], "Node"),
    Sdk("colonyos", "colonyos crate 1.0.5", [os.path.join(RUST, "colonyos")], "other"),
    Sdk("pycolonies", "pycolonies 1.0.25", [PY, os.path.join(HERE, "py", "pycolonies_bench.py")], "other",
        {"sign_n": 100}),
    # The floor's work over TLS (rustls with the core's settings): what the TLS rows are also
    # compared with, under the table.
    Sdk("raw-tls", "raw floor over TLS (+ rustls)", [os.path.join(RUST, "raw")], "floor", tls=True),
    Sdk("ck-rust-tls", "colonykit (Rust) over TLS", [os.path.join(RUST, "colonykit")], "Rust", tls=True),
    Sdk("ck-python-tls", "colonykit (Python) over TLS", [PY, os.path.join(HERE, "py", "colonykit_bench.py")],
        "Python", tls=True),
    Sdk("ck-node-tls", "colonykit (Node) over TLS", ["node", os.path.join(HERE, "node", "colonykit_bench.mjs")],
        "Node", tls=True),
]
COLONYKIT = ("ck-rust", "ck-python", "ck-python-sync", "ck-node")
IDLE_SUB_SDKS = ("ck-rust", "ck-python", "ck-node")  # the async clients


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def server_settings(run="run"):
    path = os.path.join(ROOT, "tests", "server", run, "server.env")
    if not os.path.exists(path):
        return {}
    settings = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                settings[k] = v
    return settings


def probe(sdk: Sdk):
    """Whether the SDK can run here; the reason recorded by bench/run if it cannot."""
    if sdk.tls and not server_settings("run-tls"):
        sdk.why = "the TLS instance is not running (tests/server/README.md)"
        return
    why_file = os.path.join(STATE, f"{sdk.base}.why")
    if os.path.exists(why_file):
        with open(why_file) as f:
            sdk.why = f.read().strip() or "not built"
        return
    exe = sdk.cmd[0]
    if os.path.sep in exe and not os.access(exe, os.X_OK):
        sdk.why = f"{os.path.relpath(exe, ROOT)} was not built"
        return
    check = {
        "ck-python": [PY, "-c", "import colonykit"],
        "ck-python-sync": [PY, "-c", "import colonykit"],
        "pycolonies": [PY, "-c", "import pycolonies"],
        "ck-node": ["node", "--input-type=module", "-e", "await import('colonykit')"],
    }.get(sdk.base)
    if check:
        cwd = os.path.join(HERE, "node") if sdk.base == "ck-node" else HERE
        r = subprocess.run(check, cwd=cwd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            sdk.why = "cannot be loaded: " + (r.stderr.strip().splitlines() or ["?"])[-1][:200]
            return
    sdk.available = True


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON result line")


NOTES = []  # things worth knowing that did not stop a measurement


def busy_cores(window=0.25):
    """How many of the machine's cores were busy, on average, over the next `window` seconds."""
    def totals():
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    all_before, idle_before = totals()
    time.sleep(window)
    all_after, idle_after = totals()
    idle = (idle_after - idle_before) / max(all_after - all_before, 1)
    return (os.cpu_count() or 1) * (1 - idle)


def settle(quiet=0.15, longest=20.0):
    """Waits until the machine is quiet (under `quiet` cores busy over a quarter second; at most
    `longest` seconds): work the server and PostgreSQL still do after the last measurement would
    otherwise compete with the next one for the cores and caches. The seconds waited, and how
    busy the machine still was."""
    began = time.monotonic()
    while True:
        busy = busy_cores()
        waited = time.monotonic() - began
        if busy < quiet or waited > longest:
            return waited, busy


def describe(cmd):
    script = cmd[1] if len(cmd) > 1 and cmd[1].endswith((".py", ".mjs")) else cmd[0]
    mode = cmd[2] if script == cmd[1] and len(cmd) > 2 else (cmd[1] if len(cmd) > 1 else "")
    return f"{os.path.basename(script)} {mode}"


def error_line(stderr, code):
    """The most telling line of a failed program's stderr."""
    lines = [l.strip() for l in stderr.strip().splitlines() if l.strip()]
    for pick in (lambda l: l.startswith("bench:"), lambda l: "Error" in l or "error" in l):
        found = [l for l in lines if pick(l)]
        if found:
            return found[0][:300]
    return lines[-1][:300] if lines else exit_text(code)


def exit_text(code):
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def run(cmd, timeout, cwd=HERE):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        try:
            result = last_json(r.stdout)
        except ValueError:
            tail = error_line(r.stderr, r.returncode)
            raise RuntimeError(f"{describe(cmd)}: {tail} ({exit_text(r.returncode)})") from None
        # The program reported its result, then failed on the way out: keep the measurement.
        NOTES.append(f"{describe(cmd)}: {exit_text(r.returncode)} after reporting its result")
        return result
    return last_json(r.stdout)


def params(d):
    return [f"{k}={v}" for k, v in d.items()]


class Background:
    """A program whose stdout is read line by line; ready() waits for its READY line."""

    def __init__(self, cmd, cwd=HERE):
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines, self.err = [], []
        self.ready_event = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.strip() == "READY":
                self.ready_event.set()

    def _read_err(self):
        for line in self.proc.stderr:
            self.err.append(line)

    def ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.ready_event.wait(0.05):
                return
            if self.proc.poll() is not None:
                break
        self.kill()
        raise RuntimeError("subscriber not ready: " + (error_line("".join(self.err), 0) if self.err else "timed out"))

    def result(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("subscriber timed out")
        time.sleep(0.05)
        try:
            result = last_json("".join(self.lines))
        except ValueError:
            raise RuntimeError("subscriber: " + error_line("".join(self.err), self.proc.returncode)) from None
        if self.proc.returncode != 0:
            NOTES.append(f"{describe(self.proc.args)}: {exit_text(self.proc.returncode)} after reporting its result")
        return result

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Bench:
    def __init__(self):
        self.settings = server_settings()
        self.tmp = tempfile.mkdtemp(prefix="colonykit-bench-")
        self.raw = SDKS[0].cmd
        self.results = {s.key: [] for s in SDKS}  # per run: dict of metrics
        self.errors = {s.key: [] for s in SDKS}
        self.stream_live = {}
        self.loop_costs = []  # per run: {runtime: {cpu_per_request_us, switches_per_request}} (bench/loopcost)

    def setup(self, name, tls=False):
        path = os.path.join(self.tmp, f"{name}.json")
        s = server_settings("run-tls") if tls else self.settings
        # The raw floor speaks plain HTTP: over TLS it makes the colony through the server
        # itself (behind the TLS front); the SDK under test gets the TLS address and the CA.
        port = s["COLONYKIT_BACKEND_PORT"] if tls else s["COLONIES_SERVER_PORT"]
        run(self.raw + ["setup", path, f"host={s['COLONIES_SERVER_HOST']}",
                        f"port={port}", f"prvkey={s['COLONIES_SERVER_PRVKEY']}"], 60)
        if tls:
            with open(path) as f:
                data = json.load(f)
            data["server_url"] = f"https://{s['COLONIES_SERVER_HOST']}:{s['COLONIES_SERVER_PORT']}"
            data["ca_file"] = s["COLONIES_CA_FILE"]
            with open(path, "w") as f:
                json.dump(data, f)
        return path

    def mkproc(self, setup):
        return run(self.raw + ["mkproc", setup], 60)["processid"]

    def cwd(self, sdk):
        return os.path.join(HERE, "node") if sdk.base == "ck-node" else HERE

    def one_run(self, sdk: Sdk, r: int, stream_setup, stream_pid):
        metrics = {}
        setup = self.setup(f"{sdk.key}-{r}", sdk.tls)
        waited, busy = settle()
        log(f"  quiet after {waited:.1f} s ({busy:.2f} cores busy)")
        metrics.update(run(sdk.cmd + ["work", setup] + params({**WORK_PARAMS, **sdk.work_extra}), 900, self.cwd(sdk)))
        if sdk.tls:
            return metrics
        if sdk.key == "ck-rust":
            # Signing, core vs floor code alternated in one process: immune to the load swings
            # between two programs' runs.
            ab = run(sdk.cmd + ["sign-ab", setup, "n=3000", "rounds=6"], 300)
            metrics["sign_ab_ratio"] = ab["core_sign_us"] / ab["floor_sign_us"]
            # The sequential appends again, from a spawned task instead of the main future.
            spawned = run(sdk.cmd + ["seq-spawned", setup, f"n_seq={WORK_PARAMS['n_seq']}"], 300)
            metrics["spawned_cpu_us"] = spawned["cpu_per_append_us"]
            metrics["spawned_switches"] = spawned["switches_per_append"]
        # Delivery: this SDK appends (as the executor), this SDK subscribes (as the user) in
        # another process; entries carry their append start time.
        pid = self.mkproc(setup)
        sub = Background(sdk.cmd + ["sub", setup, f"pid={pid}", f"n={DELIVERY_N}"], self.cwd(sdk))
        try:
            sub.ready(60)
            run(sdk.cmd + ["pub", setup, f"pid={pid}", f"n={DELIVERY_N}", f"interval_ms={DELIVERY_INTERVAL_MS}"],
                120, self.cwd(sdk))
            delivered = sub.result(60)
        finally:
            sub.kill()
        metrics["delivery_p50_ms"] = delivered["delivery_p50_ms"]
        metrics["delivery_p99_ms"] = delivered["delivery_p99_ms"]
        metrics["sub_peak_rss_kb"] = delivered["peak_rss_kb"]
        run(self.raw + ["close", setup, f"pid={pid}"], 60)
        if sdk.key in IDLE_SUB_SDKS:
            pid = self.mkproc(setup)
            got = run(sdk.cmd + ["idle-subs", setup, f"pid={pid}", f"n={IDLE_SUBS}"], 300, self.cwd(sdk))
            metrics["idle_sub_kb"] = got["idle_sub_kb"]
            run(self.raw + ["close", setup, f"pid={pid}"], 60)
        if stream_pid and sdk.key in COLONYKIT:
            got = run(sdk.cmd + ["stream", stream_setup, f"pid={stream_pid}", f"n={STREAM_N}"], 300, self.cwd(sdk))
            metrics["stream_growth_kb"] = got["stream_growth_kb"]
            metrics["stream_base_kb"] = got["stream_base_kb"]
            metrics["stream_seconds"] = got["stream_seconds"]
            if sdk.key == "ck-rust":
                got = run(sdk.cmd + ["stream-paged", stream_setup, f"pid={stream_pid}", f"n={STREAM_N}"], 300)
                metrics["paged_growth_kb"] = got["stream_growth_kb"]
        return metrics

    def replays(self, r):
        """bench/loopcost: each runtime sends the floor's sequential appends to a fresh process,
        signed in advance by the floor (`raw presign`); its CPU and switches per request, by
        runtime. What failed is left out (and noted)."""
        setup = self.setup(f"replay-{r}")
        out = {}
        for runtime, command in REPLAYS.items():
            requests = os.path.join(self.tmp, f"replay-{r}.jsonl")
            try:
                pid = self.mkproc(setup)
                run(self.raw + ["presign", setup, f"pid={pid}", f"n={WORK_PARAMS['n_seq']}", f"out={requests}"], 60)
                settle()
                out[runtime] = run(command(setup, requests), 120)
                run(self.raw + ["close", setup, f"pid={pid}"], 60)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                NOTES.append(f"bench/loopcost, {runtime}: {e}")
        return out

    def fill_stream(self, sdks):
        """One channel filled to 10,000 entries while colonykit subscribers read it live."""
        setup = self.setup("stream")
        pid = self.mkproc(setup)
        subs = {}
        for sdk in sdks:
            try:
                b = Background(sdk.cmd + ["stream", setup, f"pid={pid}", f"n={STREAM_N}", "live=1"], self.cwd(sdk))
                b.ready(60)
                subs[sdk.key] = b
            except Exception as e:  # noqa: BLE001
                self.errors[sdk.key].append(f"live stream: {e}")
        log(f"filling a channel with {STREAM_N} entries (the server allows 100/s past a burst of 500: ~95 s)")
        began = time.time()
        filled = run(self.raw + ["fill", setup, f"pid={pid}", f"n={STREAM_N - 1}"], 600)
        log(f"filled in {time.time() - began:.0f} s ({filled['rate_limited']} appends refused by the rate limit and retried)")
        for key, b in subs.items():
            try:
                self.stream_live[key] = b.result(120)
            except Exception as e:  # noqa: BLE001
                self.errors[key].append(f"live stream: {e}")
            finally:
                b.kill()
        return setup, pid

    def main(self):
        runs = int(os.environ.get("BENCH_RUNS", "3"))
        wanted = [k for k in os.environ.get("BENCH_SDKS", "").split(",") if k]
        sdks = [s for s in SDKS if not wanted or s.key in wanted or s.key == "raw"]
        for sdk in sdks:
            probe(sdk)
            log(f"{sdk.label}: {'available' if sdk.available else 'NOT AVAILABLE: ' + sdk.why}")
        if not SDKS[0].available:
            log("the raw floor is needed (it also makes the colonies): " + SDKS[0].why)
            sys.exit(1)
        active = [s for s in sdks if s.available]
        started = datetime.now(timezone.utc)
        load_start = open("/proc/loadavg").read().split()[:3]

        stream_setup = stream_pid = None
        ck = [s for s in active if s.key in COLONYKIT]
        if ck and os.environ.get("BENCH_STREAM", "1") != "0":
            stream_setup, stream_pid = self.fill_stream(ck)

        for r in range(runs):
            order = active[r % len(active):] + active[: r % len(active)]
            for sdk in order:
                log(f"round {r + 1}/{runs}: {sdk.label}")
                try:
                    self.results[sdk.key].append(self.one_run(sdk, r, stream_setup, stream_pid))
                except Exception as e:  # noqa: BLE001
                    log(f"  failed: {e}")
                    self.errors[sdk.key].append(str(e))
            log(f"round {r + 1}/{runs}: what each runtime costs per append, apart from any SDK (bench/loopcost)")
            self.loop_costs.append(self.replays(r))
        if stream_pid:
            try:
                run(self.raw + ["close", stream_setup, f"pid={stream_pid}"], 60)
            except Exception:  # noqa: BLE001
                pass
        finished = datetime.now(timezone.utc)
        load_end = open("/proc/loadavg").read().split()[:3]
        meta = {
            "started": started.strftime("%Y-%m-%d %H:%M UTC"),
            "minutes": (finished - started).total_seconds() / 60,
            "load_start": " ".join(load_start),
            "load_end": " ".join(load_end),
            "runs": runs,
            "commit": git_commit(),
            "server": self.settings.get("COLONIES_VERSION", "?"),
            "baselines": runtime_baselines(),
            "startup": startup_costs(),
            "loop_costs": self.loop_costs,
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
        }
        text = render(sdks, self.results, self.errors, self.stream_live, meta)
        out = os.environ.get("BENCH_OUT", os.path.join(HERE, "results", "latest.md"))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            f.write(text)
        with open(os.path.splitext(out)[0] + ".json", "w") as f:
            json.dump({"meta": meta, "runs": self.results, "errors": self.errors, "stream_live": self.stream_live},
                      f, indent=1)
        print(text)
        log(f"written to {os.path.relpath(out, ROOT)}")
        shutil.rmtree(self.tmp, ignore_errors=True)  # the throw-away colonies' keys


def runtime_baselines():
    """Peak RSS (kB) of the bare runtimes, to tell theirs from colonykit's share."""
    probes = {
        "Python with asyncio imported": [PY, "-c", "import asyncio, re; "
                                         "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1])"],
        "Python with asyncio and colonykit imported": [PY, "-c", "import asyncio, re, colonykit; "
                                         "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1])"],
        "Node": ["node", "-e", "console.log(require('fs').readFileSync('/proc/self/status','utf8')"
                 ".match(/VmHWM:\\s+(\\d+)/)[1])"],
    }
    out = {}
    for name, cmd in probes.items():
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=HERE)
            out[name] = int(r.stdout.strip())
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
    return out


def startup_costs():
    """Wall time (ms) of a fresh process that loads the SDK, beside the bare runtime's: the median
    of STARTUP_N runs each, alternated."""
    node_dir = os.path.join(HERE, "node")
    probes = [
        ("python3 -c pass (bare)", [PY, "-c", "pass"], HERE),
        ("python3 -c 'import colonykit'", [PY, "-c", "import colonykit"], HERE),
        ("python3 -c 'import pycolonies'", [PY, "-c", "import pycolonies"], HERE),
        ("node -e '' (bare)", ["node", "-e", ""], node_dir),
        ("node -e \"require('colonykit')\"", ["node", "-e", "require('colonykit')"], node_dir),
    ]
    times = {name: [] for name, _, _ in probes}
    for _ in range(STARTUP_N):
        for name, cmd, cwd in probes:
            began = time.perf_counter()
            try:
                r = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if r.returncode == 0:
                times[name].append((time.perf_counter() - began) * 1e3)
    return {name: statistics.median(t) for name, t in times.items() if t}


def git_commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "core"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" (core/ has uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def median(runs, key):
    values = [m[key] for m in runs if isinstance(m.get(key), (int, float))]
    return statistics.median(values) if values else None


# Columns: (metric, header, format, better): better = "low" or "high" for ratios to the floor.
COLUMNS = [
    ("sign_us", "sign µs", "{:.1f}", "low"),
    ("append_p50_ms", "append p50 ms", "{:.2f}", "low"),
    ("append_p99_ms", "append p99 ms", "{:.2f}", "low"),
    ("seq_appends_per_s", "appends/s seq", "{:.0f}", "high"),
    ("cpu_per_append_us", "client CPU µs/append", "{:.0f}", "low"),
    ("switches_per_append", "context switches/append", "{:.1f}", "low"),
    ("flight_appends_per_s", "appends/s 16 in flight", "{:.0f}", "high"),
    ("delivery_p50_ms", "delivery p50 ms", "{:.2f}", "low"),
    ("rt_seq_per_s", "round trips/s seq", "{:.0f}", "high"),
    ("rt_flight_per_s", "round trips/s 16 in flight", "{:.0f}", "high"),
    ("peak_rss_kb", "client peak RSS MB", "mb", None),
    ("stream_growth_kb", "RSS growth, 10k backlog MB", "mb", None),
    ("first_call_ms", "first call ms (fresh client)", "{:.2f}", "low"),
    ("idle_sub_kb", f"kB per idle subscription ({IDLE_SUBS:,} open)", "{:.1f}", None),
]

TARGETS = [
    # (sdk, metric, kind, limit, text)
    ("ck-rust", "append_p50_ms", "ratio<=", 1.05, "sequential append p50 ≤ 1.05× floor"),
    ("ck-rust-ct", "append_p50_ms", "ratio<=", 1.05, "sequential append p50 ≤ 1.05× floor"),
    ("ck-python", "append_p50_ms", "ratio<=", 1.10, "sequential append p50 ≤ 1.10× floor"),
    ("ck-node", "append_p50_ms", "ratio<=", 1.10, "sequential append p50 ≤ 1.10× floor"),
    ("ck-rust", "flight_appends_per_s", "ratio>=", 0.95, "appends/s, 16 in flight ≥ 0.95× floor"),
    ("ck-rust-ct", "flight_appends_per_s", "ratio>=", 0.95, "appends/s, 16 in flight ≥ 0.95× floor"),
    ("ck-python", "flight_appends_per_s", "ratio>=", 0.90, "appends/s, 16 in flight ≥ 0.90× floor"),
    ("ck-node", "flight_appends_per_s", "ratio>=", 0.90, "appends/s, 16 in flight ≥ 0.90× floor"),
    ("ck-rust", "sign_ab_ratio", "value<=", 1.10, "signing ≤ 1.1× floor (core vs floor code, alternated in one process)"),
    ("ck-rust", "peak_rss_kb", "mb<=", 8, "client peak RSS ≤ 8 MB"),
    ("ck-python", "peak_rss_kb", "mb<=", 25, "client peak RSS ≤ 25 MB"),
    ("ck-node", "peak_rss_kb", "mb<=", 60, "client peak RSS ≤ 60 MB"),
    ("ck-rust", "stream_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (backlog) ≤ 5 MB"),
    ("ck-python", "stream_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (backlog) ≤ 5 MB"),
    ("ck-node", "stream_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (backlog) ≤ 5 MB"),
    ("ck-rust", "live_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (live) ≤ 5 MB"),
    ("ck-python", "live_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (live) ≤ 5 MB"),
    ("ck-node", "live_growth_kb", "mb<=", 5, "RSS growth over 10,000 streamed entries (live) ≤ 5 MB"),
    ("ck-rust", "cpu_per_append_us", "ratio<=", 1.2, "client CPU per sequential append ≤ 1.2× floor"),
    ("ck-rust-tls", "cpu_per_append_us", "ratio<=", 1.2, "client CPU per sequential append ≤ 1.2× floor"),
    ("ck-python", "cpu_per_append_us", "ratio<=", 1.6, "client CPU per sequential append ≤ 1.6× floor"),
    ("ck-python-sync", "cpu_per_append_us", "ratio<=", 1.6, "client CPU per sequential append ≤ 1.6× floor"),
    ("ck-python-tls", "cpu_per_append_us", "ratio<=", 1.6, "client CPU per sequential append ≤ 1.6× floor"),
    ("ck-node", "cpu_per_append_us", "ratio<=", 1.8, "client CPU per sequential append ≤ 1.8× floor"),
    ("ck-node-tls", "cpu_per_append_us", "ratio<=", 1.8, "client CPU per sequential append ≤ 1.8× floor"),
    *[(key, "switches_per_append", "value<=", 2, "context switches per sequential append ≤ 2")
      for key in ("ck-rust", "ck-rust-ct", "ck-python", "ck-python-sync", "ck-node")],
    *[(key, "first_call_ms", "ratio<=", 1.2, "time to first call on a fresh client ≤ 1.2× floor")
      for key in ("ck-rust", "ck-python", "ck-python-sync", "ck-node")],
    ("ck-rust", "idle_sub_kb", "kb<=", 12, f"memory per idle subscription ({IDLE_SUBS:,} open) ≤ 12 kB"),
    ("ck-python", "idle_sub_kb", "kb<=", 16, f"memory per idle subscription ({IDLE_SUBS:,} open) ≤ 16 kB"),
    ("ck-node", "idle_sub_kb", "kb<=", 20, f"memory per idle subscription ({IDLE_SUBS:,} open) ≤ 20 kB"),
]


def loop_cost_lines(per_run, floor_cpu, labels, results):
    """The experiment lines of bench/loopcost: what each runtime costs per append apart from any
    SDK, and the least client CPU per append that it leaves a client on it."""
    cpu = {k: median([run[k] for run in per_run if k in run], "cpu_per_request_us") for k in REPLAYS}
    switches = {k: median([run[k] for run in per_run if k in run], "switches_per_request") for k in REPLAYS}
    if cpu["rust blocking"] is None or not floor_cpu:
        return []
    parts = ", ".join(f"{k} {cpu[k]:.0f} µs ({switches[k]:.1f} switches)" for k in REPLAYS if cpu[k] is not None)
    lines = [
        f"- **Experiment, not an SDK figure**: what each runtime costs per append apart from any SDK "
        f"(bench/loopcost: the floor's {WORK_PARAMS['n_seq']} sequential appends, signed in advance by `raw "
        f"presign`, sent in order on one keep-alive connection by each runtime's own sockets, so that the server's "
        f"work and what it does to the client's caches meanwhile are the floor's; client CPU per request without "
        f"the signing, medians over rounds): {parts}. Tokio awaits in the program's main future (`block_on`), "
        f"Python's lean replay makes two calls into C per request (`sendall`, then one `recv_into` of the "
        f"reply's known length: the least Python can do), asyncio uses a reader callback and a Future per "
        f"reply, Node a `net.Socket` that reads into one buffer (`onread`) and a Promise per reply."]

    def least(name, extra, over):
        total = floor_cpu + extra
        return f"{name} {extra:.0f} µs over {over}, so at least {total:.0f} µs ({total / floor_cpu:.2f}× the floor)"

    core = median(results.get("ck-rust-ct", []), "cpu_per_append_us")

    def with_core(share):
        """The least plus the core's own cost over the floor's (the current-thread row)."""
        if core is None:
            return ""
        total = share + core
        return (f"; with the core's own cost over the floor's ({labels.get('ck-rust-ct', 'current-thread')} "
                f"row: {core - floor_cpu:.0f} µs) {total:.0f} µs ({total / floor_cpu:.2f}×)")

    bounds = []
    if cpu["tokio multi-thread"] is not None:
        bounds.append(least("tokio multi-thread", cpu["tokio multi-thread"] - cpu["rust blocking"],
                            "the floor's blocking socket"))
    if cpu["python lean"] is not None:
        python_share = cpu["python lean"] - cpu["rust blocking"]
        bounds.append(least("Python", python_share, "the floor's blocking socket (the lean replay)")
                      + with_core(python_share))
        if cpu["python asyncio"] is not None and cpu["python blocking"] is not None:
            # asyncio's own share (over a blocking Python socket, both parsing replies in Python)
            # on top of the least Python per request.
            asyncio_share = cpu["python asyncio"] - cpu["python blocking"]
            bounds.append(least("asyncio", python_share + asyncio_share,
                                f"the floor's blocking socket ({asyncio_share:.0f} µs over a blocking Python "
                                f"socket, on top of the lean replay's {python_share:.0f} µs)")
                          + with_core(python_share + asyncio_share))
    if cpu["node"] is not None:
        node_share = cpu["node"] - cpu["rust blocking"]
        bounds.append(least("Node", node_share, "the floor's blocking socket") + with_core(node_share))
    if bounds:
        lines.append("- **The least a client on each runtime costs per append** (the floor's work plus what the "
                     "runtime adds to the same requests, from the line above): " + "; ".join(bounds) + ".")
    # colonykit on the costlier runtime against its own row on the cheaper one plus the runtime's
    # share: what the binding adds beyond what the runtime itself costs.
    sums = []
    for row, base, runtime, cheaper in (("ck-rust", "ck-rust-ct", "tokio multi-thread", "tokio current-thread"),
                                        ("ck-python", "ck-python-sync", "python asyncio", "python blocking"),
                                        ("ck-node", "ck-rust-ct", "node", "rust blocking")):
        measured, alone = (median(results.get(k, []), "cpu_per_append_us") for k in (row, base))
        if None in (measured, alone, cpu[runtime], cpu[cheaper]):
            continue
        share = cpu[runtime] - cpu[cheaper]
        sums.append(f"{labels.get(row, row)} {measured:.0f} µs against the {labels.get(base, base)} row plus "
                    f"{runtime}'s share over {cheaper}, {alone:.0f} + {share:.0f} = {alone + share:.0f} µs")
    if sums:
        lines.append("- **Each row against its cheaper runtime's row plus the runtime's own share**: "
                     + "; ".join(sums) + ".")
    return lines


def tls_floor_lines(results, labels):
    """The TLS rows against the floor's own work over TLS."""
    floor = {k: median(results.get("raw-tls", []), k) for k in ("cpu_per_append_us", "first_call_ms")}
    if floor["cpu_per_append_us"] is None:
        return []
    parts = []
    for key in ("ck-rust-tls", "ck-python-tls", "ck-node-tls"):
        cpu, first = (median(results.get(key, []), k) for k in ("cpu_per_append_us", "first_call_ms"))
        if cpu is not None:
            part = f"{labels[key]} {cpu / floor['cpu_per_append_us']:.2f}×"
            if first is not None and floor["first_call_ms"]:
                part += f" (first call {first / floor['first_call_ms']:.2f}×)"
            parts.append(part)
    return [f"- **The TLS rows against the raw floor over TLS** (same client work, rustls with the core's settings): "
            f"client CPU per sequential append {floor['cpu_per_append_us']:.0f} µs, first call "
            f"{floor['first_call_ms'] or 0:.2f} ms; ratios of client CPU: {', '.join(parts)}."]


def render(sdks, results, errors, stream_live, meta):
    labels = {s.key: s.label for s in sdks}
    med = {s.key: {c[0]: median(results[s.key], c[0]) for c in COLUMNS + [("sign_ab_ratio",)]} for s in sdks}
    for key, live in stream_live.items():
        med.setdefault(key, {})["live_growth_kb"] = live.get("stream_growth_kb")
    floor = med.get("raw", {})

    def cell(key, metric, fmt, better):
        v = med[key].get(metric)
        if v is None:
            return "—"
        if fmt == "mb":
            return f"{v / 1024:.1f}"
        text = fmt.format(v)
        f = floor.get(metric)
        if better and f and key != "raw":
            text += f" ({v / f:.2f}×)"
        return text

    lines = [
        "# colonykit benchmarks: latest run",
        "",
        f"Run {meta['started']} ({meta['minutes']:.1f} min), {meta['runs']} rounds, SDKs alternated each round; "
        f"every cell is the median over rounds. Load average {meta['load_start']} at the start, "
        f"{meta['load_end']} at the end. Server {meta['server']} + PostgreSQL on the same machine "
        f"({meta['machine']}); colonykit at {meta['commit']}.",
        "",
        "Ratios in brackets are to the raw floor (for ms and µs lower is better, for /s higher is better).",
        "",
        "| SDK | " + " | ".join(c[1] for c in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for s in sdks:
        if not s.available:
            lines.append(f"| {labels[s.key]} | " + " | ".join(["not available"] + [""] * (len(COLUMNS) - 1)) + " |")
            continue
        if not results[s.key]:
            lines.append(f"| {labels[s.key]} | " + " | ".join(["failed"] + [""] * (len(COLUMNS) - 1)) + " |")
            continue
        n = len(results[s.key])
        label = labels[s.key] + ("" if n == meta["runs"] else f" ({n} of {meta['runs']} runs)")
        lines.append(f"| {label} | " + " | ".join(cell(s.key, c[0], c[2], c[3]) for c in COLUMNS) + " |")
    lines += ["", "## Targets", "", "| target | SDK | measured | result |", "|---|---|---|---|"]
    for key, metric, kind, limit, text in TARGETS:
        sdk = next((s for s in sdks if s.key == key), None)
        if sdk is None:
            continue
        v = med.get(key, {}).get(metric)
        if not sdk.available or v is None:
            lines.append(f"| {text} | {labels[key]} | — | not measured ({'not available' if not sdk.available else 'no result'}) |")
            continue
        if kind.startswith("ratio"):
            f = floor.get(metric)
            if not f:
                lines.append(f"| {text} | {labels[key]} | — | not measured (no floor) |")
                continue
            ratio = v / f
            ok = ratio <= limit if kind == "ratio<=" else ratio >= limit
            measured = f"{ratio:.2f}× ({v:.2f} vs {f:.2f})"
        elif kind == "value<=" and metric == "sign_ab_ratio":
            ok = v <= limit
            measured = f"{v:.2f}×"
        elif kind == "value<=":
            ok = v <= limit
            measured = f"{v:.1f}"
        elif kind == "kb<=":
            ok = v <= limit
            measured = f"{v:.1f} kB"
        else:
            ok = v / 1024 <= limit
            measured = f"{v / 1024:.1f} MB"
        lines.append(f"| {text} | {labels[key]} | {measured} | {'met' if ok else '**not met**'} |")
    lines += [
        "",
        "## What was measured",
        "",
        "- **sign µs**: one signature (SHA3-256 + secp256k1 + hex) of a typical append payload, mean of 2,000 "
        "(pycolonies: 100). The Python and Node bindings do not expose signing (the Rust core signs inside every "
        "call), so their cell is empty. The cells come from different programs run at different moments, so load swings "
        "show in them; the signing target is judged on `rust/colonykit sign-ab` instead, which alternates the core's "
        "`PrivateKey::sign` and the floor's code in one process (6 × 3,000 signatures each, medians).",
        f"- **append p50/p99, appends/s seq**: {WORK_PARAMS['n_seq']} sequential appends of 100 bytes by the "
        "executor to a fresh process's channel (inside the server's burst of 500 per process).",
        f"- **appends/s 16 in flight**: {WORK_PARAMS['n_flight']} appends to another fresh process, 16 at a time "
        "(tasks for async SDKs, threads for the floor and pycolonies; the floor uses one keep-alive connection per "
        "request in flight, as the server serves one request at a time per connection).",
        f"- **delivery p50**: append start → entry received by a subscriber (the process's submitter) in another "
        f"OS process, both using the SDK; {DELIVERY_N} entries, one every {DELIVERY_INTERVAL_MS} ms.",
        f"- **round trips/s**: submit (user) → assign (executor) → close (executor); {WORK_PARAMS['rt_seq']} "
        f"sequentially, {WORK_PARAMS['rt_flight']} with 16 in flight.",
        "- **client CPU µs/append**: CPU time of the client process (all threads, from /proc/self/task/*/schedstat) during the sequential appends, per append: the client's own cost, which competes with the server for the 2 cores; **context switches/append**: the same for the client's thread switches (voluntary + involuntary, /proc/self/task/*/status).",
        "- **client peak RSS**: VmHWM of the process that ran all of the above (sign, appends, round trips).",
        f"- **RSS growth, 10k backlog**: a subscriber reads a channel holding {STREAM_N:,} entries from the start; "
        "growth = peak RSS while reading (VmHWM, reset just before) − RSS before subscribing (client warmed up "
        "with one call; Python and Node also with a stream left at its first entry, since their calls run on the "
        "loop's thread and their streams on a runtime thread, which the baseline then holds too). (Subscribed without a catch-up, the server would send the whole backlog as one WebSocket frame; the core reads it in pages over HTTP first since commit 450ea77: before that, this growth was 20.1 MB in Rust, 20.4 MB in Python and 26.3 MB in Node, run of 09:44 UTC.)",
    ]
    spawned = median(results.get("ck-rust", []), "spawned_cpu_us")
    floor_cpu = floor.get("cpu_per_append_us")
    if spawned is not None and floor_cpu:
        switches = median(results["ck-rust"], "spawned_switches")
        lines.append(
            f"- **Experiment, not an SDK figure**: the Rust row's sequential appends made from a spawned task "
            f"instead of the program's main future (`block_on`), same runtime (bench/rust/colonykit "
            f"`seq-spawned`): client CPU {spawned:.0f} µs per append ({spawned / floor_cpu:.2f}× the floor), "
            f"{switches:.1f} context switches (medians). A reply awaited in `block_on` wakes the worker that "
            f"owns the reactor, which wakes the main thread; in a task the woken worker runs the call itself.")
    lines += loop_cost_lines(meta.get("loop_costs") or [], floor_cpu, labels, results)
    lines += tls_floor_lines(results, labels)
    paged = median(results.get("ck-rust", []), "paged_growth_kb")
    if paged is not None:
        lines.append(
            f"- **Experiment, not an SDK figure**: the same 10k backlog read by the Rust bench program with paged "
            f"`read_channel` calls (500 entries each) and then `subscribe_channel` from the position reached "
            f"(bench/rust/colonykit `stream-paged`): RSS growth {paged / 1024:.1f} MB (median).")
    if stream_live:
        parts = ", ".join(f"{labels[k]} {v['stream_growth_kb'] / 1024:.1f} MB" for k, v in stream_live.items())
        lines.append(
            f"- **RSS growth, live** (one sample per SDK, while the channel was being filled at the server's "
            f"100 appends/s; baseline after the first entry): {parts}.")
    lines += [
        f"- **first call ms (fresh client)**: a client made just before its first call (new connection: "
        f"connect, then the request; over TLS also the handshake) appends once to the sequential appends' "
        f"process, after them; median of 5 fresh clients per run. The floor opens a new keep-alive connection.",
        f"- **kB per idle subscription**: {IDLE_SUBS:,} subscriptions to one channel opened at once by one "
        "client, each reading one entry (so that each is connected); RSS growth (VmRSS after − before) divided by "
        f"{IDLE_SUBS:,}. Async clients only (Rust, Python asyncio, Node).",
    ]
    startup = meta.get("startup") or {}
    if startup:
        lines += ["", "## Start-up cost in a fresh process", "",
                  f"Wall time of a process that only loads the SDK (median of {STARTUP_N}, alternated), beside the "
                  "bare interpreter's.", "", "| process | ms |", "|---|---|"]
        lines += [f"| `{name}` | {ms:.0f} |" for name, ms in startup.items()]
    if NOTES:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in NOTES]
    errs = [(k, e) for k, es in errors.items() for e in es]
    if errs:
        lines += ["", "## Failures", ""] + [f"- {labels.get(k, k)}: {e}" for k, e in errs]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    Bench().main()
