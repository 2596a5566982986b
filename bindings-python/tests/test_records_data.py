"""Records as plain data: pickle, copy, to_dict/from_dict with the wire's field names, JSON."""

from __future__ import annotations

import copy
import inspect
import json
import multiprocessing
import pickle

import colonykit
import pytest

# The public classes that are not records.
NOT_RECORDS = {
    "Client",
    "SyncClient",
    "Subscription",
    "ChannelSubscription",
    "ProcessSubscription",
    "SyncSubscription",
    "SyncChannelSubscription",
    "SyncProcessSubscription",
    "ChannelWriter",
    "SyncChannelWriter",
    "WriterStats",
    "WriteProgress",  # a writer's error's attribute: a frozen dataclass, pickled with the error
    "ExecutorState",
    "ProcessState",
}


def record_classes() -> list[type]:
    classes = [getattr(colonykit, name) for name in colonykit.__all__]
    return [
        cls
        for cls in classes
        if inspect.isclass(cls)
        and cls.__name__ not in NOT_RECORDS
        and not issubclass(cls, BaseException)
    ]


def test_every_record_class_is_data():
    records = record_classes()
    assert len(records) >= 28
    for cls in records:
        assert callable(getattr(cls, "to_dict", None)), cls
        assert callable(getattr(cls, "from_dict", None)), cls


async def server_records(colony) -> list[object]:
    """One record of each kind the server returns, filled in by the server."""
    user, executor, admin = colony.user, colony.executor, colony.admin
    spec = colony.spec(
        "f", channels=["c"], kwargs={"n": 1, "nested": [1.5, None, True]}, args=["a", 2]
    )
    submitted = await user.submit(spec)
    process = await executor.assign(colony.colonyname, 10)
    await executor.append(process.processid, "c", 1, b"\x00\xffbinary", inreplyto=0)
    entry = (await user.read_channel(process.processid, "c"))[0]
    await executor.add_log(process.processid, "a log line")
    records = [
        submitted,
        process,
        spec,
        entry,
        await user.get_colony(colony.colonyname),
        (await user.get_users(colony.colonyname))[0],
        (await user.get_executors(colony.colonyname))[0],
        await admin.server_version(),
        await admin.server_info(),
        await admin.get_statistics(),
        await user.get_colony_statistics(colony.colonyname),
        (await executor.get_logs(colony.colonyname, process.processid, 10))[0],
        await user.get_pause_status(colony.colonyname),
    ]
    return records


def built_records() -> list[object]:
    """Every record class that can be built by keyword, with a field or two set."""
    made = []
    for cls in record_classes():
        try:
            made.append(cls())
        except TypeError:
            continue
    made.append(
        colonykit.Cron(
            colonyname="c",
            name="nightly",
            interval=60,
            workflowspec=colonykit.WorkflowSpec(
                colonyname="c",
                functionspecs=[colonykit.FunctionSpec("f", executortype="t", colonyname="c")],
            ),
        )
    )
    made.append(colonykit.Attribute(key="k", value="v", attributetype=1))
    return made


def check_round_trips(record: object) -> None:
    cls = type(record)
    data = record.to_dict()
    assert isinstance(data, dict)
    assert cls.from_dict(data) == record, cls
    assert cls.from_dict(json.loads(json.dumps(data))) == record, cls
    assert pickle.loads(pickle.dumps(record)) == record, cls
    assert copy.deepcopy(record) == record, cls
    assert copy.copy(record) == record, cls
    assert type(pickle.loads(pickle.dumps(record))) is cls


async def test_records_from_the_server_round_trip(colony):
    for record in await server_records(colony):
        check_round_trips(record)


def test_built_records_round_trip():
    records = built_records()
    built = {type(r) for r in records}
    # Every class is covered by a built record or one from the server (test above).
    server_only = {"Process", "ChannelEntry", "Colony", "User", "Executor", "ServerVersion"}
    server_only |= {"FunctionSpec"}  # built with a function name: see server_records
    assert {c.__name__ for c in record_classes()} - {c.__name__ for c in built} <= server_only
    for record in records:
        check_round_trips(record)


async def test_dicts_have_the_wire_field_names(colony):
    process = await colony.running("c")
    data = process.to_dict()
    assert data["processid"] == process.processid
    assert data["spec"]["funcname"] == "f" and data["spec"]["channels"] == ["c"]
    assert data["spec"]["conditions"]["colonyname"] == colony.colonyname
    assert data["state"] == int(colonykit.ProcessState.RUNNING)
    await colony.executor.append(process.processid, "c", 1, b"\x00\xff")
    entry = (await colony.user.read_channel(process.processid, "c"))[0]
    wire = entry.to_dict()
    assert wire["type"] == "data" and wire["payload"] == "AP8=" and wire["sequence"] == 1
    assert colonykit.ChannelEntry.from_dict(wire).payload == b"\x00\xff"
    # Missing fields take their defaults; a wrong field type is refused with its name.
    assert colonykit.Log.from_dict({"message": "m"}) == colonykit.Log(message="m")
    with pytest.raises(colonykit.InvalidArgumentError, match="timestamp"):
        colonykit.Log.from_dict({"timestamp": "not a number"})
    with pytest.raises(TypeError, match="dict"):
        colonykit.Log.from_dict([1, 2])


def _identity(record):
    return record


async def test_records_cross_a_process_boundary(colony):
    process = await colony.running("c")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        back = pool.apply(_identity, (process,))
    assert back == process and isinstance(back, colonykit.Process)
