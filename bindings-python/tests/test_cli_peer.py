"""The official ColonyOS CLI as a test peer: one side writes, the other reads, field by field.

The CLI is the server binary (`colonies`, path in `COLONIES_CLI` of tests/server/run/server.env).
It prints JSON with `--json` for processes, workflows, crons and executors (followed by a stray
` <nil>` for some commands), and tables for the rest; where it prints something oddly,
docs/server-findings.md says so and the comparison is of meaning (Go's `null` for an empty list
is the same as `[]`; a zero `fs` is the same as no `fs`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from pathlib import Path

import colonykit
import pytest
from colonykit import (
    Attribute,
    Cron,
    FunctionSpec,
    Generator,
    ProcessState,
    WorkflowSpec,
)

# User JSON with everything that has gone wrong before: nulls at every depth, empty lists and
# maps, unicode (including what Go escapes for HTML), the largest exact integers.
ARGS = [
    "héllo",
    {"nested": [1, 2], "none": None},
    [],
    {},
    None,
    [None, {"deep": [None]}],
    2**53 - 1,
    -(2**53 - 1),
    0.5,
    '漢字 🦀 <&> \u2028 "quoted" \\ \n\t',
]
KWARGS = {"opt": None, "empty": {}, "list": [], "big": 2**53 - 1, "u": "ünï <&>", "n": {"x": None}}
ENV = {"K": "v", "ÜNI": "漢 <&>", "EMPTY": ""}
OUTPUT = [{"result": None, "items": [1, None, []]}, None, "dönë", 2**53 - 1, {}]

# Every field the comparisons below look at (the closing note lists them).
PROCESS_FIELDS = """
    processid initiatorid initiatorname assignedexecutorid isassigned state prioritytime
    submissiontime starttime endtime waitdeadline execdeadline retries attributes
    waitforparents parents children processgraphid in out errors
""".split()
SPEC_FIELDS = """
    nodename funcname args kwargs priority maxwaittime maxexectime maxretries label fs env
    channels
""".split()
CONDITION_FIELDS = """
    colonyname executornames executortype locationname dependencies nodes processes
    processespernode cpu mem storage gpu walltime
""".split()
GRAPH_FIELDS = """
    processgraphid initiatorid initiatorname colonyname rootprocessids state submissiontime
    starttime endtime processids nodes edges
""".split()
CRON_FIELDS = """
    cronid initiatorid initiatorname colonyname name cronexpression interval random nextrun
    lastrun prevprocessgraphid waitforprevprocessgraph checkerperiod
""".split()
EXECUTOR_FIELDS = """
    executorid executortype executorname colonyname state requirefuncreg commissiontime
    lastheardfromtime locationname capabilities allocations
