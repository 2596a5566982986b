"""What Python's runtimes cost per call on the bench's own appends, apart from any SDK: the floor's
sequential appends, signed in advance (``raw presign``), sent in order on one keep-alive
connection to the real server, by a blocking socket (``blocking``: each reply read and parsed in
Python, as the asyncio replay reads it; ``lean``: two calls into C per request and no parsing,
the least Python can do) or by asyncio (a reader callback and a Future per reply: the least
asyncio can do). The client's CPU time and context switches per request; the first request warms
the connection up. The server's work between request and reply, and what it
does to the client's caches meanwhile, is the floor's own: the difference to the floor's replay
(``raw replay``) is what the runtime alone costs per call.

    python3 bench/loopcost/loop_cost.py <setup.json> <requests.jsonl> blocking|lean|asyncio

Prints one JSON line. See bench/README.md, "Where the time goes".
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
from usage import process_usage

CRLF = b"\r\n"


def reply_length(data: bytes) -> int | None:
    """The length of the whole HTTP reply at the start of ``data``, once its head is in (bytes
    operations only: the least Python can do)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        sys.exit(f"reply: {data.split(CRLF, 1)[0]!r}")
    at = data.find(b"\r\nContent-Length:", 0, end)  # as Go's net/http writes it
    if at < 0:
        sys.exit("reply without Content-Length")
    return end + 4 + int(data[at + 17 : data.find(b"\r\n", at + 17)])


def exchange(sock, request: bytes) -> bytes:
    """Sends ``request`` on a blocking socket and returns the whole reply, read and parsed in
    Python."""
    sock.sendall(request)
    data = b""
    length = None
    while length is None or len(data) < length:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("the server closed the connection")
        data += chunk
        length = reply_length(data)
    return data


def connect(address):
    """A connection to the server, as the floor's: each request goes out at once (no Nagle)."""
    sock = socket.create_connection(address)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def blocking(address, requests):
    sock = connect(address)
    exchange(sock, requests[0])
    before = process_usage()
    for request in requests[1:]:
        exchange(sock, request)
    after = process_usage()
    sock.close()
    return before, after


def lean(address, requests):
    """The least Python can do per request: ``sendall`` and one ``recv_into`` of the reply's
    length, known from the first reply (the server's replies to these appends are all alike),
    into one buffer; the reply's body is checked against the first one's. Two calls into C and
    the loop around them: what a Python client of a native core cannot do without."""
    sock = connect(address)
    first = exchange(sock, requests[0])
    body = first[first.find(b"\r\n\r\n") + 4 :]
    length = len(first)
    buffer = bytearray(length)
    before = process_usage()
    for request in requests[1:]:
        sock.sendall(request)
        got = sock.recv_into(buffer, length, socket.MSG_WAITALL)
        if got != length or not buffer.endswith(body):
            sys.exit(f"reply unlike the first: {bytes(buffer[:got])!r}")
    after = process_usage()
    sock.close()
    return before, after


async def with_asyncio(address, requests):
    """A Future per reply, set by a reader callback on the loop (``add_reader``), the socket read
    and written directly: less than asyncio's transports and protocols do, and what colonykit's
    asyncio client does with the same loop."""
    loop = asyncio.get_running_loop()
    sock = connect(address)
    sock.setblocking(False)
    state = {"waiter": None, "data": b""}

    def readable():
        chunk = sock.recv(65536)
        if not chunk:
            state["waiter"].set_exception(ConnectionError("the server closed the connection"))
            loop.remove_reader(sock.fileno())
            return
        state["data"] += chunk
        length = reply_length(state["data"])
        if length is not None and len(state["data"]) >= length:
            state["data"] = b""
            state["waiter"].set_result(None)

    async def call(request):
        state["waiter"] = loop.create_future()
        if sock.send(request) != len(request):  # an append's request fits in the socket's buffer
            sys.exit("the request did not fit in the socket's buffer")
        await state["waiter"]

    loop.add_reader(sock.fileno(), readable)
    await call(requests[0])
    before = process_usage()
    for request in requests[1:]:
        await call(request)
    after = process_usage()
    loop.remove_reader(sock.fileno())
    sock.close()
    return before, after


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("blocking", "lean", "asyncio"):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        setup = json.load(f)
    with open(sys.argv[2]) as f:
        requests = [json.loads(line).encode("latin-1") for line in f]
    address, mode = (setup["host"], setup["port"]), sys.argv[3]
    if mode == "blocking":
        (cpu0, sw0), (cpu1, sw1) = blocking(address, requests)
    elif mode == "lean":
        (cpu0, sw0), (cpu1, sw1) = lean(address, requests)
    else:
        (cpu0, sw0), (cpu1, sw1) = asyncio.run(with_asyncio(address, requests))
    n = len(requests) - 1
    print(
        json.dumps(
            {
                "runtime": f"python {mode}",
                "cpu_per_request_us": round((cpu1 - cpu0) / 1e3 / n, 1),
                "switches_per_request": round((sw1 - sw0) / n, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
