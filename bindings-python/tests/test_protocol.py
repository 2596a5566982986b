"""The rest of the protocol against the real server: server info, statistics, users and
executors by ID, functions, locations, ID changes, process history and bulk removal, pausing,
workflows, logs, attributes, crons, generators, blueprints, files, snapshots, and the process
and assignment streams. One test per area, as in core/tests/protocol.rs."""

from __future__ import annotations

import asyncio
import json
import uuid

import colonykit
import pytest
from colonykit import (
    Attribute,
    Blueprint,
    BlueprintDefinition,
    BlueprintMetadata,
    Client,
    Cron,
    File,
    Function,
    Generator,
    Location,
    ProcessState,
    WorkflowSpec,
)


async def test_server_info_statistics_and_cluster(colony):
    info = await Client(colony.server_url).server_info()
    assert isinstance(info, colonykit.ServerInfo)
    assert info.backends and isinstance(info.backends[0], dict)
    stats = await colony.admin.get_statistics()
    assert isinstance(stats, colonykit.Statistics)
    assert stats.colonies >= 1
    cluster = await colony.admin.get_cluster()
    assert cluster.nodes and isinstance(cluster.nodes[0], colonykit.ClusterNode)
    assert isinstance(cluster.leader, colonykit.ClusterNode)
    colony_stats = await colony.user.get_colony_statistics(colony.colonyname)
    assert colony_stats.activeexecutors == 1
    assert colony_stats.waitingprocesses == 0
    assert repr(colony_stats).startswith("Statistics(")
    assert "activeexecutors=1" in repr(colony_stats)


async def test_users_and_executors_by_name_and_id(colony):
    me = (await colony.user.get_users(colony.colonyname))[0]
    by_name = await colony.user.get_user(colony.colonyname, me.name)
    assert by_name == me
    by_id = await colony.user.get_user_by_id(colony.colonyname, me.userid)
    assert by_id.name == colony.username
    executor = await colony.user.get_executor_by_id(
        colony.colonyname, colonykit.key_id(colony.executor_key)
    )
    assert executor.executorname == colony.executorname


async def test_executors_report_allocations_and_capabilities(colony):
    allocations = {"projects": {"demo": {"allocatedcpu": 4, "usedcpu": 1}}}
    await colony.executor.report_allocations(colony.colonyname, colony.executorname, allocations)
    capabilities = {"hardware": [{"model": "test", "cores": 2}], "software": []}
    await colony.executor.update_executor(colony.colonyname, colony.executorname, capabilities)
    executor = await colony.user.get_executor(colony.colonyname, colony.executorname)
    assert executor.capabilities["hardware"][0]["model"] == "test"
    assert executor.allocations["projects"]["demo"]["allocatedcpu"] == 4


async def test_functions_are_registered_listed_and_removed(colony):
    function = Function(
        executorname=colony.executorname,
        executortype=colony.executortype,
        colonyname=colony.colonyname,
        funcname="add",
        description="adds",
    )
    added = await colony.executor.add_function(function)
    assert isinstance(added, Function) and added.functionid
    listed = await colony.user.get_functions(colony.colonyname)
    assert [(f.funcname, f.description) for f in listed] == [("add", "adds")]
    assert "funcname='add'" in repr(listed[0])
    await colony.executor.remove_function(added.functionid)
    assert await colony.user.get_functions(colony.colonyname, colony.executorname) == []


async def test_locations_are_added_listed_and_removed(colony):
    location = Location(
        locationid=colonykit.key_id(colonykit.generate_key()),
        name="lab",
        colonyname=colony.colonyname,
        description="the lab",
        long=18.07,
        lat=59.33,
    )
    await colony.owner.add_location(location)
    got = await colony.user.get_location(colony.colonyname, "lab")
    assert (got.description, got.long, got.lat) == ("the lab", 18.07, 59.33)
    assert [loc.name for loc in await colony.user.get_locations(colony.colonyname)] == ["lab"]
    await colony.owner.remove_location(colony.colonyname, "lab")
    with pytest.raises(colonykit.NotFoundError):
        await colony.user.get_location(colony.colonyname, "lab")


