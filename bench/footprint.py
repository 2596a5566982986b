"""How much each client brings back into the caches per call: cache lines touched per sequential
append, counted by cachegrind with caches too small to keep much from one call to the next
(32 kB L1s, a 64 kB last level; the signing alone reads 64 kB). That is what a call reloads
when the server has had the cores since the last one, as it has here (about 1.7 ms per
append). See bench/README.md, round eight.

    bench/.venv/bin/python bench/footprint.py [row ...]

Rows: the bench's SDK rows over plain TCP (`raw`, `ck-rust`, `ck-rust-ct`, `ck-python`,
`ck-python-sync`, `ck-node`), all of them by default. (bench/loopcost's replays touch less than
the 64 kB cache holds per request, so part of what they touch stays: they are left out.) Needs
what `bench/run` builds and installs, and the server it leaves running (or one started with
`tests/server/up`). Each row runs twice under valgrind, with 40 and 200 appends: the
difference, per append, leaves start-up and shut-down out. Writes results/footprint.md and,
when the last bench run's results are there (results/latest.json, or beside BENCH_OUT), fits
their client CPU per append to the lines (least squares over the single-threaded rows). Where
strace is installed, each row also runs twice under `strace -f -c`: the system calls per append,
by name (the kernel's part of a call, which cachegrind does not see).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import driver

SMALL, BIG = 40, 200
CACHES = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=65536,16,64"]
# A call's own work only: no signing loop at start-up, one call for each other phase.
WORK = {"n_flight": 1, "inflight": 1, "rt_seq": 1, "rt_flight": 1, "sign_n": 1}
# The last bench/run's table (its runs are beside it, in .json); this script writes beside it.
LATEST = os.environ.get("BENCH_OUT", os.path.join(driver.HERE, "results", "latest.md"))
# Rows whose calls wait on one thread (the fit leaves out tokio's multi-thread row, which also
# pays a second thread switch per call).
SINGLE_THREADED = ("raw", "ck-rust-ct", "ck-python", "ck-python-sync", "ck-node")


def cachegrind(cmd: list[str], out: str, cwd: str) -> dict[str, int]:
    """Runs `cmd` under cachegrind; its event totals."""
    # --trace-children: `env BENCH_TOKIO=current <program>` is measured as the program.
    full = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=yes",
        "--trace-children=yes",
        f"--cachegrind-out-file={out}",
        *CACHES,
        *cmd,
    ]
    # One hash seed for both runs of a row: Python's start-up then does the same work in both,
    # which the difference per append would otherwise carry (±100 lines, from dict lookups).
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    r = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"{driver.describe(cmd)}: {driver.error_line(r.stderr, r.returncode)}")
    events = summary = None
    with open(out) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:"):
                summary = [int(x) for x in line.split()[1:]]
    if not events or not summary:
        raise RuntimeError(f"{out}: no cachegrind summary")
    return dict(zip(events, summary))


def strace(cmd: list[str], out: str, cwd: str) -> dict[str, int]:
    """Runs `cmd` under `strace -f -c`; its system calls, by name."""
    r = subprocess.run(
        ["strace", "-f", "-c", "-o", out, *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if r.returncode != 0:
        raise RuntimeError(f"{driver.describe(cmd)}: {driver.error_line(r.stderr, r.returncode)}")
    calls = {}
    with open(out) as f:
        for line in f:
            # "% time  seconds  usecs/call  calls  [errors]  syscall", then a "total" line.
            fields = line.split()
            if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
                calls[fields[-1]] = int(fields[3])
    return calls


def per_call(small: dict[str, int], big: dict[str, int]) -> dict[str, float]:
    """Instructions and lines (code, data) per append, between the two runs."""
    d = {k: (big[k] - small[k]) / (BIG - SMALL) for k in big}
    code = d["ILmr"]
    data = d["DLmr"] + d["DLmw"]
    return {"instructions": d["Ir"], "code_lines": code, "data_lines": data, "lines": code + data}


class Footprint(driver.Bench):
    def sdk_row(self, sdk: driver.Sdk) -> dict:
        row = per_call(*self.twice(sdk, cachegrind, "cg"))
        if shutil.which("strace"):
            small, big = self.twice(sdk, strace, "strace")
            row["syscalls"] = {k: (big[k] - small.get(k, 0)) / (BIG - SMALL) for k in big}
        return row

    def twice(self, sdk: driver.Sdk, tool, suffix: str) -> tuple[dict, dict]:
        """`tool`'s counts for the row's work with SMALL and with BIG appends, run at once."""
        runs = {}
        with ThreadPoolExecutor(2) as pool:
            for n in (SMALL, BIG):
                # A colony for each run: two runs' executors would assign (and close) each
                # other's processes.
                setup = self.setup(f"footprint-{sdk.key}-{suffix}-{n}")
                cmd = [*sdk.cmd, "work", setup, *driver.params({**WORK, "n_seq": n})]
                out = os.path.join(self.tmp, f"{sdk.key}-{n}.{suffix}")
                runs[n] = pool.submit(tool, cmd, out, self.cwd(sdk))
        return runs[SMALL].result(), runs[BIG].result()


def fit(rows: dict[str, dict[str, float]], cpu: dict[str, float]) -> tuple[float, float] | None:
    """Least squares of CPU per append (µs) on lines per append: (µs at no line, ns per line)."""
    keys = [k for k in SINGLE_THREADED if k in rows and k in cpu]
    if len(keys) < 3:
        return None
    slope, intercept = statistics.linear_regression(
        [rows[k]["lines"] for k in keys], [cpu[k] for k in keys]
    )
    return intercept, slope * 1000


def latest_cpu() -> tuple[dict[str, float], str]:
    """Client CPU per sequential append by row: the medians of the last bench run's."""
    path = os.path.splitext(LATEST)[0] + ".json"
    if not os.path.exists(path):
        return {}, ""
    with open(path) as f:
        latest = json.load(f)
    cpu = {k: driver.median(runs, "cpu_per_append_us") for k, runs in latest["runs"].items()}
    meta = latest["meta"]
    run = f"{meta['commit']}, {meta['started']}"
    return {k: v for k, v in cpu.items() if v is not None}, run