""".split()

# The workflow text a cron made by colonykit stores, whatever the language: the Node suite
# asserts the same text (cli-peer.test.mjs), so both bindings store exactly the same workflow.
STORED_WORKFLOW = (
    '{"colonyname":"COLONY","functionspecs":[{"nodename":"a","funcname":"fa",'
    '"args":[null,{"x":null}],"kwargs":{"opt":null},"priority":0,"maxwaittime":-1,'
    '"maxexectime":-1,"maxretries":0,"conditions":{"colonyname":"COLONY","executornames":[],'
    '"executortype":"TYPE","dependencies":[],"nodes":0,"processes":0,"processespernode":0,'
    '"cpu":"","mem":"","storage":"","walltime":0},"label":"","env":{}},{"nodename":"b",'
    '"funcname":"fb","args":[],"kwargs":{},"priority":0,"maxwaittime":-1,"maxexectime":-1,'
    '"maxretries":0,"conditions":{"colonyname":"COLONY","executornames":[],"executortype":"TYPE",'
    '"dependencies":["a"],"nodes":0,"processes":0,"processespernode":0,"cpu":"","mem":"",'
    '"storage":"","walltime":0},"label":"","env":{}}]}'
)

# A workflow as the CLI takes it (`--spec`: the list of function specs).
CLI_WORKFLOW = [
    {
        "nodename": "a",
        "funcname": "fa",
        "args": [None, {"x": None}],
        "kwargs": {"opt": None},
        "conditions": {"executortype": "TYPE"},
    },
    {
        "nodename": "b",
        "funcname": "fb",
        "conditions": {"executortype": "TYPE", "dependencies": ["a"]},
    },
]


def nodes(colony) -> list[FunctionSpec]:
    """CLI_WORKFLOW as colonykit's specs, naming no colony (the core fills in the workflow's)."""
    common = {"executortype": colony.executortype, "colonyname": ""}
    return [
        FunctionSpec("fa", nodename="a", args=[None, {"x": None}], kwargs={"opt": None}, **common),
        FunctionSpec("fb", nodename="b", dependencies=["a"], **common),
    ]


# --- Running the CLI ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cli_path(server_env: dict[str, str]) -> str:
    path = server_env.get("COLONIES_CLI") or os.path.expanduser(
        f"~/.cache/colonykit/server/{server_env.get('COLONIES_VERSION', 'v1.9.12')}/colonies"
    )
    assert os.access(path, os.X_OK), f"the colonies CLI is not at {path} (run tests/server/up)"
    return path


class Cli:
    """Runs `colonies` against the test server, as one member of a colony."""

    def __init__(self, path: str, server_env: dict[str, str], colony, tmp: Path):
        self.path = path
        self.colony = colony
        self.tmp = tmp
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp),
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "COLONIES_SERVER_HOST": server_env.get("COLONIES_SERVER_HOST", "127.0.0.1"),
            "COLONIES_SERVER_PORT": server_env.get("COLONIES_SERVER_PORT", "50080"),
            "COLONIES_TLS": "false",
            "COLONIES_COLONY_NAME": colony.colonyname,
        }

    def run(self, *args: str, key: str | None = None, **env: str) -> str:
        """stdout and stderr of one command (the CLI logs IDs on stderr); fails on exit != 0."""
        settings = {**self.env, "COLONIES_PRVKEY": key or self.colony.user_key, **env}
        done = subprocess.run(
            [self.path, *args], env=settings, capture_output=True, text=True, timeout=60
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"colonies {' '.join(args)} failed: {output}"
        return output

    def json(self, *args: str, key: str | None = None) -> dict:
        """The JSON a `--json` command prints (without the ` <nil>` some commands add)."""
        text = self.run(*args, "--json", key=key)
        start = text.index("{")
        value, _ = json.JSONDecoder().raw_decode(text[start:])
        return value

    def table(self, *args: str, key: str | None = None) -> dict[str, str]:
        """A vertical table (`│ Name │ value │` rows) as a dict; first occurrence wins."""
        rows: dict[str, str] = {}
        for line in self.run(*args, key=key).splitlines():
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if len(cells) == 2 and cells[0]:
                rows.setdefault(cells[0], cells[1])
        return rows

    def rows(self, *args: str, key: str | None = None) -> list[list[str]]:
        """A horizontal table's data rows (after the header)."""
        lines = [line for line in self.run(*args, key=key).splitlines() if line.startswith("│")]
        return [[c.strip() for c in line.strip("│").split("│")] for line in lines[1:]]

    def spec_file(self, value, name: str) -> str:
        text = json.dumps(value).replace("TYPE", self.colony.executortype)
        path = self.tmp / name
        path.write_text(text)
        return str(path)

    def logged_id(self, output: str, name: str) -> str:
        match = re.search(rf"{name}=([0-9a-f]{{64}})", output)
        assert match, f"no {name} in: {output}"
        return match.group(1)


@pytest.fixture
def cli(cli_path, server_env, colony, tmp_path) -> Cli:
    return Cli(cli_path, server_env, colony, tmp_path)


# --- Comparing ---------------------------------------------------------------------------------


def without_nulls(value):
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def go(value):
    """One of the server's own structs (`fs`, `gpu`, `capabilities`, `allocations`) read as what
    it means: Go's nil lists and maps (`null`) are absent, and a struct of zeros is no value."""
    value = without_nulls(value)
    if isinstance(value, dict) and all(v in ("", 0, False, {}) for v in value.values()):
        return None
    return value


def same(cli_value, ours, what: str, free_form: bool = False):
    """Free-form JSON must be equal exactly; elsewhere a Go `null` equals an empty value."""
    if free_form:
        assert cli_value == ours, what
    elif cli_value is None:
        assert ours in (None, [], {}, ""), f"{what}: CLI null, colonykit {ours!r}"
    else:
        assert cli_value == ours, f"{what}: CLI {cli_value!r}, colonykit {ours!r}"