async def test_ids_can_be_changed(colony):
    new_user_key = colonykit.generate_key()
    await colony.user.change_user_id(colony.colonyname, colonykit.key_id(new_user_key))
    renamed_user = colony.user.with_key(new_user_key)
    assert (await renamed_user.get_colony(colony.colonyname)).name == colony.colonyname

    new_executor_key = colonykit.generate_key()
    await colony.executor.change_executor_id(colony.colonyname, colonykit.key_id(new_executor_key))
    renamed_executor = colony.executor.with_key(new_executor_key)
    assert (await renamed_executor.get_colony(colony.colonyname)).name == colony.colonyname

    new_colony_key = colonykit.generate_key()
    await colony.owner.change_colony_id(colony.colonyname, colonykit.key_id(new_colony_key))
    new_owner = colony.owner.with_key(new_colony_key)
    await new_owner.pause_assignments(colony.colonyname)
    await new_owner.resume_assignments(colony.colonyname)
    with pytest.raises(colonykit.UnauthorizedError):
        await colony.owner.pause_assignments(colony.colonyname)

    # Changing the server's ID would take the server from the other tests: only check that
    # someone else is refused.
    with pytest.raises(colonykit.UnauthorizedError):
        await colony.user.change_server_id(colonykit.key_id(colonykit.generate_key()))


async def test_pausing_stops_assignments_until_resumed(colony):
    await colony.owner.pause_assignments(colony.colonyname)
    status = await colony.user.get_pause_status(colony.colonyname)
    assert isinstance(status, colonykit.PauseStatus) and status.ispaused
    await colony.user.submit(colony.spec("paused"))
    with pytest.raises(colonykit.TimeoutError):
        await colony.executor.assign(colony.colonyname, 1)
    await colony.owner.resume_assignments(colony.colonyname)
    assert not (await colony.user.get_pause_status(colony.colonyname)).ispaused
    assert await colony.executor.assign(colony.colonyname, 10) is not None


async def test_process_history_and_bulk_removal(colony):
    process = await colony.running()
    await colony.executor.close(process.processid)
    history = await colony.user.get_process_history(colony.colonyname, "success", 3600)
    assert process.processid in [p.processid for p in history]
    mine = await colony.user.get_process_history(
        colony.colonyname,
        ProcessState.SUCCESS,
        3600,
        executorid=colonykit.key_id(colony.executor_key),
    )
    assert [p.processid for p in mine] == [process.processid]

    await colony.user.submit(colony.spec("w"))
    await colony.owner.remove_all_processes(colony.colonyname)
    for state in ("waiting", "success"):
        assert await colony.user.get_processes(colony.colonyname, state) == []


def workflow(colony) -> WorkflowSpec:
    first = colony.spec("first", nodename="first")
    second = colony.spec("second", nodename="second", dependencies=["first"])
    return WorkflowSpec(colonyname=colony.colonyname, functionspecs=[first, second])