def render(
    rows: dict[str, dict[str, float]], failed: dict[str, str], labels: dict[str, str]
) -> str:
    floor = rows.get("raw")
    cpu, run = latest_cpu()
    lines = [
        "# Cache lines per call",
        "",
        "Per sequential append, by cachegrind with 32 kB L1 caches and a 64 kB last level",
        "(little stays from one call to the next): `bench/footprint.py`, see bench/README.md.",
        "",
    ]
    head = "| row | instructions | code lines | data lines | lines | over the floor's |"
    if cpu:
        head += f" client CPU µs ({run}) |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for key, r in rows.items():
        over = f"{r['lines'] - floor['lines']:+,.0f}" if floor else ""
        cells = [
            labels.get(key, key),
            f"{r['instructions'] / 1000:,.0f}k",
            f"{r['code_lines']:,.0f}",
            f"{r['data_lines']:,.0f}",
            f"{r['lines']:,.0f}",
            over,
        ]
        if cpu:
            cells.append(f"{cpu[key]:.0f}" if key in cpu else "")
        lines.append("| " + " | ".join(cells) + " |")
    if failed:
        lines += ["", *(f"Not measured: {labels.get(k, k)}: {why}" for k, why in failed.items())]
    lines += syscall_lines(rows, labels)
    fitted = fit(rows, cpu)
    if fitted:
        base, ns = fitted
        over = ", ".join(k for k in SINGLE_THREADED if k in rows and k in cpu)
        lines += [
            "",
            f"Least squares over {over}: client CPU per append "
            f"≈ {base:.0f} µs + {ns:.1f} ns per line.",
        ]
    return "\n".join(lines) + "\n"


def syscall_lines(rows: dict[str, dict], labels: dict[str, str]) -> list[str]:
    """The system calls per append, by row (those made at least once in ten appends)."""
    counted = {k: r["syscalls"] for k, r in rows.items() if "syscalls" in r}
    if not counted:
        return []
    lines = [
        "",
        "System calls per sequential append (`strace -f -c`, the same difference of two runs):",
        "",
        "| row | all | by name |",
        "|---|---|---|",
    ]
    for key, calls in counted.items():
        named = sorted(((n, name) for name, n in calls.items() if n >= 0.1), reverse=True)
        by_name = ", ".join(f"{name} {n:.1f}" for n, name in named)
        lines.append(f"| {labels.get(key, key)} | {sum(calls.values()):.1f} | {by_name} |")
    return lines


def main():
    labels = {s.key: s.label for s in driver.SDKS}
    keys = ("raw", *driver.COLONYKIT, "ck-rust-ct")
    plain = [s for s in driver.SDKS if not s.tls and s.key in keys]
    # By default the rows bench/run measured (BENCH_SDKS), the floor always.
    subset = [k for k in os.environ.get("BENCH_SDKS", "").split(",") if k]
    wanted = sys.argv[1:] or [s.key for s in plain if not subset or s.key in (*subset, "raw")]
    unknown = [k for k in wanted if k not in {s.key for s in plain}]
    if unknown:
        rows = ", ".join(s.key for s in plain)
        sys.exit(f"footprint.py: no row {', '.join(unknown)}; the rows: {rows}")
    if not driver.server_settings():
        sys.exit("footprint.py: no server runs: start one with tests/server/up")
    bench = Footprint()
    rows, failed = {}, {}
    try:
        for key in wanted:
            driver.log(f"footprint: {key}")
            try:
                rows[key] = bench.sdk_row(next(s for s in plain if s.key == key))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                driver.log(f"  failed: {e}")
                failed[key] = str(e)
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)  # the throw-away colonies' keys
    text = render(rows, failed, labels)
    out = os.path.join(os.path.dirname(LATEST), "footprint.md")
    with open(out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