def compare_spec(cli_spec: dict, spec: FunctionSpec, what: str):
    for name in SPEC_FIELDS:
        ours = getattr(spec, name)
        if name == "fs":
            assert go(cli_spec.get("fs")) == go(ours), f"{what}.fs"
        elif name in ("args", "kwargs") and cli_spec[name] is not None:
            # User JSON: exactly equal (a Go nil list or map as a whole is empty, below).
            same(cli_spec[name], ours, f"{what}.{name}", free_form=True)
        else:
            same(cli_spec.get(name), ours, f"{what}.{name}")
    for name in CONDITION_FIELDS:
        ours = getattr(spec.conditions, name)
        if name == "gpu":
            assert go(cli_spec["conditions"].get("gpu")) == go(ours), f"{what}.conditions.gpu"
        else:
            same(cli_spec["conditions"].get(name), ours, f"{what}.conditions.{name}")


def compare_process(cli_process: dict, process: colonykit.Process):
    renamed = {"in": "input", "out": "output"}
    for name in PROCESS_FIELDS:
        ours = getattr(process, renamed.get(name, name))
        if name == "state":
            ours = int(ours)
        same(cli_process[name], ours, name, free_form=name in ("in", "out", "attributes"))
    compare_spec(cli_process["spec"], process.spec, "spec")


def by_id(items):
    return sorted(items or [], key=lambda item: item["id"])


def compare_fields(cli_value: dict, ours, fields: list[str], what: str, free_form=()):
    for name in fields:
        value = getattr(ours, name)
        if name == "state":
            value = int(value)
        if name in ("nodes", "edges"):
            # A graph's layout is computed on each read, in no fixed order.
            assert by_id(cli_value[name]) == by_id(value), f"{what}.{name}"
            continue
        if name in ("capabilities", "allocations"):
            assert go(cli_value[name]) == go(value), f"{what}.{name}"
        else:
            same(cli_value.get(name), value, f"{what}.{name}", free_form=name in free_form)


# --- Processes ---------------------------------------------------------------------------------


async def test_a_process_written_by_colonykit_reads_the_same_in_the_cli(colony, cli):
    spec = colony.spec(
        "echo", args=ARGS, kwargs=KWARGS, env=ENV, label="lbl", priority=5, maxretries=2
    )
    submitted = await colony.user.submit(spec)
    assigned = await colony.executor.assign(colony.colonyname, 10)
    assert assigned is not None and assigned.processid == submitted.processid
    await colony.executor.close(assigned.processid, OUTPUT)

    process = await colony.user.get_process(submitted.processid)
    assert process.spec.args == ARGS
    assert process.spec.kwargs == KWARGS
    assert process.output == OUTPUT
    assert process.spec.env == ENV
    shown = cli.json("process", "get", "-p", process.processid)
    assert shown["spec"]["args"] == ARGS
    assert shown["spec"]["kwargs"] == KWARGS
    assert shown["out"] == OUTPUT
    assert shown["state"] == ProcessState.SUCCESS
    compare_process(shown, process)


async def test_a_process_written_by_the_cli_reads_the_same_in_colonykit(colony, cli):
    spec = {"funcname": "echo", "args": ARGS, "kwargs": KWARGS, "env": ENV}
    spec["conditions"] = {"executortype": colony.executortype}
    out = cli.run("function", "submit", "--spec", cli.spec_file(spec, "spec.json"))
    processid = cli.logged_id(out, "ProcessId")

    process = await colony.user.get_process(processid)
    # The first case: nulls inside user data stay, and `kwargs["opt"]` is there.
    assert process.spec.args == ARGS
    assert process.spec.kwargs == KWARGS
    assert process.spec.kwargs["opt"] is None
    assert process.spec.args[1] == {"nested": [1, 2], "none": None}
    assert process.spec.env == ENV
    compare_process(cli.json("process", "get", "-p", processid), process)

    # The CLI as the executor: assign, then close with output (the CLI's output is strings).
    cli.run("process", "assign", "--timeout", "10", key=colony.executor_key)
    executor = colony.executor_key
    cli.run("process", "close", "-p", processid, "--out", "a", "--out", "b c", key=executor)
    closed = await colony.user.get_process(processid)
    assert closed.state == ProcessState.SUCCESS
    assert closed.output == ["a", "b c"]
    compare_process(cli.json("process", "get", "-p", processid), closed)