async def test_workflows_run_in_dependency_order(colony):
    spec = workflow(colony)
    assert spec.functionspecs[1].conditions.dependencies == ["first"]
    graph = await colony.user.submit_workflow(spec)
    assert isinstance(graph, colonykit.ProcessGraph) and len(graph.processids) == 2
    got = await colony.user.get_process_graph(graph.processgraphid)
    assert len(got.rootprocessids) == 1
    assert got.state is ProcessState.WAITING
    listed = await colony.user.get_process_graphs(colony.colonyname, ProcessState.WAITING)
    assert graph.processgraphid in [g.processgraphid for g in listed]

    first = await colony.executor.assign(colony.colonyname, 10)
    assert first is not None and first.spec.funcname == "first"
    assert first.processgraphid == graph.processgraphid
    child = await colony.executor.add_child(
        graph.processgraphid, first.processid, colony.spec("inserted"), insert=True
    )
    await colony.executor.close(first.processid, [1])
    following = await colony.executor.assign(colony.colonyname, 10)
    assert following is not None and following.processid == child.processid
    assert following.input == [1]

    await colony.user.cancel_process_graph(graph.processgraphid)
    cancelled = await colony.user.get_process_graph(graph.processgraphid)
    assert cancelled.state is ProcessState.CANCELLED
    await colony.user.remove_process_graph(graph.processgraphid)
    with pytest.raises(colonykit.ColonyError):
        await colony.user.get_process_graph(graph.processgraphid)

    await colony.user.submit_workflow(workflow(colony))
    await colony.owner.remove_all_process_graphs(colony.colonyname, None)
    assert await colony.user.get_process_graphs(colony.colonyname, "waiting", count=10) == []


async def test_logs_are_added_read_and_searched(colony):
    process = await colony.running()
    marker = f"needle-{uuid.uuid4().hex[:12]}"
    await colony.executor.add_log(process.processid, f"working on {marker}")
    await colony.executor.add_executor_log(colony.colonyname, colony.executorname, "idle")
    logs = await colony.user.get_logs(colony.colonyname, process.processid)
    assert len(logs) == 1 and isinstance(logs[0], colonykit.Log)
    assert marker in logs[0].message and logs[0].timestamp > 0
    later = await colony.user.get_logs(
        colony.colonyname, process.processid, count=10, since=logs[0].timestamp
    )
    assert later == []
    executor_logs = await colony.user.get_executor_logs(colony.colonyname, colony.executorname)
    assert "idle" in [log.message for log in executor_logs]
    found = await colony.user.search_logs(colony.colonyname, marker, days=1, count=10)
    assert [log.processid for log in found] == [process.processid]
    with pytest.raises(colonykit.InvalidArgumentError):
        await colony.user.get_logs(colony.colonyname, process.processid, count=0)


async def test_attributes_are_added_and_read(colony):
    process = await colony.running()
    attribute = Attribute(targetid=process.processid, key="progress", value="50%", attributetype=1)
    added = await colony.executor.add_attribute(attribute)
    assert added.attributeid and added.targetid == process.processid
    got = await colony.user.get_attribute(added.attributeid)
    assert (got.key, got.value, got.attributetype) == ("progress", "50%", 1)
    assert got.targetid == process.processid


async def test_crons_are_added_run_listed_and_removed(colony):
    cron = Cron(
        colonyname=colony.colonyname,
        name="nightly",
        cronexpression="0 0 3 * * *",
        interval=-1,
        workflowspec=workflow(colony),
    )
    added = await colony.user.add_cron(cron)
    assert added.cronid
    assert added.workflowspec == workflow(colony)
    got = await colony.user.get_cron(added.cronid)
    assert got.name == "nightly" and got.cronexpression == "0 0 3 * * *"
    assert [c.cronid for c in await colony.user.get_crons(colony.colonyname)] == [added.cronid]
    ran = await colony.user.run_cron(added.cronid)
    assert ran.cronid == added.cronid
    await colony.user.remove_cron(added.cronid)
    assert await colony.user.get_crons(colony.colonyname, count=10) == []


async def test_generators_are_added_packed_resolved_and_removed(colony):
    generator = Generator(
        colonyname=colony.colonyname,
        name="batch",
        workflowspec=json.dumps(
            {"colonyname": colony.colonyname, "functionspecs": []}
        ),  # the JSON text works too
        trigger=10,
        timeout=3600,
    )
    generator.workflowspec = workflow(colony)
    added = await colony.user.add_generator(generator)
    assert added.generatorid and added.trigger == 10
    await colony.user.pack_generator(added.generatorid, "one")
    got = await colony.user.get_generator(added.generatorid)
    assert got.name == "batch"
    resolved = await colony.user.resolve_generator(colony.colonyname, "batch")
    assert resolved.generatorid == added.generatorid
    listed = await colony.user.get_generators(colony.colonyname)
    assert [g.generatorid for g in listed] == [added.generatorid]
    await colony.user.remove_generator(added.generatorid)
    assert await colony.user.get_generators(colony.colonyname, count=10) == []


