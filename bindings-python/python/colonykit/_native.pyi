"""Type stubs of colonykit's native module (the Rust core, through pyo3)."""

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from os import PathLike
from types import TracebackType
from typing import Any, Generic, Optional, TypeVar, Union, final

from typing_extensions import Self, dataclass_transform

from colonykit._enums import ExecutorState, ProcessState

JSON = Any
"""A JSON value: None, bool, int, float, str, list/tuple of JSON values, dict of str to JSON."""

Payload = Union[bytes, bytearray, str]
JSONList = list[JSON]
Strings = list[str]
OptionalWorkflow = Optional["WorkflowSpec"]
"""A cron's or generator's workflow: None when unset. Its JSON text is accepted too (as
colonykit or the official CLI writes it, Go's ``null`` lists and maps included)."""
StateLike = Union[ProcessState, int, str]
T = TypeVar("T")

ACK: bytes
"""The payload of a sync-channel acknowledgement (b"ack")."""

def generate_key() -> str:
    """A new random private key, as 64 hex characters. Keep it secret."""

def key_id(prvkey: str) -> str:
    """The ID of a private key (how the server names whoever signs with it)."""

def _panic(in_coroutine: bool) -> Any:
    """Test hook: a Rust panic, which reaches Python as ``ColonyError`` of kind "Internal"."""

@final
class _Start:
    """A native call, started when its coroutine first runs (see ``colonykit._aio``)."""

    def __call__(self) -> asyncio.Future[Any]: ...
    def abort(self) -> None:
        """Gives the call up if it still waits."""

@final
class _Inbox:
    """Where finished native calls wait for their event loop (see ``colonykit._aio``)."""

    socket_wake: bool
    def __init__(self, schedule: Optional[Any] = None) -> None: ...
    @property
    def fd(self) -> int:
        """The descriptor the loop watches (socket wake only)."""
    def drain(self) -> None:
        """Sets the futures of the finished calls, polls the driven calls woken elsewhere."""
    def ready(self) -> None:
        """A socket a driven call waits on may be ready (the loop's reader callback)."""
    def timer_fired(self) -> None:
        """Fires the due timers of driven calls (armed with ``loop.call_later``)."""
    @staticmethod
    def close_wakes() -> None:
        """Stops the threadsafe wakes for good (at interpreter exit)."""

