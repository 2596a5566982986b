"""colonykit's exceptions: ``ColonyError`` and one subclass per error kind of the core."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Optional

__all__ = [
    "ChannelLostError",
    "ColonyError",
    "ConflictError",
    "ConnectionError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "NotFoundError",
    "OutcomeUnknownError",
    "ProcessClosedError",
    "ProtocolError",
    "RateLimitedError",
    "ServerError",
    "TimeoutError",
    "TlsError",
    "UnauthorizedError",
    "WriteProgress",
]


@dataclass(frozen=True)
class WriteProgress:
    """What a channel writer that gave up had written: the server accepted every sequence the
    writer was given except those in ``not_accepted`` (sent but not acknowledged, or not sent).

    Attributes:
        accepted: how many entries the server accepted.
        not_accepted: the sequences not accepted, in the writer's order.
    """

    accepted: int
    not_accepted: tuple[int, ...]


class ColonyError(Exception):
    """Any error of a colonykit operation.

    Attributes:
        kind: what went wrong, the same name in Rust, Python and Node ("NotFound", ...).
        status: the HTTP status the server answered with, or None.
        message: what was wrong, in words (the server's message when it sent one).
        write_progress: for a channel writer that gave up, which entries were accepted
            (``WriteProgress``); None otherwise.
    """

    kind: str = "Unknown"

    def __init__(
        self,
        message: str,
        kind: Optional[str] = None,
        status: Optional[int] = None,
        write_progress: Optional[WriteProgress] = None,
    ):
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        self.status = status
        self.write_progress = write_progress

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.message} (HTTP {self.status})"

    def __reduce__(self):
        return (type(self), (self.message, self.kind, self.status, self.write_progress))


class InvalidArgumentError(ColonyError, ValueError):
    """A bad argument, caught before anything was sent (bad key, bad address, bad timeout...)."""

    kind = "InvalidArgument"


class NotFoundError(ColonyError):
    """The server said the object does not exist (HTTP 404)."""

    kind = "NotFound"


class UnauthorizedError(ColonyError):
    """The caller may not do this: bad signature, not a member, not the owner (HTTP 401/403)."""

    kind = "Unauthorized"


class InvalidRequestError(ColonyError):
    """The server rejected the request as malformed or invalid (HTTP 400)."""

    kind = "InvalidRequest"


class ConflictError(ColonyError):
    """The object already exists or is in use (HTTP 409)."""

    kind = "Conflict"


class RateLimitedError(ColonyError):
    """The server's rate limit was hit; retrying later may succeed."""

    kind = "RateLimited"


class TimeoutError(ColonyError, builtins.TimeoutError):
    """A wait ran out of time (client-side timeout, or HTTP 408)."""

    kind = "Timeout"


class ConnectionError(ColonyError, builtins.ConnectionError):
    """The server could not be reached, or the connection was lost."""

    kind = "Connection"


class TlsError(ColonyError, builtins.ConnectionError):
    """TLS failed: the server's certificate is not trusted (unknown issuer, wrong name, expired),
    the server and the address disagree on TLS (https to a plain server or the reverse), or a CA
    or client certificate file could not be used. Not transient: retrying will not help."""

    kind = "Tls"


class OutcomeUnknownError(ColonyError, builtins.ConnectionError):
    """A call that changes something got no answer: its cluster node went away after the request
    went out, so it may or may not have been carried out. It was not sent again (that could do
    it twice): check (e.g. look for the submitted process), then decide."""

    kind = "OutcomeUnknown"


class ChannelLostError(ColonyError, builtins.ConnectionError):
    """The cluster node that held a process's channels cannot be reached. A ColonyOS cluster
    keeps channel logs in each node's memory and does not copy them to other nodes, so the
    channel's entries are gone with that node."""

    kind = "ChannelLost"


class ProtocolError(ColonyError):
    """The server's answer could not be understood (empty, not JSON, truncated...)."""

    kind = "Protocol"


class ServerError(ColonyError):
    """The server failed (HTTP 5xx)."""

    kind = "Server"


class ProcessClosedError(ColonyError):
    """The process was closed (successful, failed or cancelled) while it was being waited on."""

    kind = "ProcessClosed"