async def test_blueprints_and_their_definitions(colony):
    definition = BlueprintDefinition(
        kind="Lamp",
        metadata=BlueprintMetadata(name="lamps", colonyname=colony.colonyname),
        spec={
            "group": "test.colonykit",
            "version": "v1",
            "names": {
                "kind": "Lamp",
                "listKind": "LampList",
                "singular": "lamp",
                "plural": "lamps",
            },
            "scope": "Namespaced",
            "handler": {"executorType": colony.executortype, "functionName": "reconcile"},
        },
    )
    await colony.owner.add_blueprint_definition(definition)
    got = await colony.user.get_blueprint_definition(colony.colonyname, "lamps")
    assert got.kind == "Lamp" and got.metadata.name == "lamps"
    definitions = await colony.user.get_blueprint_definitions(colony.colonyname)
    assert [d.kind for d in definitions] == ["Lamp"]

    blueprint = Blueprint(
        kind="Lamp",
        metadata=BlueprintMetadata(name="desk", colonyname=colony.colonyname),
        spec={"on": True},
    )
    added = await colony.user.add_blueprint(blueprint)
    changed = await colony.user.get_blueprint(colony.colonyname, "desk")
    assert changed.spec == {"on": True}
    changed.spec = {"on": False}
    await colony.user.update_blueprint(changed)
    listed = await colony.user.get_blueprints(colony.colonyname, "Lamp")
    assert [b.spec for b in listed] == [{"on": False}]
    await colony.user.update_blueprint_status(colony.colonyname, "desk", {"lit": False})
    assert (await colony.user.get_blueprint(colony.colonyname, "desk")).status == {"lit": False}
    reconcile = await colony.user.reconcile_blueprint(colony.colonyname, "desk", force=True)
    assert isinstance(reconcile, colonykit.Process)
    assert reconcile.spec.funcname == "reconcile"
    history = await colony.user.get_blueprint_history(added.blueprintid, limit=10)
    assert history and all(h.blueprintid == added.blueprintid for h in history)

    await colony.user.remove_blueprint(colony.colonyname, "desk")
    await colony.owner.remove_blueprint_definition(colony.colonyname, "lamps")
    assert await colony.user.get_blueprint_definitions(colony.colonyname) == []


async def test_file_revisions_by_label_and_name(colony):
    def revision(checksum):
        return File(
            colonyname=colony.colonyname,
            label="/revisions",
            name="b.txt",
            size=1,
            checksum=checksum,
            checksumalg="SHA256",
            reference={"protocol": "s3", "s3object": {"bucket": "b", "object": "o"}},
        )

    await colony.user.add_file(revision("first"))
    await colony.user.add_file(revision("second"))
    every = await colony.user.get_file_by_name(colony.colonyname, "/revisions", "b.txt")
    assert sorted(f.checksum for f in every) == ["first", "second"]
    latest = await colony.user.get_file_by_name(
        colony.colonyname, "/revisions", "b.txt", latest=True
    )
    assert [f.checksum for f in latest] == ["second"]