async def test_a_failure_written_by_the_cli_reads_in_colonykit(colony, cli):
    submitted = await colony.user.submit(colony.spec("fails"))
    cli.run("process", "assign", "--timeout", "10", key=colony.executor_key)
    executor = colony.executor_key
    cli.run("process", "fail", "-p", submitted.processid, "--errors", "broken: ü", key=executor)
    failed = await colony.user.get_process(submitted.processid)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == ["broken: ü"]
    compare_process(cli.json("process", "get", "-p", submitted.processid), failed)


# --- Workflows ---------------------------------------------------------------------------------


async def test_workflows_read_the_same_both_ways(colony, cli):
    out = cli.run("workflow", "submit", "--spec", cli.spec_file(CLI_WORKFLOW, "wf.json"))
    graphid = cli.logged_id(out, "WorkflowID")
    graph = await colony.user.get_process_graph(graphid)
    compare_fields(
        cli.json("workflow", "get", "--workflowid", graphid),
        graph,
        GRAPH_FIELDS,
        "graph",
        free_form=("nodes", "edges"),
    )
    root = await colony.user.get_process(graph.rootprocessids[0])
    assert root.spec.args == [None, {"x": None}]
    assert root.spec.kwargs == {"opt": None}
    compare_process(cli.json("process", "get", "-p", root.processid), root)

    # colonykit's workflow, its nodes naming no colony: the core fills in the workflow's.
    workflow = WorkflowSpec(colonyname=colony.colonyname, functionspecs=nodes(colony))
    ours = await colony.user.submit_workflow(workflow)
    ours = await colony.user.get_process_graph(ours.processgraphid)
    compare_fields(
        cli.json("workflow", "get", "--workflowid", ours.processgraphid),
        ours,
        GRAPH_FIELDS,
        "graph",
        free_form=("nodes", "edges"),
    )
    for processid in ours.processids:
        shown = cli.json("process", "get", "-p", processid)
        assert shown["spec"]["conditions"]["colonyname"] == colony.colonyname
        compare_process(shown, await colony.user.get_process(processid))


# --- Crons -------------------------------------------------------------------------------------


def compare_workflow_text(text: str, workflow: WorkflowSpec | None, what: str):
    stored = json.loads(text)
    assert workflow is not None, what
    assert stored["colonyname"] == workflow.colonyname, what
    assert len(stored["functionspecs"]) == len(workflow.functionspecs), what
    for i, (cli_spec, spec) in enumerate(zip(stored["functionspecs"], workflow.functionspecs)):
        compare_spec(cli_spec, spec, f"{what}.functionspecs[{i}]")


async def test_a_cron_written_by_the_cli_reads_in_colonykit(colony, cli):
    spec = cli.spec_file(CLI_WORKFLOW, "wf.json")
    out = cli.run(*"cron add --name nightly --spec".split(), spec, "--cron", "0 0 3 * * *")
    cronid = cli.logged_id(out, "CronID")
    shown = cli.json("cron", "get", "--cronid", cronid)
    # Go's encoding of the workflow: nil lists and maps are null.
    assert '"kwargs":null' in shown["workflowspec"] and '"env":null' in shown["workflowspec"]

    # The second case: the workflow reads as a WorkflowSpec, repr and run_cron work.
    cron = await colony.user.get_cron(cronid)
    assert isinstance(cron.workflowspec, WorkflowSpec)
    first, second = cron.workflowspec.functionspecs
    assert (first.funcname, first.args, first.kwargs) == ("fa", [None, {"x": None}], {"opt": None})
    assert (second.args, second.kwargs, second.env) == ([], {}, {})
    assert second.conditions.dependencies == ["a"]
    assert "WorkflowSpec(" in repr(cron)
    compare_fields(shown, cron, CRON_FIELDS, "cron")
    compare_workflow_text(shown["workflowspec"], cron.workflowspec, "cron.workflowspec")
    ran = await colony.user.run_cron(cronid)
    assert ran.workflowspec == cron.workflowspec
    (listed,) = await colony.user.get_crons(colony.colonyname)
    assert listed.workflowspec == cron.workflowspec