@final
class Client:
    """A ColonyOS client: one connection pool and the private key it signs with.

    Every operation is an async method. ``with_key`` gives a client that signs as someone else
    and shares the pool. ``async with Client(...) as client`` works.
    """

    def __init__(
        self,
        server: Union[str, Sequence[str]],
        prvkey: Optional[str] = None,
        *,
        timeout: float = 30.0,
        max_in_flight: int = 32,
        ca_file: Optional[Union[str, PathLike[str]]] = None,
        ca_pem: Optional[str] = None,
        client_cert: Optional[Union[str, PathLike[str]]] = None,
        client_key: Optional[Union[str, PathLike[str]]] = None,
        danger_skip_tls_verify: bool = False,
    ) -> None:
        """A client of ``server`` (``http://host:port`` or ``https://host:port``), or of the
        nodes of a cluster (a list of such addresses, written alike by every client of the
        cluster), signing with ``prvkey`` (64 hex characters; None: unsigned calls only).
        ``timeout``: seconds an ordinary call may take; ``max_in_flight``: the most ordinary
        calls in flight at once (more wait their turn; the server deadlocks near 100). TLS: the
        system's trust store and the web roots, plus the CA certificates of ``ca_file`` (a PEM
        file) or ``ca_pem`` (PEM text); ``client_cert`` and ``client_key`` (PEM files) for a
        server that asks for a client certificate; ``danger_skip_tls_verify`` accepts any
        certificate (test servers only; warns)."""
    @staticmethod
    def from_env(
        *,
        ca_file: Optional[Union[str, PathLike[str]]] = None,
        ca_pem: Optional[str] = None,
        client_cert: Optional[Union[str, PathLike[str]]] = None,
        client_key: Optional[Union[str, PathLike[str]]] = None,
        danger_skip_tls_verify: bool = False,
    ) -> Client:
        """A client from COLONIES_SERVER_HOST and COLONIES_SERVER_PORT (or COLONIES_SERVERS,
        a cluster's nodes as host:port,host:port,...), COLONIES_TLS (or
        pycolonies' COLONIES_SERVER_TLS), COLONIES_CA_FILE and (optional) COLONIES_PRVKEY; the
        TLS keywords as for the constructor."""
    def with_key(self, prvkey: str) -> Client:
        """The same client (same pool, same settings) signing with ``prvkey``."""
    @property
    def id(self) -> Optional[str]:
        """The ID of the key this client signs with, or None."""
    @property
    def server(self) -> str:
        """The address of the (first) server's RPC endpoint."""
    @property
    def servers(self) -> list[str]:
        """The addresses of the RPC endpoints of every server, in the order they were given."""
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

    # Users
    def add_user(
        self, colonyname: str, userid: str, name: str, email: str = "", phone: str = ""
    ) -> Coroutine[Any, Any, User]:
        """Adds a user to a colony (signed by the colony key)."""

    # Executors
    def add_executor(
        self, executorid: str, executortype: str, executorname: str, colonyname: str
    ) -> Coroutine[Any, Any, Executor]:
        """Registers an executor (signed by the colony key); it starts PENDING."""

    # Processes
    def assign(self, colonyname: str, timeout: float) -> Coroutine[Any, Any, Optional[Process]]:
        """Waits up to ``timeout`` seconds for a process to run and takes it; None if no work
        came in time. Only executors can assign."""
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
        reconnect_deadline: Optional[float] = None,
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
        reconnect_deadline: Optional[float] = None,
    ) -> Coroutine[Any, Any, ChannelWriter]:
        """A writer for a channel: ordered appends, several in flight, riding out the rate
        limit."""

    # Sync channel
    def wait_for_ack(
        self, processid: str, sync_channel: str, timeout: float
    ) -> Coroutine[Any, Any, None]:
        """Executor side: waits up to ``timeout`` seconds for the acknowledgement."""
    def close_after_ack(
        self, processid: str, sync_channel: str, output: Sequence[JSON], timeout: float
    ) -> Coroutine[Any, Any, None]:
        """Executor side: waits for the acknowledgement, then closes with ``output``."""

    # Process streams
    def subscribe_processes(self, executortype: str, state: StateLike) -> ProcessSubscription:
        """Processes of ``executortype`` as they reach ``state`` (e.g. new WAITING ones),
        as an async iterator. Only a registered executor may subscribe; use ``assignments`` to
        take work, this stream is for watching."""
    def assignments(self, colonyname: str, poll: float = 10.0) -> ProcessSubscription:
        """The processes assigned to this executor, one by one, as an async iterator. Each poll
        waits up to ``poll`` seconds; no work means waiting, not an error. Leaving the loop (or
        ``close()``) ends it at once."""

    # --- Generated from the core's table of operations: do not edit (see ARCHITECTURE.md) ---
    def server_version(self) -> Coroutine[Any, Any, ServerVersion]:
        """The server's build version (works without a key)."""
    def server_info(self) -> Coroutine[Any, Any, ServerInfo]:
        """The server's build and endpoints (works without a key)."""
    def get_statistics(self) -> Coroutine[Any, Any, Statistics]:
        """Counts over the whole server (signed by the server key)."""
    def get_cluster(self) -> Coroutine[Any, Any, Cluster]:
        """The servers of the cluster and its leader (signed by the server key)."""
    def change_server_id(self, serverid: str) -> Coroutine[Any, Any, None]:
        """Gives the server to the key with ID ``serverid`` (signed by the server key)."""
    def add_colony(self, colonyid: str, name: str) -> Coroutine[Any, Any, Colony]:
        """Adds a colony owned by the key with ID ``colonyid`` (signed by the server key)."""
    def remove_colony(self, colonyname: str) -> Coroutine[Any, Any, None]:
        """Removes a colony (signed by the server key)."""
    def get_colony(self, colonyname: str) -> Coroutine[Any, Any, Colony]:
        """A colony, by name (signed by a member)."""
    def get_colonies(self) -> Coroutine[Any, Any, list[Colony]]:
        """Every colony (signed by the server key)."""
    def get_colony_statistics(self, colonyname: str) -> Coroutine[Any, Any, Statistics]:
        """Counts of a colony's executors, processes and workflows (signed by a member)."""
    def change_colony_id(self, colonyname: str, colonyid: str) -> Coroutine[Any, Any, None]:
        """Gives a colony to the key with ID ``colonyid`` (signed by the colony key)."""
    def get_users(self, colonyname: str) -> Coroutine[Any, Any, list[User]]:
        """The users of a colony."""
    def get_user(self, colonyname: str, name: str) -> Coroutine[Any, Any, User]:
        """A user, by colony and name."""
    def get_user_by_id(self, colonyname: str, userid: str) -> Coroutine[Any, Any, User]:
        """A user, by colony and key ID."""
    def remove_user(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a user (signed by the colony key)."""
    def change_user_id(self, colonyname: str, userid: str) -> Coroutine[Any, Any, None]:
        """Moves the calling user to the key with ID ``userid`` (signed by the user)."""
    def get_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, Executor]:
        """An executor, by colony and name."""
    def get_executor_by_id(self, colonyname: str, executorid: str) -> Coroutine[Any, Any, Executor]:
        """An executor, by colony and key ID."""
    def get_executors(self, colonyname: str) -> Coroutine[Any, Any, list[Executor]]:
        """The executors of a colony."""
    def approve_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Approves a pending executor (signed by the colony key)."""
    def reject_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Rejects an executor (signed by the colony key)."""
    def remove_executor(self, colonyname: str, executorname: str) -> Coroutine[Any, Any, None]:
        """Unregisters an executor (signed by the colony key)."""
    def report_allocations(
        self, colonyname: str, executorname: str, allocations: JSON
    ) -> Coroutine[Any, Any, None]:
        """Reports the calling executor's resource allocations (free-form JSON)."""
    def update_executor(
        self, colonyname: str, executorname: str, capabilities: JSON
    ) -> Coroutine[Any, Any, None]:
        """Updates the calling executor's capabilities (free-form JSON)."""
    def change_executor_id(self, colonyname: str, executorid: str) -> Coroutine[Any, Any, None]:
        """Moves the calling executor to the key with ID ``executorid`` (signed by the executor)."""
    def add_function(self, function: Function) -> Coroutine[Any, Any, Function]:
        """Registers a function of the calling executor; the server fills in its ID."""
    def get_functions(
        self, colonyname: str, executorname: Optional[str] = None
    ) -> Coroutine[Any, Any, list[Function]]:
        """The functions of one executor, or of the whole colony when ``executorname`` is ""."""
    def remove_function(self, functionid: str) -> Coroutine[Any, Any, None]:
        """Removes a function of the calling executor."""
    def add_location(self, location: Location) -> Coroutine[Any, Any, Location]:
        """Adds a location (signed by the colony key)."""
    def get_locations(self, colonyname: str) -> Coroutine[Any, Any, list[Location]]:
        """The locations of a colony."""
    def get_location(self, colonyname: str, name: str) -> Coroutine[Any, Any, Location]:
        """A location, by colony and name."""
    def remove_location(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a location (signed by the colony key)."""
    def submit(self, spec: FunctionSpec) -> Coroutine[Any, Any, Process]:
        """Submits a function spec; the process starts WAITING."""
    def get_process(self, processid: str) -> Coroutine[Any, Any, Process]:
        """A process, by ID."""
    def get_processes(
        self, colonyname: str, state: StateLike, count: Optional[int] = None
    ) -> Coroutine[Any, Any, list[Process]]:
        """Up to ``count`` (at most 100, default 100) processes of a colony in ``state``, oldest
        first."""
    def remove_process(self, processid: str) -> Coroutine[Any, Any, None]:
        """Removes a process that is not running."""
    def set_output(self, processid: str, output: Sequence[JSON]) -> Coroutine[Any, Any, None]:
        """Sets the output (a list of JSON values) of a running process (by its executor)."""
    def close(
        self, processid: str, output: Optional[Sequence[JSON]] = None
    ) -> Coroutine[Any, Any, None]:
        """Closes a process as successful, with ``output`` (by its executor). Deletes its
        channels."""
    def fail(
        self, processid: str, errors: Optional[Sequence[str]] = None
    ) -> Coroutine[Any, Any, None]:
        """Closes a process as failed, with ``errors`` (by its executor). Deletes its channels."""
    def cancel(self, processid: str) -> Coroutine[Any, Any, None]:
        """Cancels a process (server v1.9.12 or later). Deletes its channels."""
    def get_process_history(
        self, colonyname: str, state: StateLike, seconds: int, executorid: Optional[str] = None
    ) -> Coroutine[Any, Any, list[Process]]:
        """Processes of a colony in ``state`` that ended within the last ``seconds``; only those of
        one executor if ``executorid`` is given."""
    def remove_all_processes(
        self, colonyname: str, state: Optional[StateLike] = None
    ) -> Coroutine[Any, Any, None]:
        """Removes every process of a colony in ``state``, or in any state but RUNNING without one
        (signed by the colony key)."""
    def pause_assignments(self, colonyname: str) -> Coroutine[Any, Any, None]:
        """Pauses the assignment of a colony's processes (signed by the colony key)."""
    def resume_assignments(self, colonyname: str) -> Coroutine[Any, Any, None]:
        """Resumes the assignment of a colony's processes (signed by the colony key)."""
    def get_pause_status(self, colonyname: str) -> Coroutine[Any, Any, PauseStatus]:
        """Whether a colony's assignments are paused."""
    def submit_workflow(self, workflow: WorkflowSpec) -> Coroutine[Any, Any, ProcessGraph]:
        """Submits a workflow (a graph of processes); returns its process graph."""
    def get_process_graph(self, processgraphid: str) -> Coroutine[Any, Any, ProcessGraph]:
        """A workflow, by ID."""
    def get_process_graphs(
        self, colonyname: str, state: StateLike, count: Optional[int] = None
    ) -> Coroutine[Any, Any, list[ProcessGraph]]:
        """Up to ``count`` (at most 100, default 100) workflows of a colony in ``state``."""
    def remove_process_graph(self, processgraphid: str) -> Coroutine[Any, Any, None]:
        """Removes a workflow that is not running, with its processes."""
    def remove_all_process_graphs(
        self, colonyname: str, state: Optional[StateLike] = None
    ) -> Coroutine[Any, Any, None]:
        """Removes every workflow of a colony in ``state``, or in any state but RUNNING without one
        (signed by the colony key)."""
    def add_child(
        self,
        processgraphid: str,
        parentprocessid: str,
        spec: FunctionSpec,
        insert: Optional[bool] = None,
    ) -> Coroutine[Any, Any, Process]:
        """Adds a process to a running workflow as a child of ``parentprocessid`` (assigned to the
        caller); with ``insert``, between the parent and its children."""
    def cancel_process_graph(self, processgraphid: str) -> Coroutine[Any, Any, None]:
        """Cancels every waiting or running process of a workflow."""
    def add_log(self, processid: str, message: str) -> Coroutine[Any, Any, None]:
        """Adds a log line to a running process (by its executor)."""
    def add_executor_log(
        self, colonyname: str, executorname: str, message: str
    ) -> Coroutine[Any, Any, None]:
        """Adds a log line of the calling executor."""
    def get_logs(
        self,
        colonyname: str,
        processid: str,
        count: Optional[int] = None,
        since: Optional[int] = None,
    ) -> Coroutine[Any, Any, list[Log]]:
        """Up to ``count`` (1..500, default 100) log lines of a process newer than ``since`` (Unix
        nanoseconds, default 0)."""
    def get_executor_logs(
        self,
        colonyname: str,
        executorname: str,
        count: Optional[int] = None,
        since: Optional[int] = None,
    ) -> Coroutine[Any, Any, list[Log]]:
        """Up to ``count`` (1..500, default 100) log lines of an executor newer than ``since`` (Unix
        nanoseconds, default 0)."""
    def search_logs(
        self, colonyname: str, text: str, days: Optional[int] = None, count: Optional[int] = None
    ) -> Coroutine[Any, Any, list[Log]]:
        """Up to ``count`` (default 100) log lines of the last ``days`` (default 1) days that
        contain ``text``."""
    def add_attribute(self, attribute: Attribute) -> Coroutine[Any, Any, Attribute]:
        """Adds an attribute to a running process (by its executor)."""
    def get_attribute(self, attributeid: str) -> Coroutine[Any, Any, Attribute]:
        """An attribute, by ID."""
    def add_cron(self, cron: Cron) -> Coroutine[Any, Any, Cron]:
        """Adds a cron; the server fills in its ID and initiator."""
    def get_cron(self, cronid: str) -> Coroutine[Any, Any, Cron]:
        """A cron, by ID."""
    def get_crons(
        self, colonyname: str, count: Optional[int] = None
    ) -> Coroutine[Any, Any, list[Cron]]:
        """Up to ``count`` (default 100) crons of a colony."""
    def run_cron(self, cronid: str) -> Coroutine[Any, Any, Cron]:
        """Runs a cron now."""
    def remove_cron(self, cronid: str) -> Coroutine[Any, Any, None]:
        """Removes a cron."""
    def add_generator(self, generator: Generator) -> Coroutine[Any, Any, Generator]:
        """Adds a generator; the server fills in its ID and initiator."""
    def get_generator(self, generatorid: str) -> Coroutine[Any, Any, Generator]:
        """A generator, by ID."""
    def resolve_generator(
        self, colonyname: str, generatorname: str
    ) -> Coroutine[Any, Any, Generator]:
        """A generator, by colony and name."""
    def get_generators(
        self, colonyname: str, count: Optional[int] = None
    ) -> Coroutine[Any, Any, list[Generator]]:
        """Up to ``count`` (default 100) generators of a colony."""
    def pack_generator(self, generatorid: str, arg: str) -> Coroutine[Any, Any, None]:
        """Queues an argument for a generator's next run."""
    def remove_generator(self, generatorid: str) -> Coroutine[Any, Any, None]:
        """Removes a generator."""
    def add_blueprint_definition(
        self, definition: BlueprintDefinition
    ) -> Coroutine[Any, Any, BlueprintDefinition]:
        """Adds a blueprint definition (signed by the colony key)."""
    def get_blueprint_definition(
        self, colonyname: str, name: str
    ) -> Coroutine[Any, Any, BlueprintDefinition]:
        """A blueprint definition, by colony and name."""
    def get_blueprint_definitions(
        self, colonyname: str
    ) -> Coroutine[Any, Any, list[BlueprintDefinition]]:
        """The blueprint definitions of a colony."""
    def remove_blueprint_definition(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a blueprint definition that no blueprint uses (signed by the colony key)."""
    def add_blueprint(self, blueprint: Blueprint) -> Coroutine[Any, Any, Blueprint]:
        """Adds a blueprint of a defined kind."""
    def get_blueprint(self, colonyname: str, name: str) -> Coroutine[Any, Any, Blueprint]:
        """A blueprint, by colony and name."""
    def get_blueprints(
        self, colonyname: str, kind: Optional[str] = None, locationname: Optional[str] = None
    ) -> Coroutine[Any, Any, list[Blueprint]]:
        """The blueprints of a colony, of one ``kind`` and at one location ("" or left out: all)."""
    def update_blueprint(
        self, blueprint: Blueprint, force_generation: Optional[bool] = None
    ) -> Coroutine[Any, Any, Blueprint]:
        """Updates a blueprint; ``force_generation`` bumps its generation even if unchanged."""
    def remove_blueprint(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a blueprint."""
    def get_blueprint_history(
        self, blueprintid: str, limit: Optional[int] = None
    ) -> Coroutine[Any, Any, list[BlueprintHistory]]:
        """The last ``limit`` changes of a blueprint (0, the default: all)."""
    def update_blueprint_status(
        self, colonyname: str, name: str, status: JSON
    ) -> Coroutine[Any, Any, None]:
        """Sets a blueprint's status (free-form JSON), as its reconciler sees it."""
    def reconcile_blueprint(
        self, colonyname: str, name: str, force: Optional[bool] = None
    ) -> Coroutine[Any, Any, Process]:
        """Submits a reconcile process for a blueprint to its definition's handler."""
    def add_file(self, file: File) -> Coroutine[Any, Any, File]:
        """Adds a file's metadata; the server fills in its ID."""
    def get_file(self, colonyname: str, fileid: str) -> Coroutine[Any, Any, list[File]]:
        """A file's revisions, by ID."""
    def get_file_by_name(
        self, colonyname: str, label: str, name: str, latest: Optional[bool] = None
    ) -> Coroutine[Any, Any, list[File]]:
        """A file's revisions, by label and name; with ``latest``, only the newest one."""
    def get_files(self, colonyname: str, label: str) -> Coroutine[Any, Any, list[FileData]]:
        """The latest revision of each file under a label."""
    def get_file_labels(
        self, colonyname: str, name: Optional[str] = None, exact: Optional[bool] = None
    ) -> Coroutine[Any, Any, list[Label]]:
        """The file labels of a colony that start with ``name`` (or equal it, with ``exact``)."""
    def remove_file(self, colonyname: str, fileid: str) -> Coroutine[Any, Any, None]:
        """Removes a file's metadata, by ID."""
    def create_snapshot(
        self, colonyname: str, label: str, name: str
    ) -> Coroutine[Any, Any, Snapshot]:
        """Freezes the files under a label as a named snapshot."""
    def get_snapshot(self, colonyname: str, name: str) -> Coroutine[Any, Any, Snapshot]:
        """A snapshot, by name."""
    def get_snapshots(self, colonyname: str) -> Coroutine[Any, Any, list[Snapshot]]:
        """The snapshots of a colony."""
    def remove_snapshot(self, colonyname: str, name: str) -> Coroutine[Any, Any, None]:
        """Removes a snapshot, by name."""
    def remove_all_snapshots(self, colonyname: str) -> Coroutine[Any, Any, None]:
        """Removes every snapshot of a colony."""
    def acknowledge(self, processid: str, sync_channel: str) -> Coroutine[Any, Any, None]:
        """Client side: acknowledges on ``sync_channel`` that everything has arrived."""
    # --- End of the generated operations ---

# --- SyncClient: generated from Client above by core/tests/signatures.rs: do not edit ---
@final
class SyncClient:
    """A ColonyOS client whose operations block: the same methods, arguments, defaults, records
    and errors as ``Client``, each returning its result instead of a coroutine.

    Each call releases the GIL while it waits and needs no event loop (it works where one is
    running, as in a notebook, and in many threads sharing one client); Ctrl-C interrupts a wait.
    Streams are plain iterators. ``with SyncClient(...) as client`` works.
    """

    def __init__(
        self,
        server: Union[str, Sequence[str]],
        prvkey: Optional[str] = None,
        *,
        timeout: float = 30.0,
        max_in_flight: int = 32,
        ca_file: Optional[Union[str, PathLike[str]]] = None,
        ca_pem: Optional[str] = None,
        client_cert: Optional[Union[str, PathLike[str]]] = None,
        client_key: Optional[Union[str, PathLike[str]]] = None,
        danger_skip_tls_verify: bool = False,
    ) -> None:
        """A client of ``server`` (``http://host:port`` or ``https://host:port``), or of the
        nodes of a cluster (a list of such addresses, written alike by every client of the
        cluster), signing with ``prvkey`` (64 hex characters; None: unsigned calls only).
        ``timeout``: seconds an ordinary call may take; ``max_in_flight``: the most ordinary
        calls in flight at once (more wait their turn; the server deadlocks near 100). TLS: the
        system's trust store and the web roots, plus the CA certificates of ``ca_file`` (a PEM
        file) or ``ca_pem`` (PEM text); ``client_cert`` and ``client_key`` (PEM files) for a
        server that asks for a client certificate; ``danger_skip_tls_verify`` accepts any
        certificate (test servers only; warns)."""
    @staticmethod
    def from_env(
        *,
        ca_file: Optional[Union[str, PathLike[str]]] = None,
        ca_pem: Optional[str] = None,
        client_cert: Optional[Union[str, PathLike[str]]] = None,
        client_key: Optional[Union[str, PathLike[str]]] = None,
        danger_skip_tls_verify: bool = False,
    ) -> SyncClient:
        """A client from COLONIES_SERVER_HOST and COLONIES_SERVER_PORT (or COLONIES_SERVERS,
        a cluster's nodes as host:port,host:port,...), COLONIES_TLS (or
        pycolonies' COLONIES_SERVER_TLS), COLONIES_CA_FILE and (optional) COLONIES_PRVKEY; the
        TLS keywords as for the constructor."""
    def with_key(self, prvkey: str) -> SyncClient:
        """The same client (same pool, same settings) signing with ``prvkey``."""
    @property
    def id(self) -> Optional[str]:
        """The ID of the key this client signs with, or None."""
    @property
    def server(self) -> str:
        """The address of the (first) server's RPC endpoint."""
    @property
    def servers(self) -> list[str]:
        """The addresses of the RPC endpoints of every server, in the order they were given."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

    # Users
    def add_user(
        self, colonyname: str, userid: str, name: str, email: str = "", phone: str = ""
    ) -> User:
        """Adds a user to a colony (signed by the colony key)."""

    # Executors
    def add_executor(
        self, executorid: str, executortype: str, executorname: str, colonyname: str
    ) -> Executor:
        """Registers an executor (signed by the colony key); it starts PENDING."""

    # Processes
    def assign(self, colonyname: str, timeout: float) -> Optional[Process]:
        """Waits up to ``timeout`` seconds for a process to run and takes it; None if no work
        came in time. Only executors can assign."""
    def wait_for_state(self, processid: str, state: StateLike, timeout: float) -> Process:
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
    ) -> None:
        """Appends an entry to a channel of a process (by its submitter or its executor)."""
    def read_channel(
        self, processid: str, channel: str, after: int = 0, limit: int = 0
    ) -> list[ChannelEntry]:
        """Reads up to ``limit`` entries (0: all) of a channel's log, after the first
        ``after``."""
    def subscribe_channel(
        self,
        processid: str,
        channel: str,
        *,
        after: int = 0,
        idle_timeout: Optional[float] = None,
        reconnect_deadline: Optional[float] = None,
    ) -> SyncChannelSubscription:
        """Subscribes to a channel: an iterator of its entries."""
    def channel_writer(
        self,
        processid: str,
        channel: str,
        *,
        first_sequence: int = 1,
        step: int = 1,
        max_in_flight: int = 16,
        reconnect_deadline: Optional[float] = None,
    ) -> SyncChannelWriter:
        """A writer for a channel: ordered appends, several in flight, riding out the rate
        limit."""

    # Sync channel
    def wait_for_ack(self, processid: str, sync_channel: str, timeout: float) -> None:
        """Executor side: waits up to ``timeout`` seconds for the acknowledgement."""
    def close_after_ack(
        self, processid: str, sync_channel: str, output: Sequence[JSON], timeout: float
    ) -> None:
        """Executor side: waits for the acknowledgement, then closes with ``output``."""

    # Process streams
    def subscribe_processes(self, executortype: str, state: StateLike) -> SyncProcessSubscription:
        """Processes of ``executortype`` as they reach ``state`` (e.g. new WAITING ones),
        as an iterator. Only a registered executor may subscribe; use ``assignments`` to
        take work, this stream is for watching."""
    def assignments(self, colonyname: str, poll: float = 10.0) -> SyncProcessSubscription:
        """The processes assigned to this executor, one by one, as an iterator. Each poll
        waits up to ``poll`` seconds; no work means waiting, not an error. Leaving the loop (or
        ``close()``) ends it at once."""

    def server_version(self) -> ServerVersion:
        """The server's build version (works without a key)."""
    def server_info(self) -> ServerInfo:
        """The server's build and endpoints (works without a key)."""
    def get_statistics(self) -> Statistics:
        """Counts over the whole server (signed by the server key)."""
    def get_cluster(self) -> Cluster:
        """The servers of the cluster and its leader (signed by the server key)."""
    def change_server_id(self, serverid: str) -> None:
        """Gives the server to the key with ID ``serverid`` (signed by the server key)."""
    def add_colony(self, colonyid: str, name: str) -> Colony:
        """Adds a colony owned by the key with ID ``colonyid`` (signed by the server key)."""
    def remove_colony(self, colonyname: str) -> None:
        """Removes a colony (signed by the server key)."""
    def get_colony(self, colonyname: str) -> Colony:
        """A colony, by name (signed by a member)."""
    def get_colonies(self) -> list[Colony]:
        """Every colony (signed by the server key)."""
    def get_colony_statistics(self, colonyname: str) -> Statistics:
        """Counts of a colony's executors, processes and workflows (signed by a member)."""
    def change_colony_id(self, colonyname: str, colonyid: str) -> None:
        """Gives a colony to the key with ID ``colonyid`` (signed by the colony key)."""
    def get_users(self, colonyname: str) -> list[User]:
        """The users of a colony."""
    def get_user(self, colonyname: str, name: str) -> User:
        """A user, by colony and name."""
    def get_user_by_id(self, colonyname: str, userid: str) -> User:
        """A user, by colony and key ID."""
    def remove_user(self, colonyname: str, name: str) -> None:
        """Removes a user (signed by the colony key)."""
    def change_user_id(self, colonyname: str, userid: str) -> None:
        """Moves the calling user to the key with ID ``userid`` (signed by the user)."""
    def get_executor(self, colonyname: str, executorname: str) -> Executor:
        """An executor, by colony and name."""
    def get_executor_by_id(self, colonyname: str, executorid: str) -> Executor:
        """An executor, by colony and key ID."""
    def get_executors(self, colonyname: str) -> list[Executor]:
        """The executors of a colony."""
    def approve_executor(self, colonyname: str, executorname: str) -> None:
        """Approves a pending executor (signed by the colony key)."""
    def reject_executor(self, colonyname: str, executorname: str) -> None:
        """Rejects an executor (signed by the colony key)."""
    def remove_executor(self, colonyname: str, executorname: str) -> None:
        """Unregisters an executor (signed by the colony key)."""
    def report_allocations(self, colonyname: str, executorname: str, allocations: JSON) -> None:
        """Reports the calling executor's resource allocations (free-form JSON)."""
    def update_executor(self, colonyname: str, executorname: str, capabilities: JSON) -> None:
        """Updates the calling executor's capabilities (free-form JSON)."""
    def change_executor_id(self, colonyname: str, executorid: str) -> None:
        """Moves the calling executor to the key with ID ``executorid`` (signed by the executor)."""
    def add_function(self, function: Function) -> Function:
        """Registers a function of the calling executor; the server fills in its ID."""
    def get_functions(self, colonyname: str, executorname: Optional[str] = None) -> list[Function]:
        """The functions of one executor, or of the whole colony when ``executorname`` is ""."""
    def remove_function(self, functionid: str) -> None:
        """Removes a function of the calling executor."""
    def add_location(self, location: Location) -> Location:
        """Adds a location (signed by the colony key)."""
    def get_locations(self, colonyname: str) -> list[Location]:
        """The locations of a colony."""
    def get_location(self, colonyname: str, name: str) -> Location:
        """A location, by colony and name."""
    def remove_location(self, colonyname: str, name: str) -> None:
        """Removes a location (signed by the colony key)."""
    def submit(self, spec: FunctionSpec) -> Process:
        """Submits a function spec; the process starts WAITING."""
    def get_process(self, processid: str) -> Process:
        """A process, by ID."""
    def get_processes(
        self, colonyname: str, state: StateLike, count: Optional[int] = None
    ) -> list[Process]:
        """Up to ``count`` (at most 100, default 100) processes of a colony in ``state``, oldest
        first."""
    def remove_process(self, processid: str) -> None:
        """Removes a process that is not running."""
    def set_output(self, processid: str, output: Sequence[JSON]) -> None:
        """Sets the output (a list of JSON values) of a running process (by its executor)."""
    def close(self, processid: str, output: Optional[Sequence[JSON]] = None) -> None:
        """Closes a process as successful, with ``output`` (by its executor). Deletes its
        channels."""
    def fail(self, processid: str, errors: Optional[Sequence[str]] = None) -> None:
        """Closes a process as failed, with ``errors`` (by its executor). Deletes its channels."""
    def cancel(self, processid: str) -> None:
        """Cancels a process (server v1.9.12 or later). Deletes its channels."""
    def get_process_history(
        self, colonyname: str, state: StateLike, seconds: int, executorid: Optional[str] = None
    ) -> list[Process]:
        """Processes of a colony in ``state`` that ended within the last ``seconds``; only those of
        one executor if ``executorid`` is given."""
    def remove_all_processes(self, colonyname: str, state: Optional[StateLike] = None) -> None:
        """Removes every process of a colony in ``state``, or in any state but RUNNING without one
        (signed by the colony key)."""
    def pause_assignments(self, colonyname: str) -> None:
        """Pauses the assignment of a colony's processes (signed by the colony key)."""
    def resume_assignments(self, colonyname: str) -> None:
        """Resumes the assignment of a colony's processes (signed by the colony key)."""
    def get_pause_status(self, colonyname: str) -> PauseStatus:
        """Whether a colony's assignments are paused."""
    def submit_workflow(self, workflow: WorkflowSpec) -> ProcessGraph:
        """Submits a workflow (a graph of processes); returns its process graph."""
    def get_process_graph(self, processgraphid: str) -> ProcessGraph:
        """A workflow, by ID."""
    def get_process_graphs(
        self, colonyname: str, state: StateLike, count: Optional[int] = None
    ) -> list[ProcessGraph]:
        """Up to ``count`` (at most 100, default 100) workflows of a colony in ``state``."""
    def remove_process_graph(self, processgraphid: str) -> None:
        """Removes a workflow that is not running, with its processes."""
    def remove_all_process_graphs(self, colonyname: str, state: Optional[StateLike] = None) -> None:
        """Removes every workflow of a colony in ``state``, or in any state but RUNNING without one
        (signed by the colony key)."""
    def add_child(
        self,
        processgraphid: str,
        parentprocessid: str,
        spec: FunctionSpec,
        insert: Optional[bool] = None,
    ) -> Process:
        """Adds a process to a running workflow as a child of ``parentprocessid`` (assigned to the
        caller); with ``insert``, between the parent and its children."""
    def cancel_process_graph(self, processgraphid: str) -> None:
        """Cancels every waiting or running process of a workflow."""
    def add_log(self, processid: str, message: str) -> None:
        """Adds a log line to a running process (by its executor)."""
    def add_executor_log(self, colonyname: str, executorname: str, message: str) -> None:
        """Adds a log line of the calling executor."""
    def get_logs(
        self,
        colonyname: str,
        processid: str,
        count: Optional[int] = None,
        since: Optional[int] = None,
    ) -> list[Log]:
        """Up to ``count`` (1..500, default 100) log lines of a process newer than ``since`` (Unix
        nanoseconds, default 0)."""
    def get_executor_logs(
        self,
        colonyname: str,
        executorname: str,
        count: Optional[int] = None,
        since: Optional[int] = None,
    ) -> list[Log]:
        """Up to ``count`` (1..500, default 100) log lines of an executor newer than ``since`` (Unix
        nanoseconds, default 0)."""
    def search_logs(
        self, colonyname: str, text: str, days: Optional[int] = None, count: Optional[int] = None
    ) -> list[Log]:
        """Up to ``count`` (default 100) log lines of the last ``days`` (default 1) days that
        contain ``text``."""
    def add_attribute(self, attribute: Attribute) -> Attribute:
        """Adds an attribute to a running process (by its executor)."""
    def get_attribute(self, attributeid: str) -> Attribute:
        """An attribute, by ID."""
    def add_cron(self, cron: Cron) -> Cron:
        """Adds a cron; the server fills in its ID and initiator."""
    def get_cron(self, cronid: str) -> Cron:
        """A cron, by ID."""
    def get_crons(self, colonyname: str, count: Optional[int] = None) -> list[Cron]:
        """Up to ``count`` (default 100) crons of a colony."""
    def run_cron(self, cronid: str) -> Cron:
        """Runs a cron now."""
    def remove_cron(self, cronid: str) -> None:
        """Removes a cron."""
    def add_generator(self, generator: Generator) -> Generator:
        """Adds a generator; the server fills in its ID and initiator."""
    def get_generator(self, generatorid: str) -> Generator:
        """A generator, by ID."""
    def resolve_generator(self, colonyname: str, generatorname: str) -> Generator:
        """A generator, by colony and name."""
    def get_generators(self, colonyname: str, count: Optional[int] = None) -> list[Generator]:
        """Up to ``count`` (default 100) generators of a colony."""
    def pack_generator(self, generatorid: str, arg: str) -> None:
        """Queues an argument for a generator's next run."""
    def remove_generator(self, generatorid: str) -> None:
        """Removes a generator."""
    def add_blueprint_definition(self, definition: BlueprintDefinition) -> BlueprintDefinition:
        """Adds a blueprint definition (signed by the colony key)."""
    def get_blueprint_definition(self, colonyname: str, name: str) -> BlueprintDefinition:
        """A blueprint definition, by colony and name."""
    def get_blueprint_definitions(self, colonyname: str) -> list[BlueprintDefinition]:
        """The blueprint definitions of a colony."""
    def remove_blueprint_definition(self, colonyname: str, name: str) -> None:
        """Removes a blueprint definition that no blueprint uses (signed by the colony key)."""
    def add_blueprint(self, blueprint: Blueprint) -> Blueprint:
        """Adds a blueprint of a defined kind."""
    def get_blueprint(self, colonyname: str, name: str) -> Blueprint:
        """A blueprint, by colony and name."""
    def get_blueprints(
        self, colonyname: str, kind: Optional[str] = None, locationname: Optional[str] = None
    ) -> list[Blueprint]:
        """The blueprints of a colony, of one ``kind`` and at one location ("" or left out: all)."""
    def update_blueprint(
        self, blueprint: Blueprint, force_generation: Optional[bool] = None
    ) -> Blueprint:
        """Updates a blueprint; ``force_generation`` bumps its generation even if unchanged."""
    def remove_blueprint(self, colonyname: str, name: str) -> None:
        """Removes a blueprint."""
    def get_blueprint_history(
        self, blueprintid: str, limit: Optional[int] = None
    ) -> list[BlueprintHistory]:
        """The last ``limit`` changes of a blueprint (0, the default: all)."""
    def update_blueprint_status(self, colonyname: str, name: str, status: JSON) -> None:
        """Sets a blueprint's status (free-form JSON), as its reconciler sees it."""
    def reconcile_blueprint(
        self, colonyname: str, name: str, force: Optional[bool] = None
    ) -> Process:
        """Submits a reconcile process for a blueprint to its definition's handler."""
    def add_file(self, file: File) -> File:
        """Adds a file's metadata; the server fills in its ID."""
    def get_file(self, colonyname: str, fileid: str) -> list[File]:
        """A file's revisions, by ID."""
    def get_file_by_name(
        self, colonyname: str, label: str, name: str, latest: Optional[bool] = None
    ) -> list[File]:
        """A file's revisions, by label and name; with ``latest``, only the newest one."""
    def get_files(self, colonyname: str, label: str) -> list[FileData]:
        """The latest revision of each file under a label."""
    def get_file_labels(
        self, colonyname: str, name: Optional[str] = None, exact: Optional[bool] = None
    ) -> list[Label]:
        """The file labels of a colony that start with ``name`` (or equal it, with ``exact``)."""
    def remove_file(self, colonyname: str, fileid: str) -> None:
        """Removes a file's metadata, by ID."""
    def create_snapshot(self, colonyname: str, label: str, name: str) -> Snapshot:
        """Freezes the files under a label as a named snapshot."""
    def get_snapshot(self, colonyname: str, name: str) -> Snapshot:
        """A snapshot, by name."""
    def get_snapshots(self, colonyname: str) -> list[Snapshot]:
        """The snapshots of a colony."""
    def remove_snapshot(self, colonyname: str, name: str) -> None:
        """Removes a snapshot, by name."""
    def remove_all_snapshots(self, colonyname: str) -> None:
        """Removes every snapshot of a colony."""
    def acknowledge(self, processid: str, sync_channel: str) -> None:
        """Client side: acknowledges on ``sync_channel`` that everything has arrived."""

# --- End of SyncClient ---

class Subscription(Generic[T]):
    """A stream from the server, as an async iterator.

    Leaving an ``async for`` early (break, exception, cancellation) closes the subscription; so
    do ``close()``, ``aclose()`` and leaving ``async with``. ``await sub.next()`` reads one item
    (None at the end) without closing anything.
    """

    @property
    def closed(self) -> bool:
        """Whether the subscription was closed or has ended."""
    def __aiter__(self) -> _Iteration[T]: ...
    def __anext__(self) -> Coroutine[Any, Any, T]: ...
    def next(self) -> Coroutine[Any, Any, Optional[T]]:
        """The next item, or None when the stream has ended."""
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
class ChannelSubscription(Subscription[ChannelEntry]):
    """The entries of a channel: the backlog, then live entries; ends after an ``end`` or
    ``error`` entry."""

    @property
    def processid(self) -> str: ...
    @property
    def channel(self) -> str: ...

@final
class ProcessSubscription(Subscription[Process]):
    """Processes: the events of ``subscribe_processes``, or the work of ``assignments``."""

@final
class _Iteration(Generic[T]):
    """The iterator behind ``async for``: closes its subscription when released."""

    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Coroutine[Any, Any, T]: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> T: ...

class SyncSubscription(Generic[T]):
    """A stream from the server, as an iterator (from ``SyncClient``): the same contract as
    ``Subscription``, each step waiting with the GIL released.

    Leaving a ``for`` early (break, exception) closes the subscription; so do ``close()`` and
    leaving ``with``. ``sub.next()`` reads one item (None at the end) without closing anything.
    """

    @property
    def closed(self) -> bool:
        """Whether the subscription was closed or has ended."""
    def __iter__(self) -> _Iteration[T]: ...
    def __next__(self) -> T: ...
    def next(self) -> Optional[T]:
        """The next item, or None when the stream has ended."""
    def close(self) -> None:
        """Closes the subscription now: its socket closes, a pending ``next`` ends."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

@final
class SyncChannelSubscription(SyncSubscription[ChannelEntry]):
    """The entries of a channel: the backlog, then live entries; ends after an ``end`` or
    ``error`` entry."""

    @property
    def processid(self) -> str: ...
    @property
    def channel(self) -> str: ...

@final
class SyncProcessSubscription(SyncSubscription[Process]):
    """Processes: the events of ``subscribe_processes``, or the work of ``assignments``."""

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
class SyncChannelWriter:
    """A ``ChannelWriter`` whose methods wait for their result (from ``SyncClient``).

    ``send``/``reply`` return the entry's sequence once queued; ``end``, ``error`` and
    ``finish`` wait until everything is written. ``with writer:`` finishes it on exit.
    """

    @property
    def processid(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    def send(self, payload: Payload) -> int:
        """Queues a ``data`` entry; returns its sequence."""
    def reply(self, inreplyto: int, payload: Payload) -> int:
        """Queues a ``data`` entry answering the other party's entry ``inreplyto``."""
    def end(self) -> WriterStats:
        """Sends ``end`` and waits until every entry is written."""
    def error(self, message: Payload) -> WriterStats:
        """Sends an ``error`` entry and waits until every entry is written."""
    def finish(self) -> WriterStats:
        """Waits until every queued entry is written (without sending ``end``)."""
    def __enter__(self) -> Self: ...
    def __exit__(
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

class _Data:
    """What every record class has (not a runtime base class): its wire form as a dict (the
    protocol's field names, JSON-ready values), and pickling and copying through it."""

    def to_dict(self) -> dict[str, JSON]:
        """The record as a dict with the wire's field names (``json.dumps`` takes it)."""
    @classmethod
    def from_dict(cls, data: Mapping[str, JSON]) -> Self:
        """A record from a dict as ``to_dict`` makes it (missing fields take their defaults)."""
    def __reduce__(self) -> tuple[Any, tuple[dict[str, JSON]]]: ...

@final
class FunctionSpec(_Data):
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
    conditions: Conditions
    """Where it may run and what it needs (a copy: assign a changed one back)."""
    fs: JSON
    """File system mounts and snapshots (the server's format); None when unset."""
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
        fs: JSON = None,
        executornames: Sequence[str] = (),
        locationname: str = "",
        dependencies: Sequence[str] = (),
        nodes: int = 0,
        processes: int = 0,
        processespernode: int = 0,
        cpu: str = "",
        mem: str = "",
        storage: str = "",
        gpu: JSON = None,
        walltime: int = 0,
    ) -> None:
        """``executornames`` ... ``walltime`` set the same fields of ``conditions``."""

@final
class Process(_Data):
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
class ChannelEntry(_Data):
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
class Colony(_Data):
    """A colony."""

    @property
    def colonyid(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class User(_Data):
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
class Executor(_Data):
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
    def capabilities(self) -> JSON:
        """Hardware and software the executor offers; None when unset."""
    @property
    def allocations(self) -> JSON:
        """Resource allocations per project; None when unset."""

@final
class ServerVersion(_Data):
    """The server's build version."""

    @property
    def buildversion(self) -> str: ...
    @property
    def buildtime(self) -> str: ...

@dataclass_transform(kw_only_default=True, eq_default=True)
class _Record(_Data):
    """The record classes below (not a runtime base class): built with keyword arguments,
    every field an attribute that can be read and assigned (reading gives a copy of lists,
    dicts and nested records), compared by value. A cron's or generator's ``workflowspec``
    can also be given as JSON text."""

@final
class Attribute(_Record):
    """A key/value attribute of a process (``attributetype``: 0 IN, 1 OUT, 2 ERR, 3 ENV)."""

    attributeid: str = ...
    """Filled in by the server."""
    targetid: str = ...
    """The process it belongs to."""
    targetcolonyname: str = ...
    targetprocessgraphid: str = ...
    state: int = ...
    attributetype: int = ...
    """0 IN, 1 OUT, 2 ERR, 3 ENV."""
    key: str = ...
    value: str = ...

@final
class Blueprint(_Record):
    """A declarative resource of a kind that a ``BlueprintDefinition`` declares."""

    blueprintid: str = ...
    kind: str = ...
    metadata: BlueprintMetadata = ...
    spec: JSON = ...
    status: JSON = ...
    """As its reconciler reports it (free-form JSON)."""

@final
class BlueprintDefinition(_Record):
    """Declares a kind of blueprint: its schema and the executor type that reconciles it."""

    blueprintdefinitionid: str = ...
    kind: str = ...
    metadata: BlueprintMetadata = ...
    spec: JSON = ...
    """``{group, version, names, scope, schema, handler}`` (free-form JSON)."""

@final
class BlueprintHistory(_Record):
    """One change of a blueprint."""

    historyid: str = ...
    blueprintid: str = ...
    kind: str = ...
    namespace: str = ...
    name: str = ...
    generation: int = ...
    spec: JSON = ...
    status: JSON = ...
    timestamp: str = ...
    changedby: str = ...
    changetype: str = ...
    """What changed (e.g. "create", "update")."""

@final
class BlueprintMetadata(_Record):
    """Name, colony and bookkeeping of a blueprint or a blueprint definition."""

    name: str = ...
    colonyname: str = ...
    locationname: str = ...
    labels: JSON = ...
    annotations: JSON = ...
    generation: int = ...
    created_at: str = ...
    updated_at: str = ...
    last_reconciliation_process: str = ...
    last_reconciliation_time: str = ...

@final
class Cluster(_Record):
    """The servers of a cluster and its leader."""

    nodes: list[ClusterNode] = ...
    leader: ClusterNode = ...

@final
class ClusterNode(_Record):
    """One server of a cluster."""

    name: str = ...
    host: str = ...
    port: int = ...
    peerport: int = ...
    relayport: int = ...
    apiport: int = ...

@final
class Conditions(_Record):
    """Where a process may run and what it needs (``FunctionSpec.conditions``)."""

    colonyname: str = ...
    executortype: str = ...
    executornames: Strings = ...
    """Only executors with these names may take the process (empty: any)."""
    locationname: str = ...
    dependencies: Strings = ...
    """Workflow parents (node names)."""
    nodes: int = ...
    processes: int = ...
    processespernode: int = ...
    cpu: str = ...
    """Millicores, e.g. ``"500m"``."""
    mem: str = ...
    """A size with unit, e.g. ``"1Gi"``."""
    storage: str = ...
    gpu: JSON = ...
    walltime: int = ...

@final
class Cron(_Record):
    """A workflow run on a schedule: ``cronexpression`` (six fields, seconds first) or ``interval``
    seconds (-1: use the expression)."""

    cronid: str = ...
    """Filled in by the server."""
    initiatorid: str = ...
    initiatorname: str = ...
    colonyname: str = ...
    name: str = ...
    cronexpression: str = ...
    """Six fields, seconds first (``0 */5 * * * *``), or empty when ``interval`` is used."""
    interval: int = ...
    """Seconds between runs; -1 (the default) to use the expression. The server refuses 0."""
    random: bool = ...
    nextrun: str = ...
    """When it runs next (RFC 3339)."""
    lastrun: str = ...
    workflowspec: OptionalWorkflow = ...
    """The workflow (None if unset); its JSON text is accepted too."""
    prevprocessgraphid: str = ...
    waitforprevprocessgraph: bool = ...
    checkerperiod: int = ...

@final
class File(_Record):
    """File metadata (the data itself lives in S3; ``reference`` says where)."""

    fileid: str = ...
    """Filled in by the server."""
    colonyname: str = ...
    label: str = ...
    name: str = ...
    size: int = ...
    sequencenr: int = ...
    checksum: str = ...
    checksumalg: str = ...
    reference: JSON = ...
    """``{protocol, s3object: {...}}`` (free-form JSON)."""
    added: str = ...

@final
class FileData(_Record):
    """The latest revision of a file under a label."""

    name: str = ...
    """The file name under the label."""
    checksum: str = ...
    size: int = ...
    s3filename: str = ...

@final
class Function(_Record):
    """A function an executor offers, with its statistics."""

    functionid: str = ...
    """Filled in by the server."""
    executorname: str = ...
    executortype: str = ...
    colonyname: str = ...
    funcname: str = ...
    description: str = ...
    args: JSONList = ...
    """Argument descriptions (free-form JSON)."""
    counter: int = ...
    """How many times it ran; the times below are in seconds."""
    minwaittime: float = ...
    maxwaittime: float = ...
    minexectime: float = ...
    maxexectime: float = ...
    avgwaittime: float = ...
    avgexectime: float = ...
    locationname: str = ...

@final
class Generator(_Record):
    """A workflow started when ``trigger`` arguments have been packed (or after ``timeout`` seconds
    with fewer)."""

    generatorid: str = ...
    initiatorid: str = ...
    initiatorname: str = ...
    colonyname: str = ...
    name: str = ...
    workflowspec: OptionalWorkflow = ...
    """The workflow (None if unset); its JSON text is accepted too."""
    trigger: int = ...
    """How many packed arguments start a run."""
    timeout: int = ...
    """Seconds after which fewer arguments start a run too."""
    firstpack: str = ...
    lastrun: str = ...
    queuesize: int = ...
    """How many packed arguments wait."""
    checkerperiod: int = ...

@final
class Label(_Record):
    """A file label and how many files it holds."""

    name: str = ...
    files: int = ...

@final
class Location(_Record):
    """A place where executors run."""

    locationid: str = ...
    """Chosen by the caller (e.g. a key ID)."""
    name: str = ...
    colonyname: str = ...
    description: str = ...
    long: float = ...
    lat: float = ...

@final
class Log(_Record):
    """A log line of a process or an executor (``timestamp``: Unix nanoseconds)."""

    processid: str = ...
    colonyname: str = ...
    executorname: str = ...
    message: str = ...
    """The log line."""
    timestamp: int = ...
    """Unix time in nanoseconds."""

@final
class PauseStatus(_Record):
    """Whether a colony's assignments are paused."""

    colonyname: str = ...
    ispaused: bool = ...

@final
class ProcessGraph(_Record):
    """A submitted workflow (a process graph)."""

    processgraphid: str = ...
    initiatorid: str = ...
    initiatorname: str = ...
    colonyname: str = ...
    rootprocessids: Strings = ...
    state: ProcessState = ...
    submissiontime: str = ...
    starttime: str = ...
    endtime: str = ...
    processids: Strings = ...
    """Every process of the workflow."""
    nodes: JSONList = ...
    """UI layout, filled only when the graph is read back."""
    edges: JSONList = ...

@final
class ServerInfo(_Record):
    """What the server says about its build and endpoints."""

    buildversion: str = ...
    buildtime: str = ...
    backends: JSONList = ...
    """``[{type, port, host, tls, insecure}]`` (free-form JSON)."""

@final
class Snapshot(_Record):
    """The files of a label, frozen under a name."""

    snapshotid: str = ...
    colonyname: str = ...
    label: str = ...
    name: str = ...
    fileids: Strings = ...
    """The files it holds."""
    added: str = ...

@final
class Statistics(_Record):
    """Counts of colonies, executors, processes and workflows (of a colony, or the server)."""

    colonies: int = ...
    executors: int = ...
    activeexecutors: int = ...
    unregisteredexecutors: int = ...
    waitingprocesses: int = ...
    runningprocesses: int = ...
    successfulprocesses: int = ...
    failedprocesses: int = ...
    cancelledprocesses: int = ...
    waitingworkflows: int = ...
    runningworkflows: int = ...
    successfulworkflows: int = ...
    failedworkflows: int = ...
    cancelledworkflows: int = ...

@final
class WorkflowSpec(_Record):
    """A workflow to submit: function specs whose ``conditions.dependencies`` name their parents (by
    ``nodename``)."""

    colonyname: str = ...
    functionspecs: list[FunctionSpec] = ...

# --- The executor runtime (used by colonykit.executor) -----------------------------------------

@final
class _ExecutorRuntime:
    """A started executor runtime (the core's); ``colonykit.executor.Executor`` drives it."""

    @staticmethod
    def start(
        client: Client,
        colonyname: str,
        functions: list[tuple[str, Optional[str], float]],
        executortype: str = "",
        executorname: str = "",
        location: str = "",
        concurrency: int = 1,
        poll: float = 5.0,
        check_interval: float = 1.0,
        max_processes: Optional[int] = None,
    ) -> Coroutine[Any, Any, _ExecutorRuntime]: ...
    def next_task(self) -> Coroutine[Any, Any, Optional[_ExecutorTask]]: ...
    def stop(self) -> None: ...
    def shutdown(self, grace: float) -> Coroutine[Any, Any, None]: ...
    @property
    def executor(self) -> Executor: ...
    @property
    def client(self) -> Client: ...
    @property
    def functions(self) -> list[str]: ...

@final
class _ExecutorTask:
    """One assigned process: its context and its completion (exactly once)."""

    @property
    def process(self) -> Process: ...
    @property
    def processid(self) -> str: ...
    @property
    def funcname(self) -> str: ...
    @property
    def args(self) -> JSONList: ...
    @property
    def kwargs(self) -> dict[str, JSON]: ...
    @property
    def remaining(self) -> Optional[float]: ...
    @property
    def cancel_reason(self) -> Optional[str]: ...
    def cancelled(self) -> Coroutine[Any, Any, str]: ...
    def channel(self, name: str, first_sequence: int = 1, step: int = 1) -> _TaskChannel: ...
    def log(self, message: str) -> Coroutine[Any, Any, None]: ...
    def complete(self, output: JSONList) -> Coroutine[Any, Any, None]: ...
    def fail(self, message: str, kind: str, detail: str) -> Coroutine[Any, Any, None]: ...
    def fail_errors(self, errors: list[str], detail: str) -> Coroutine[Any, Any, None]: ...

@final
class _TaskChannel:
    """The writer of one declared channel of a task (opened on first send)."""

    @property
    def name(self) -> str: ...
    def send(self, data: Payload) -> Coroutine[Any, Any, int]: ...
    def reply(self, inreplyto: int, data: Payload) -> Coroutine[Any, Any, int]: ...
