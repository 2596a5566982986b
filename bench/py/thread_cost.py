"""Per-thread cost of sequential appends from Python: CPU µs and context switches per append,
for the loop's thread (``python``) and the runtime's worker (``colonykit``) apart.

    bench/.venv/bin/python bench/py/thread_cost.py <setup.json> <pid>[,<pid>...] async|sync

Each process (``bench/rust/target/release/raw mkproc <setup.json>``) takes 449 appends (inside
the server's burst). A tool for finding causes, not part of the table; see bench/README.md.
"""

from __future__ import annotations

import asyncio
import json
import sys

from colonykit import Client, SyncClient
from usage import thread_usage

CHANNEL = "bench"
PAYLOAD = b"x" * 100


def per_append(before, after, n):
    return {
        name: {
            "cpu_us": round((cpu - before.get(name, [0, 0])[0]) / 1e3 / n, 1),
            "switches": round((sw - before.get(name, [0, 0])[1]) / n, 2),
        }
        for name, (cpu, sw) in after.items()
    }


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("async", "sync"):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        setup = json.load(f)
    pids, mode = sys.argv[2].split(","), sys.argv[3]
    server = f"http://{setup['host']}:{setup['port']}"
    if mode == "async":

        async def run():
            client = Client(server, setup["exec_key"])
            await client.append(pids[0], CHANNEL, 1, PAYLOAD)  # warm up: runtime, connection
            before, n = thread_usage(), 0
            for pid in pids:
                for sequence in range(2, 451):
                    await client.append(pid, CHANNEL, sequence, PAYLOAD)
                    n += 1
            return per_append(before, thread_usage(), n)

        print(json.dumps(asyncio.run(run())))
    else:
        client = SyncClient(server, setup["exec_key"])
        client.append(pids[0], CHANNEL, 1, PAYLOAD)
        before, n = thread_usage(), 0
        for pid in pids:
            for sequence in range(2, 451):
                client.append(pid, CHANNEL, sequence, PAYLOAD)
                n += 1
        print(json.dumps(per_append(before, thread_usage(), n)))


if __name__ == "__main__":
    main()