async def test_a_cron_written_by_colonykit_reads_in_the_cli(colony, cli):
    # The third case: only a cron expression (the server refuses interval 0).
    cron = Cron(
        colonyname=colony.colonyname,
        name="nightly",
        cronexpression="0 0 3 * * *",
        workflowspec=WorkflowSpec(functionspecs=nodes(colony)),
    )
    assert cron.interval == -1
    added = await colony.user.add_cron(cron)
    assert added.interval == -1
    # The server's cron checker sets `nextrun` within a second; `checkerperiod` is set on get.
    for _ in range(50):
        added = await colony.user.get_cron(added.cronid)
        if not added.nextrun.startswith("0001-"):
            break
        await asyncio.sleep(0.1)
    shown = cli.json("cron", "get", "--cronid", added.cronid)
    assert shown["interval"] == -1
    expected = STORED_WORKFLOW.replace("COLONY", colony.colonyname).replace(
        "TYPE", colony.executortype
    )
    assert shown["workflowspec"] == expected
    compare_fields(shown, added, CRON_FIELDS, "cron")
    compare_workflow_text(shown["workflowspec"], added.workflowspec, "cron.workflowspec")
    table = cli.table("cron", "get", "--cronid", added.cronid)
    assert table.get("Func") == "fa"


# --- Generators --------------------------------------------------------------------------------


def compare_generator_table(table: dict[str, str], generator: Generator):
    assert table["GeneratorId"] == generator.generatorid
    assert table["Name"] == generator.name
    assert table["Colony"] == generator.colonyname
    assert table["Initiator"] == generator.initiatorname
    assert int(table["Trigger"]) == generator.trigger
    assert int(table["Timeout"]) == generator.timeout
    assert int(table["QueueSize"]) == generator.queuesize
    assert int(table["CheckerPeriod"]) == generator.checkerperiod
    assert table["Func"] == generator.workflowspec.functionspecs[0].funcname


async def test_generators_read_the_same_both_ways(colony, cli):
    spec = cli.spec_file(CLI_WORKFLOW, "wf.json")
    out = cli.run(*"generator add --name batch --trigger 5 --spec".split(), spec)
    generatorid = cli.logged_id(out, "GeneratorID")
    generator = await colony.user.get_generator(generatorid)
    assert isinstance(generator.workflowspec, WorkflowSpec)
    assert generator.workflowspec.functionspecs[0].args == [None, {"x": None}]
    assert generator.trigger == 5 and generator.timeout == -1
    assert "WorkflowSpec(" in repr(generator)
    compare_generator_table(cli.table("generator", "get", "--generatorid", generatorid), generator)

    ours = await colony.user.add_generator(
        Generator(
            colonyname=colony.colonyname,
            name="ours",
            trigger=3,
            timeout=60,
            workflowspec=WorkflowSpec(
                functionspecs=[colony.spec("fg", nodename="g", kwargs={"opt": None})]
            ),
        )
    )
    await colony.user.pack_generator(ours.generatorid, "arg ü")
    ours = await colony.user.get_generator(ours.generatorid)
    assert ours.queuesize == 1
    assert ours.workflowspec.colonyname == colony.colonyname
    compare_generator_table(cli.table("generator", "get", "--generatorid", ours.generatorid), ours)


# --- Logs, attributes, functions ---------------------------------------------------------------


async def test_logs_and_attributes_read_the_same_both_ways(colony, cli):
    process = await colony.running()
    message = 'héllo "log" 🦀 <&>'
    cli.run("log", "add", "-p", process.processid, "-m", message, key=colony.executor_key)
    await colony.executor.add_log(process.processid, "from colonykit: ü")
    logs = await colony.user.get_logs(colony.colonyname, process.processid)
    assert [log.message for log in logs] == [message, "from colonykit: ü"]
    assert {(log.processid, log.colonyname, log.executorname) for log in logs} == {
        (process.processid, colony.colonyname, colony.executorname)
    }
    # `log get` prints the messages back to back, nothing else.
    printed = cli.run("log", "get", "-p", process.processid, "--first", "--json")
    assert printed.startswith(message + "from colonykit: ü")

    flags = ["-p", process.processid, "--key", "k1", "--value", 'v "1" 漢']
    out = cli.run("attribute", "add", *flags, key=colony.executor_key)
    attribute = await colony.user.get_attribute(cli.logged_id(out, "AttributeID"))
    assert (attribute.key, attribute.value, attribute.targetid) == (
        "k1",
        'v "1" 漢',
        process.processid,
    )
    assert attribute.attributetype == 1 and attribute.targetcolonyname == colony.colonyname

    ours = await colony.executor.add_attribute(
        Attribute(targetid=process.processid, key="k2", value="ünï <&> 🦀", attributetype=1)
    )
    (row,) = cli.rows("attribute", "get", "--attributeid", ours.attributeid)
    assert row == [ours.attributeid, process.processid, "k2", "ünï <&> 🦀", "Out"]
    # Both attributes are on the process, as the CLI and colonykit read it.
    shown = cli.json("process", "get", "-p", process.processid)
    compare_process(shown, await colony.user.get_process(process.processid))
    assert {a["key"] for a in shown["attributes"]} == {"k1", "k2"}


