"""Type stubs of colonykit's native module (the Rust core, through pyo3)."""

from collections.abc import Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, Optional, Union, final

from typing_extensions import Self

from colonykit._enums import ExecutorState, ProcessState

JSON = Any
"""A JSON value: None, bool, int, float, str, list/tuple of JSON values, dict of str to JSON."""

Payload = Union[bytes, bytearray, str]
StateLike = Union[ProcessState, int, str]

ACK: bytes
"""The payload of a sync-channel acknowledgement (b"ack")."""

def generate_key() -> str:
    """A new random private key, as 64 hex characters. Keep it secret."""

def key_id(prvkey: str) -> str:
    """The ID of a private key (how the server names whoever signs with it)."""

def _panic(in_coroutine: bool) -> Any:
    """Test hook: a Rust panic, which reaches Python as ``ColonyError`` of kind "Internal"."""

@final
class _Inbox:
    """Where finished native calls wait for their event loop (see ``colonykit._aio``)."""

    @property
    def fd(self) -> int:
        """The descriptor the loop watches."""
    def drain(self) -> None:
        """Sets the futures of the finished calls (the loop's reader callback)."""

@final
class Client:
    """A ColonyOS client: one connection pool and the private key it signs with.

    Every operation is an async method. ``with_key`` gives a client that signs as someone else
    and shares the pool. ``async with Client(...) as client`` works.
    """

    def __init__(self, server: str, prvkey: Optional[str] = None, *, timeout: float = 30.0) -> None:
        """A client of ``server`` (``http://host:port`` or ``https://host:port``) signing with
        ``prvkey`` (64 hex characters; None: unsigned calls only). ``timeout``: seconds an
        ordinary call may take."""
    @staticmethod
    def from_env() -> Client:
        """A client from COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_TLS and (optional)
        COLONIES_PRVKEY."""
    def with_key(self, prvkey: str) -> Client:
        """The same client (same pool, same settings) signing with ``prvkey``."""
    @property
    def id(self) -> Optional[str]:
        """The ID of the key this client signs with, or None."""
    @property
    def server(self) -> str:
        """The address of the server's RPC endpoint."""
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

    # Server
    def server_version(self) -> Coroutine[Any, Any, ServerVersion]:
        """The server's build version (works without a key)."""

    # Colonies
    def add_colony(self, colonyid: str, name: str) -> Coroutine[Any, Any, Colony]:
        """Adds a colony owned by the key with ID ``colonyid`` (signed by the server key)."""
    def remove_colony(self, colonyname: str) -> Coroutine[Any, Any, None]:
        """Removes a colony (signed by the server key)."""
    def get_colony(self, colonyname: str) -> Coroutine[Any, Any, Colony]:
        """A colony, by name (signed by a member)."""
    def get_colonies(self) -> Coroutine[Any, Any, list[Colony]]:
        """Every colony (signed by the server key)."""

    # Users
    def add_user(
        self, colonyname: str, userid: str, name: str, email: str = "", phone: str = ""
    ) -> Coroutine[Any, Any, User]:
        """Adds a user to a colony (signed by the colony key)."""
    def get_users(self, colonyname: str) -> Coroutine[Any, Any, list[User]]:
        """The users of a colony."""
    def remove_user(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a user (signed by the colony key)."""

    # Executors
    def add_executor(
        self, executorid: str, executortype: str, executorname: str, colonyname: str
    ) -> Coroutine[Any, Any, Executor]:
        """Registers an executor (signed by the colony key); it starts PENDING."""
    def get_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, Executor]:
        """An executor, by colony and name."""
    def get_executors(self, colonyname: str) -> Coroutine[Any, Any, list[Executor]]:
        """The executors of a colony."""
    def approve_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Approves a pending executor (signed by the colony key)."""
    def reject_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Rejects an executor (signed by the colony key)."""
    def remove_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Unregisters an executor (signed by the colony key)."""

    # Processes
    def submit(self, spec: FunctionSpec) -> Coroutine[Any, Any, Process]:
        """Submits a function spec; the process starts WAITING."""
    def assign(self, colonyname: str, timeout: float) -> Coroutine[Any, Any, Optional[Process]]:
        """Waits up to ``timeout`` seconds for a process to run and takes it; None if no work
        came in time. Only executors can assign."""
    def get_process(self, processid: str) -> Coroutine[Any, Any, Process]:
        """A process, by ID."""
    def get_processes(
        self, colonyname: str, state: StateLike, count: int = 100
    ) -> Coroutine[Any, Any, list[Process]]:
        """Up to ``count`` (at most 100) processes of a colony in ``state``, oldest first."""
    def remove_process(self, processid: str) -> Coroutine[Any, Any, None]:
        """Removes a process that is not running."""
    def set_output(self, processid: str, output: Sequence[JSON]) -> Coroutine[Any, Any, None]:
        """Sets the output of a running process (by its executor)."""
    def close(
        self, processid: str, output: Optional[Sequence[JSON]] = None
    ) -> Coroutine[Any, Any, None]:
        """Closes a process as successful, with ``output`` (by its executor). Deletes its
        channels."""
    def fail(self, processid: str, errors: Sequence[str]) -> Coroutine[Any, Any, None]:
        """Closes a process as failed, with ``errors`` (by its executor). Deletes its channels."""
    def cancel(self, processid: str) -> Coroutine[Any, Any, None]:
        """Cancels a process (server v1.9.12 or later). Deletes its channels."""
    def wait_for_state(
        self, processid: str, state: StateLike, timeout: float
    ) -> Coroutine[Any, Any, Process]:
        """Waits until the process is in ``state`` and returns it; ``TimeoutError`` after
        ``timeout`` seconds, ``ProcessClosedError`` if it is closed in another state."""

    # Channels
    def append(
        self,
        processid: str,
        channel: str,
        sequence: int,
        payload: Payload,
        *,
        kind: str = "data",
        inreplyto: int = 0,
    ) -> Coroutine[Any, Any, None]:
        """Appends an entry to a channel of a process (by its submitter or its executor)."""
    def read_channel(
        self, processid: str, channel: str, after: int = 0, limit: int = 0
    ) -> Coroutine[Any, Any, list[ChannelEntry]]:
        """Reads up to ``limit`` entries (0: all) of a channel's log, after the first
        ``after``."""
    def subscribe_channel(
        self,
        processid: str,
        channel: str,
        *,
        after: int = 0,
        idle_timeout: Optional[float] = None,
    ) -> ChannelSubscription:
        """Subscribes to a channel: an async iterator of its entries."""
    def channel_writer(
        self,
        processid: str,
        channel: str,
        *,
        first_sequence: int = 1,
        step: int = 1,
        max_in_flight: int = 16,
    ) -> Coroutine[Any, Any, ChannelWriter]:
        """A writer for a channel: ordered appends, several in flight, riding out the rate
        limit."""

    # Sync channel
    def acknowledge(self, processid: str, sync_channel: str) -> Coroutine[Any, Any, None]:
        """Client side: acknowledges on ``sync_channel`` that everything has arrived."""
    def wait_for_ack(
        self, processid: str, sync_channel: str, timeout: float
    ) -> Coroutine[Any, Any, None]:
        """Executor side: waits up to ``timeout`` seconds for the acknowledgement."""
    def close_after_ack(
        self, processid: str, sync_channel: str, output: Sequence[JSON], timeout: float
    ) -> Coroutine[Any, Any, None]:
        """Executor side: waits for the acknowledgement, then closes with ``output``."""

@final
class ChannelSubscription:
    """The entries of a channel, as an async iterator.

    Yields the backlog, then live entries; ends after an ``end`` or ``error`` entry. Leaving an
    ``async for`` early (break, exception, cancellation) closes the subscription; so do
    ``close()``, ``aclose()`` and leaving ``async with``. ``await sub.next()`` reads one entry
    (None at the end) without closing anything.
    """

    @property
    def processid(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def closed(self) -> bool:
        """Whether the subscription was closed or has ended."""
    def __aiter__(self) -> _ChannelIteration: ...
    def __anext__(self) -> Coroutine[Any, Any, ChannelEntry]: ...
    def next(self) -> Coroutine[Any, Any, Optional[ChannelEntry]]:
        """The next entry, or None when the stream has ended."""
    def close(self) -> None:
        """Closes the subscription now: its socket closes, a pending ``next`` ends."""
    async def aclose(self) -> None:
        """Closes the subscription."""
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

@final
class _ChannelIteration:
    """The iterator behind ``async for``: closes its subscription when released."""

    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Coroutine[Any, Any, ChannelEntry]: ...

@final
class ChannelWriter:
    """Appends entries to one channel, in order, several in flight, riding out the rate limit.

    ``send``/``reply`` return the entry's sequence once queued; ``end``, ``error`` and
    ``finish`` wait until everything is written. ``async with writer:`` finishes it on exit.
    """

    @property
    def processid(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    def send(self, payload: Payload) -> Coroutine[Any, Any, int]:
        """Queues a ``data`` entry; returns its sequence."""
    def reply(self, inreplyto: int, payload: Payload) -> Coroutine[Any, Any, int]:
        """Queues a ``data`` entry answering the other party's entry ``inreplyto``."""
    def end(self) -> Coroutine[Any, Any, WriterStats]:
        """Sends ``end`` and waits until every entry is written."""
    def error(self, message: Payload) -> Coroutine[Any, Any, WriterStats]:
        """Sends an ``error`` entry and waits until every entry is written."""
    def finish(self) -> Coroutine[Any, Any, WriterStats]:
        """Waits until every queued entry is written (without sending ``end``)."""
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

@final
class WriterStats:
    """What a channel writer did."""

    @property
    def written(self) -> int: ...
    @property
    def retried(self) -> int: ...
    @property
    def reordered(self) -> int: ...

class FunctionSpec:
    """What to run. Defaults are safe: ``maxexectime``/``maxwaittime`` -1 (no limit), never 0.

    Attributes can be read and assigned; list and dict attributes return a copy.
    """

    funcname: str
    executortype: str
    colonyname: str
    channels: list[str]
    args: list[JSON]
    kwargs: dict[str, JSON]
    maxexectime: int
    maxwaittime: int
    maxretries: int
    priority: int
    label: str
    nodename: str
    env: dict[str, str]
    def __init__(
        self,
        funcname: str,
        *,
        executortype: str,
        colonyname: str,
        channels: Sequence[str] = (),
        args: Sequence[JSON] = (),
        kwargs: Optional[Mapping[str, JSON]] = None,
        maxexectime: int = -1,
        maxwaittime: int = -1,
        maxretries: int = 0,
        priority: int = 0,
        label: str = "",
        nodename: str = "",
        env: Optional[Mapping[str, str]] = None,
    ) -> None: ...

@final
class Process:
    """A process: one run of a ``FunctionSpec``."""

    @property
    def processid(self) -> str: ...
    @property
    def initiatorid(self) -> str: ...
    @property
    def initiatorname(self) -> str: ...
    @property
    def assignedexecutorid(self) -> str: ...
    @property
    def isassigned(self) -> bool: ...
    @property
    def state(self) -> ProcessState: ...
    @property
    def prioritytime(self) -> int: ...
    @property
    def submissiontime(self) -> str: ...
    @property
    def starttime(self) -> str: ...
    @property
    def endtime(self) -> str: ...
    @property
    def waitdeadline(self) -> str: ...
    @property
    def execdeadline(self) -> str: ...
    @property
    def retries(self) -> int: ...
    @property
    def attributes(self) -> list[JSON]: ...
    @property
    def spec(self) -> FunctionSpec: ...
    @property
    def waitforparents(self) -> bool: ...
    @property
    def parents(self) -> list[str]: ...
    @property
    def children(self) -> list[str]: ...
    @property
    def processgraphid(self) -> str: ...
    @property
    def input(self) -> list[JSON]: ...
    @property
    def output(self) -> list[JSON]: ...
    @property
    def errors(self) -> list[str]: ...

@final
class ChannelEntry:
    """One entry of a channel's log."""

    @property
    def sequence(self) -> int: ...
    @property
    def inreplyto(self) -> int: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def kind(self) -> str:
        """ "data", "end", "error" or another type string."""
    @property
    def senderid(self) -> str: ...
    @property
    def timestamp(self) -> str: ...

@final
class Colony:
    """A colony."""

    @property
    def colonyid(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class User:
    """A user of a colony."""

    @property
    def colonyname(self) -> str: ...
    @property
    def userid(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def phone(self) -> str: ...

@final
class Executor:
    """An executor of a colony."""

    @property
    def executorid(self) -> str: ...
    @property
    def executortype(self) -> str: ...
    @property
    def executorname(self) -> str: ...
    @property
    def colonyname(self) -> str: ...
    @property
    def state(self) -> ExecutorState: ...
    @property
    def requirefuncreg(self) -> bool: ...
    @property
    def commissiontime(self) -> str: ...
    @property
    def lastheardfromtime(self) -> str: ...
    @property
    def locationname(self) -> str: ...
    @property
    def capabilities(self) -> JSON: ...
    @property
    def allocations(self) -> JSON: ...

@final
class ServerVersion:
    """The server's build version."""

    @property
    def buildversion(self) -> str: ...
    @property
    def buildtime(self) -> str: ...
