"""colonykit: a ColonyOS client for asyncio.

>>> import asyncio
>>> from colonykit import Client, FunctionSpec
>>> async def main():
...     async with Client.from_env() as client:
...         spec = FunctionSpec("long-task", executortype="cli", colonyname="dev",
...                             channels=["progress"])
...         process = await client.submit(spec)
...         async for entry in client.subscribe_channel(process.processid, "progress"):
...             print(entry.sequence, entry.payload.decode())

Every operation is an async method of ``Client`` and a blocking one of ``SyncClient``; results
are objects with attributes (``to_dict()``, picklable); errors are ``ColonyError`` subclasses.
The protocol itself lives in the Rust core.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from colonykit._enums import ExecutorState, ProcessState
from colonykit._errors import (
    ChannelLostError,
    ColonyError,
    ConflictError,
    ConnectionError,
    InvalidArgumentError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    ProcessClosedError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    TlsError,
    UnauthorizedError,
    WriteProgress,
)
from colonykit._native import (
    ACK,
    Attribute,
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    BlueprintMetadata,
    ChannelEntry,
    ChannelSubscription,
    ChannelWriter,
    Client,
    Cluster,
    ClusterNode,
    Colony,
    Conditions,
    Cron,
    Executor,
    File,
    FileData,
    Function,
    FunctionSpec,
    Generator,
    Label,
    Location,
    Log,
    PauseStatus,
    Process,
    ProcessGraph,
    ProcessSubscription,
    ServerInfo,
    ServerVersion,
    Snapshot,
    Statistics,
    Subscription,
    SyncChannelSubscription,
    SyncChannelWriter,
    SyncClient,
    SyncProcessSubscription,
    SyncSubscription,
    User,
    WorkflowSpec,
    WriterStats,
    generate_key,
    key_id,
)

# Show the public classes as colonykit.X (e.g. in tracebacks), not colonykit._errors.X.
for _class in (
    ColonyError,
    ConflictError,
    ConnectionError,
    InvalidArgumentError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    ChannelLostError,
    ProcessClosedError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    TlsError,
    UnauthorizedError,
    WriteProgress,
    ExecutorState,
    ProcessState,
):
    _class.__module__ = __name__
del _class

try:
    __version__: str = _distribution_version("colonykit")
    """The installed package's version (the same for the crate and the npm package)."""
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ACK",
    "Attribute",
    "Blueprint",
    "BlueprintDefinition",
    "BlueprintHistory",
    "BlueprintMetadata",
    "ChannelEntry",
    "ChannelLostError",
    "ChannelSubscription",
    "ChannelWriter",
    "Client",
    "Cluster",
    "ClusterNode",
    "Colony",
    "ColonyError",
    "Conditions",
    "ConflictError",
    "ConnectionError",
    "Cron",
    "Executor",
    "ExecutorState",
    "File",
    "FileData",
    "Function",
    "FunctionSpec",
    "Generator",
    "InvalidArgumentError",
    "InvalidRequestError",
    "Label",
    "Location",
    "Log",
    "NotFoundError",
    "OutcomeUnknownError",
    "PauseStatus",
    "Process",
    "ProcessClosedError",
    "ProcessGraph",
    "ProcessState",
    "ProcessSubscription",
    "ProtocolError",
    "RateLimitedError",
    "ServerError",
    "ServerInfo",
    "ServerVersion",
    "Snapshot",
    "Statistics",
    "Subscription",
    "SyncChannelSubscription",
    "SyncChannelWriter",
    "SyncClient",
    "SyncProcessSubscription",
    "SyncSubscription",
    "TimeoutError",
    "TlsError",
    "UnauthorizedError",
    "User",
    "WorkflowSpec",
    "WriteProgress",
    "WriterStats",
    "generate_key",
    "key_id",
]
