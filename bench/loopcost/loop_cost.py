"""What an event loop costs per network round trip, apart from any SDK: the client process's CPU
time and context switches per request/reply with an echo peer in another process, for a blocking
socket and for asyncio (a Protocol and a Future per reply: the least asyncio can do). The
difference is what any asyncio client pays per call on top of the same work done blocking.

    python3 bench/loopcost/loop_cost.py [round_trips]

Prints one JSON line per mode. See bench/README.md, "Where the time goes".
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys

REQUEST, REPLY = 600, 200  # about an append's request and reply on the wire
HERE = os.path.dirname(os.path.abspath(__file__))


def usage():
    """CPU ns and context switches of this process so far (all threads)."""
    cpu = switches = 0
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/schedstat") as f:
            cpu += int(f.read().split()[0])
        with open(f"/proc/self/task/{task}/status") as f:
            switches += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
    return cpu, switches


def peer():
    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "echo_server.py"), str(REQUEST), str(REPLY)],
        stdout=subprocess.PIPE,
        text=True,
    )
    return server, int(server.stdout.readline())


def blocking(n):
    server, port = peer()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b"q" * REQUEST

    def once():
        sock.sendall(request)
        got = 0
        while got < REPLY:
            got += len(sock.recv(65536))

    for _ in range(n // 10):  # warm-up
        once()
    before = usage()
    for _ in range(n):
        once()
    after = usage()
    sock.close()
    server.kill()
    server.wait()
    return before, after


class Client(asyncio.Protocol):
    def __init__(self):
        self.waiter = None
        self.got = 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.got += len(data)
        if self.got >= REPLY and self.waiter is not None:
            self.got = 0
            self.waiter.set_result(None)

    async def call(self, request):
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        await self.waiter


async def with_asyncio(n):
    server, port = peer()
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_connection(Client, "127.0.0.1", port)
    request = b"q" * REQUEST
    for _ in range(n // 10):
        await client.call(request)
    before = usage()
    for _ in range(n):
        await client.call(request)
    after = usage()
    transport.close()
    server.kill()
    server.wait()
    return before, after


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    for mode, run in (("blocking", blocking), ("asyncio", lambda n: asyncio.run(with_asyncio(n)))):
        (cpu0, sw0), (cpu1, sw1) = run(n)
        print(
            json.dumps(
                {
                    "language": "python",
                    "mode": mode,
                    "cpu_us_per_round_trip": round((cpu1 - cpu0) / 1e3 / n, 1),
                    "switches_per_round_trip": round((sw1 - sw0) / n, 2),
                }
            )
        )


if __name__ == "__main__":
    main()
