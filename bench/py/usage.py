"""What the bench counts as a client's own cost: CPU time and context switches of this process's
threads so far (Linux, /proc/self/task). Shared by the Python bench programs and bench/loopcost,
as node/usage.mjs is by the Node ones."""

from __future__ import annotations

import os


def thread_usage() -> dict[str, list[int]]:
    """``{name: [cpu ns, context switches]}`` so far, threads of one name together."""
    out: dict[str, list[int]] = {}
    for task in os.listdir("/proc/self/task"):
        base = f"/proc/self/task/{task}"
        try:
            with open(f"{base}/comm") as f:
                name = f.read().strip()
            with open(f"{base}/schedstat") as f:
                cpu = int(f.read().split()[0])
            with open(f"{base}/status") as f:
                switches = sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except OSError:
            continue  # the thread ended meanwhile
        total = out.setdefault(name, [0, 0])
        total[0] += cpu
        total[1] += switches
    return out


def process_usage() -> tuple[int, int]:
    """``(cpu ns, context switches)`` so far, all threads together."""
    cpu = switches = 0
    for thread_cpu, thread_switches in thread_usage().values():
        cpu += thread_cpu
        switches += thread_switches
    return cpu, switches
