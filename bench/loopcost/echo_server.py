"""An echo peer for the event-loop cost experiment: for every request of REQUEST bytes it reads,
it answers REPLY bytes. Prints its port, then serves one connection until it closes.

    python3 echo_server.py REQUEST REPLY
"""

import socket
import sys

request, reply = int(sys.argv[1]), int(sys.argv[2])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
answer = b"r" * reply
while True:
    got = 0
    while got < request:
        chunk = conn.recv(request - got)
        if not chunk:
            sys.exit(0)
        got += len(chunk)
    conn.sendall(answer)