async def test_functions_read_the_same_in_the_cli(colony, cli):
    function = await colony.executor.add_function(
        colonykit.Function(
            executorname=colony.executorname,
            executortype=colony.executortype,
            colonyname=colony.colonyname,
            funcname="echo",
            description="déscription <&>",
        )
    )
    table = cli.table("function", "ls")
    assert table["FunctionName"] == function.funcname
    assert table["ExecutorType"] == function.executortype
    assert table["Description"] == function.description
    assert int(table["Call counter"]) == function.counter
    assert float(table["MinWaitTime"].split()[0]) == function.minwaittime
    assert float(table["AvgExecTime"].split()[0]) == function.avgexectime


# --- Executors and users -----------------------------------------------------------------------


async def test_executors_read_the_same_in_the_cli(colony, cli):
    executor = await colony.user.get_executor(colony.colonyname, colony.executorname)
    # Unset capabilities and allocations are null, as the types say (the CLI shows Go's zero
    # structs with null members).
    assert executor.capabilities is None and executor.allocations is None
    shown = cli.json("executor", "get", "--name", colony.executorname)
    assert shown["capabilities"] == {"hardware": None, "software": None}
    compare_fields(shown, executor, EXECUTOR_FIELDS, "executor")

    capabilities = {"hardware": [{"model": "m ü", "cores": 2, "network": None}], "software": []}
    await colony.executor.update_executor(colony.colonyname, colony.executorname, capabilities)
    await colony.executor.report_allocations(
        colony.colonyname, colony.executorname, {"projects": {"p": {"allocatedcpu": 2**40}}}
    )
    executor = await colony.user.get_executor(colony.colonyname, colony.executorname)
    assert executor.capabilities["hardware"][0]["model"] == "m ü"
    assert executor.capabilities["software"] == []
    assert executor.allocations["projects"]["p"]["allocatedcpu"] == 2**40
    compare_fields(
        cli.json("executor", "get", "--name", colony.executorname),
        executor,
        EXECUTOR_FIELDS,
        "executor",
    )

    # An executor the CLI registers reads the same in colonykit.
    key = colonykit.generate_key()
    flags = [*"--name cli-executor --type cli-type --executorid".split(), colonykit.key_id(key)]
    cli.run("executor", "add", *flags, COLONIES_COLONY_PRVKEY=colony.colony_key)
    added = await colony.user.get_executor(colony.colonyname, "cli-executor")
    assert (added.executorid, added.executortype) == (colonykit.key_id(key), "cli-type")
    compare_fields(
        cli.json("executor", "get", "--name", "cli-executor"), added, EXECUTOR_FIELDS, "executor"
    )


async def test_users_read_the_same_both_ways(colony, cli):
    key = colonykit.generate_key()
    user = await colony.owner.add_user(
        colony.colonyname, colonykit.key_id(key), "ünï-user", "ü@example.com", "+46 70"
    )
    table = cli.table("user", "get", "--name", user.name)
    assert table == {
        "Username": user.name,
        "UserId": user.userid,
        "Phone": user.phone,
        "Email": user.email,
        "Colony": user.colonyname,
    }

    other = colonykit.generate_key()
    flags = ["--name", "cli-user", "--userid", colonykit.key_id(other)]
    flags += ["--email", "cli@example.com", "--phone", "+1 555"]
    cli.run("user", "add", *flags, COLONIES_COLONY_PRVKEY=colony.colony_key)
    got = await colony.user.get_user(colony.colonyname, "cli-user")
    assert (got.userid, got.email, got.phone, got.colonyname) == (
        colonykit.key_id(other),
        "cli@example.com",
        "+1 555",
        colony.colonyname,
    )
    (row,) = [r for r in cli.rows("user", "ls") if r[0] == "cli-user"]
    assert row == ["cli-user", got.email, got.phone]