async def test_files_snapshots_and_labels(colony):
    file = File(
        colonyname=colony.colonyname,
        label="/data",
        name="a.txt",
        size=3,
        checksum="abc",
        checksumalg="SHA256",
        reference={"protocol": "s3", "s3object": {"bucket": "b", "object": "o"}},
    )
    added = await colony.user.add_file(file)
    assert added.fileid
    revisions = await colony.user.get_file(colony.colonyname, added.fileid)
    assert [(f.name, f.size) for f in revisions] == [("a.txt", 3)]
    assert revisions[0].reference["s3object"]["bucket"] == "b"
    files = await colony.user.get_files(colony.colonyname, "/data")
    assert [f.name for f in files] == ["a.txt"]
    labels = await colony.user.get_file_labels(colony.colonyname)
    assert ("/data", 1) in [(label.name, label.files) for label in labels]
    exact = await colony.user.get_file_labels(colony.colonyname, "/data", exact=True)
    assert [label.name for label in exact] == ["/data"]

    snapshot = await colony.user.create_snapshot(colony.colonyname, "/data", "snap")
    assert snapshot.fileids == [added.fileid]
    got = await colony.user.get_snapshot(colony.colonyname, "snap")
    assert got.snapshotid == snapshot.snapshotid
    assert len(await colony.user.get_snapshots(colony.colonyname)) == 1
    await colony.user.remove_snapshot(colony.colonyname, "snap")
    await colony.user.create_snapshot(colony.colonyname, "/data", "again")
    await colony.user.remove_all_snapshots(colony.colonyname)
    assert await colony.user.get_snapshots(colony.colonyname) == []

    await colony.user.remove_file(colony.colonyname, added.fileid)
    assert await colony.user.get_files(colony.colonyname, "/data") == []


async def test_process_events_stream(colony):
    events = colony.executor.subscribe_processes(colony.executortype, "waiting")
    assert isinstance(events, colonykit.ProcessSubscription)
    assert isinstance(events, colonykit.Subscription)
    async with events:
        await asyncio.sleep(0.3)
        submitted = await colony.user.submit(colony.spec("watched"))
        seen = await asyncio.wait_for(events.next(), 10)
        assert seen is not None and seen.processid == submitted.processid
    assert events.closed
    assert repr(events) == "ProcessSubscription(closed=True)"


async def test_assignments_stream_waits_through_idle_polls(colony):
    work = colony.executor.assignments(colony.colonyname, poll=1)
    taken = []

    async def executor():
        async for process in work:
            taken.append(process.processid)
            await colony.executor.close(process.processid, ["done"])
            if len(taken) == 2:
                break

    loop = asyncio.create_task(executor())
    # Longer than one poll: "no work" is waiting, not an error.
    await asyncio.sleep(1.5)
    first = await colony.user.submit(colony.spec("job"))
    second = await colony.user.submit(colony.spec("job"))
    await asyncio.wait_for(loop, 15)
    assert taken == [first.processid, second.processid]
    # Leaving the loop closed the stream.
    assert work.closed
    assert await work.next() is None

    # close() ends a pending next at once, even during a poll.
    idle = colony.executor.assignments(colony.colonyname, poll=5)
    pending = asyncio.ensure_future(idle.next())
    await asyncio.sleep(0.2)
    idle.close()
    assert await asyncio.wait_for(pending, 1) is None


async def test_a_user_cannot_take_work_or_watch(colony):
    with pytest.raises(colonykit.ColonyError) as info:
        await colony.user.assign(colony.colonyname, 1)
    assert not isinstance(info.value, colonykit.ProtocolError)
    events = colony.user.subscribe_processes(colony.executortype, ProcessState.WAITING)
    with pytest.raises(colonykit.UnauthorizedError):
        await asyncio.wait_for(events.next(), 10)
    with pytest.raises(colonykit.InvalidArgumentError, match="no private key"):
        Client(colony.server_url).assignments(colony.colonyname)


def test_records_are_typed_and_compare_by_value():
    cron = Cron(colonyname="c", name="n", interval=60)
    assert cron == Cron(name="n", colonyname="c", interval=60)
    assert cron != Cron(colonyname="c", name="other", interval=60)
    assert repr(cron) == "Cron(colonyname='c', name='n', interval=60)"
    assert cron.workflowspec is None and cron.cronid == "" and cron.random is False
    cron.random = True
    assert cron.random
    cron.workflowspec = WorkflowSpec(colonyname="c")
    assert cron.workflowspec == WorkflowSpec(colonyname="c")
    cron.workflowspec = None
    assert cron.workflowspec is None
    with pytest.raises(TypeError, match=r"Cron\.interval must be an int, not str"):
        Cron(interval="5")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'nmae'"):
        Cron(nmae="typo")
    with pytest.raises(AttributeError, match="nmae"):
        cron.nmae = "typo"
    with pytest.raises(TypeError, match=r"Cron\.workflowspec must be a colonykit\.WorkflowSpec"):
        Cron(workflowspec=42)
    with pytest.raises(colonykit.InvalidArgumentError, match="the workflow spec is not a workflow"):
        Cron(workflowspec="{nope")
    assert Cron(interval=-1) == Cron()  # the default: use the cron expression
    go_text = '{"colonyname":"c","functionspecs":[{"funcname":"f","args":null,"kwargs":null}]}'
    assert Cron(workflowspec=go_text).workflowspec.functionspecs[0].kwargs == {}
    with pytest.raises(TypeError, match=r"WorkflowSpec\.functionspecs"):
        WorkflowSpec(functionspecs=[{"funcname": "f"}])
    with pytest.raises(TypeError, match=r"Location\.long must be a float"):
        Location(long="north")
    with pytest.raises(TypeError, match="BlueprintMetadata"):
        Blueprint(metadata={"name": "x"})

    metadata = BlueprintMetadata(name="desk")
    blueprint = Blueprint(kind="Lamp", metadata=metadata, spec={"on": True})
    assert blueprint.metadata == metadata
    blueprint.metadata.name = "copy"  # a copy: the blueprint keeps its own
    assert blueprint.metadata.name == "desk"


async def test_client_arguments_are_checked(colony):
    with pytest.raises(TypeError, match=r"cron must be a colonykit\.Cron, not dict"):
        await colony.user.add_cron({"name": "x"})
    with pytest.raises(TypeError, match="colonyname must be a str"):
        await colony.user.get_crons(42)
    with pytest.raises(colonykit.InvalidArgumentError, match="count must be a non-negative"):
        await colony.user.get_crons(colony.colonyname, count=-1)
    with pytest.raises(colonykit.InvalidArgumentError, match="unknown process state"):
        await colony.user.get_process_graphs(colony.colonyname, "sleeping")
    with pytest.raises(TypeError, match="allocations"):
        await colony.executor.report_allocations(colony.colonyname, colony.executorname, {1, 2})
    with pytest.raises(colonykit.InvalidArgumentError, match="poll"):
        colony.executor.assignments(colony.colonyname, poll=-1)
    with pytest.raises(colonykit.InvalidArgumentError, match="poll"):
        colony.executor.assignments(colony.colonyname, poll=0)


def test_function_spec_conditions():
    spec = colonykit.FunctionSpec(
        "f",
        executortype="t",
        colonyname="c",
        dependencies=["a"],
        executornames=["e1"],
        cpu="500m",
        mem="1Gi",
        walltime=60,
        fs={"mount": "/data"},
    )
    conditions = spec.conditions
    assert isinstance(conditions, colonykit.Conditions)
    assert (conditions.colonyname, conditions.executortype) == ("c", "t")
    assert conditions.dependencies == ["a"] and conditions.executornames == ["e1"]
    assert (conditions.cpu, conditions.mem, conditions.walltime) == ("500m", "1Gi", 60)
    assert spec.fs == {"mount": "/data"}
    assert "dependencies=['a']" in repr(spec) and "cpu='500m'" in repr(spec)
    conditions.nodes = 2
    spec.conditions = conditions
    assert spec.conditions.nodes == 2
    with pytest.raises(TypeError, match="unexpected keyword argument 'cpus'"):
        colonykit.FunctionSpec("f", executortype="t", colonyname="c", cpus="1")
    with pytest.raises(TypeError, match="dependencies must be a list of str"):
        colonykit.FunctionSpec("f", executortype="t", colonyname="c", dependencies="a")
