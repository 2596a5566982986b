// The official ColonyOS CLI as a test peer: one side writes, the other reads, field by field.
//
// The CLI is the server binary (`colonies`, path in COLONIES_CLI of tests/server/run/server.env).
// It prints JSON with `--json` for processes, workflows, crons and executors (followed by a stray
// ` <nil>` for some commands) and tables for the rest; where it prints something oddly,
// docs/server-findings.md says so and the comparison is of meaning (Go's `null` for an empty
// list is the same as `[]`; a zero `fs` is the same as no `fs`). The same cases as
// bindings-python/tests/test_cli_peer.py.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { generateKey, keyId } from 'colonykit'
import { freshColony, runningProcess, serverEnv } from './helper.mjs'

const settings = serverEnv()
const CLI = settings.COLONIES_CLI || join(homedir(), '.cache', 'colonykit', 'server', settings.COLONIES_VERSION || 'v1.9.12', 'colonies')

// User JSON with everything that has gone wrong before (the same values as the Python suite).
const SAFE = 2 ** 53 - 1
const ARGS = ['héllo', { nested: [1, 2], none: null }, [], {}, null, [null, { deep: [null] }], SAFE, -SAFE, 0.5,
  '漢字 🦀 <&> \u2028 "quoted" \\ \n\t']
const KWARGS = { opt: null, empty: {}, list: [], big: SAFE, u: 'ünï <&>', n: { x: null } }
const ENV = { K: 'v', ÜNI: '漢 <&>', EMPTY: '' }
const OUTPUT = [{ result: null, items: [1, null, []] }, null, 'dönë', SAFE, {}]

// Every field the comparisons look at.
const PROCESS_FIELDS = ['processid', 'initiatorid', 'initiatorname', 'assignedexecutorid', 'isassigned', 'state',
  'prioritytime', 'submissiontime', 'starttime', 'endtime', 'waitdeadline', 'execdeadline', 'retries', 'attributes',
  'waitforparents', 'parents', 'children', 'processgraphid', 'in', 'out', 'errors']
const SPEC_FIELDS = ['nodename', 'funcname', 'args', 'kwargs', 'priority', 'maxwaittime', 'maxexectime',
  'maxretries', 'label', 'fs', 'env', 'channels']
const CONDITION_FIELDS = ['colonyname', 'executornames', 'executortype', 'locationname', 'dependencies', 'nodes',
  'processes', 'processespernode', 'cpu', 'mem', 'storage', 'gpu', 'walltime']
const GRAPH_FIELDS = ['processgraphid', 'initiatorid', 'initiatorname', 'colonyname', 'rootprocessids', 'state',
  'submissiontime', 'starttime', 'endtime', 'processids', 'nodes', 'edges']
const CRON_FIELDS = ['cronid', 'initiatorid', 'initiatorname', 'colonyname', 'name', 'cronexpression', 'interval',
  'random', 'nextrun', 'lastrun', 'prevprocessgraphid', 'waitforprevprocessgraph', 'checkerperiod']
const EXECUTOR_FIELDS = ['executorid', 'executortype', 'executorname', 'colonyname', 'state', 'requirefuncreg',
  'commissiontime', 'lastheardfromtime', 'locationname', 'capabilities', 'allocations']

// The workflow text a cron made by colonykit stores: the same text as the Python suite's
// STORED_WORKFLOW, so both bindings store exactly the same workflow.
const STORED_WORKFLOW =
  '{"colonyname":"COLONY","functionspecs":[{"nodename":"a","funcname":"fa",' +
  '"args":[null,{"x":null}],"kwargs":{"opt":null},"priority":0,"maxwaittime":-1,' +
  '"maxexectime":-1,"maxretries":0,"conditions":{"colonyname":"COLONY","executornames":[],' +
  '"executortype":"TYPE","dependencies":[],"nodes":0,"processes":0,"processespernode":0,' +
  '"cpu":"","mem":"","storage":"","walltime":0},"label":"","env":{}},{"nodename":"b",' +
  '"funcname":"fb","args":[],"kwargs":{},"priority":0,"maxwaittime":-1,"maxexectime":-1,' +
  '"maxretries":0,"conditions":{"colonyname":"COLONY","executornames":[],"executortype":"TYPE",' +
  '"dependencies":["a"],"nodes":0,"processes":0,"processespernode":0,"cpu":"","mem":"",' +
  '"storage":"","walltime":0},"label":"","env":{}}]}'

/** A workflow as the CLI takes it (`--spec`: the list of function specs). */
const CLI_WORKFLOW = [
  { nodename: 'a', funcname: 'fa', args: [null, { x: null }], kwargs: { opt: null }, conditions: { executortype: 'TYPE' } },
  { nodename: 'b', funcname: 'fb', conditions: { executortype: 'TYPE', dependencies: ['a'] } },
]

/** CLI_WORKFLOW as colonykit's workflow nodes, naming no colony (the core fills in the workflow's). */
function nodes(colony) {
  return [
    { nodename: 'a', funcname: 'fa', executortype: colony.executortype, args: [null, { x: null }], kwargs: { opt: null } },
    { nodename: 'b', funcname: 'fb', executortype: colony.executortype, conditions: { dependencies: ['a'] } },
  ]
}

const STATES = { WAITING: 0, RUNNING: 1, SUCCESS: 2, FAILED: 3, CANCELLED: 4, PENDING: 0, APPROVED: 1, REJECTED: 2, UNREGISTERED: 3 }

// --- Running the CLI -------------------------------------------------------------------------

/** Runs `colonies` against the test server as one member of `colony`. */
function cliFor(t, colony) {
  accessSync(CLI, constants.X_OK) // the CLI is there (tests/server/up builds it)
  const tmp = mkdtempSync(join(tmpdir(), 'colonykit-cli-'))
  t.after(() => rmSync(tmp, { recursive: true, force: true }))
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: tmp,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    COLONIES_SERVER_HOST: settings.COLONIES_SERVER_HOST ?? '127.0.0.1',
    COLONIES_SERVER_PORT: settings.COLONIES_SERVER_PORT ?? '50080',
    COLONIES_TLS: 'false',
    COLONIES_COLONY_NAME: colony.colonyname,
  }
  const cli = {
    /** stdout and stderr (the CLI logs IDs on stderr); fails on a non-zero exit. */
    run(args, { key = colony.keys.user, env = {} } = {}) {
      const done = spawnSync(CLI, args, { env: { ...base, COLONIES_PRVKEY: key, ...env }, encoding: 'utf8', timeout: 60_000 })
      const output = `${done.stdout}${done.stderr}`
      assert.equal(done.status, 0, `colonies ${args.join(' ')} failed: ${output}`)
      return output
    },
    /** The JSON a `--json` command prints (without the ` <nil>` some commands add), and its text. */
    json(args, options) {
      const text = cli.run([...args, '--json'], options)
      const start = text.indexOf('{')
      const end = text.lastIndexOf('}')
      const raw = text.slice(start, end + 1)
      return { value: JSON.parse(raw), raw }
    },
    /** A vertical table (`│ Name │ value │` rows); the first occurrence of a name wins. */
    table(args, options) {
      const rows = {}
      for (const line of cli.run(args, options).split('\n')) {
        const cells = line.trim().replace(/^│|│$/g, '').split('│').map((c) => c.trim())
        if (cells.length === 2 && cells[0] && !(cells[0] in rows)) rows[cells[0]] = cells[1]
      }
      return rows
    },
    /** A horizontal table's data rows (after the header). */
    rows(args, options) {
      const lines = cli.run(args, options).split('\n').filter((l) => l.startsWith('│'))
      return lines.slice(1).map((l) => l.replace(/^│|│$/g, '').split('│').map((c) => c.trim()))
    },
    specFile(value, name) {
      const path = join(tmp, name)
      writeFileSync(path, JSON.stringify(value).replaceAll('TYPE', colony.executortype))
      return path
    },
    loggedId(output, name) {
      const match = new RegExp(`${name}=([0-9a-f]{64})`).exec(output)
      assert.ok(match, `no ${name} in: ${output}`)
      return match[1]
    },
  }
  return cli
}

// --- Comparing -------------------------------------------------------------------------------

function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
  }
  return value
}

/** One of the server's own structs (`fs`, `gpu`, `capabilities`, `allocations`) as what it means. */
function go(value) {
  const v = withoutNulls(value ?? null)
  const zero = (x) => x === '' || x === 0 || x === false || (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0)
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(zero)) return null
  return v
}

/** Free-form JSON must be equal exactly; elsewhere a Go `null` equals an empty value. */
function same(cliValue, ours, what, freeForm = false) {
  if (freeForm) return assert.deepEqual(ours, cliValue, what)
  if (cliValue === null || cliValue === undefined) {
    const empty = ours === null || ours === '' || (Array.isArray(ours) && ours.length === 0) ||
      (typeof ours === 'object' && ours !== null && Object.keys(ours).length === 0)
    return assert.ok(empty, `${what}: CLI null, colonykit ${JSON.stringify(ours)}`)
  }
  assert.deepEqual(ours, cliValue, what)
}

function compareSpec(cliSpec, spec, what) {
  for (const name of SPEC_FIELDS) {
    if (name === 'fs') assert.deepEqual(go(spec.fs), go(cliSpec.fs), `${what}.fs`)
    else same(cliSpec[name], spec[name], `${what}.${name}`, (name === 'args' || name === 'kwargs') && cliSpec[name] !== null)
  }
  for (const name of CONDITION_FIELDS) {
    if (name === 'gpu') assert.deepEqual(go(spec.conditions.gpu), go(cliSpec.conditions.gpu), `${what}.conditions.gpu`)
    else same(cliSpec.conditions[name], spec.conditions[name], `${what}.conditions.${name}`)
  }
}

/** `shown` is what `cli.json` gave; `prioritytime` exceeds 2^53, so it is compared as text. */
function compareProcess(shown, process) {
  const renamed = { in: 'input', out: 'output' }
  for (const name of PROCESS_FIELDS) {
    const ours = process[renamed[name] ?? name]
    if (name === 'state') assert.equal(STATES[ours], shown.value.state, 'state')
    else if (name === 'prioritytime') assert.equal(ours, /"prioritytime": (-?\d+)/.exec(shown.raw)?.[1], 'prioritytime')
    else same(shown.value[name], ours, name, ['in', 'out', 'attributes'].includes(name))
  }
  compareSpec(shown.value.spec, process.spec, 'spec')
}

const byId = (items) => [...(items ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1))

function compareFields(cliValue, ours, fields, what) {
  for (const name of fields) {
    const value = ours[name]
    if (name === 'state') assert.equal(STATES[value], cliValue.state, `${what}.state`)
    else if (name === 'nodes' || name === 'edges') {
      // A graph's layout is computed on each read, in no fixed order.
      assert.deepEqual(byId(value), byId(cliValue[name]), `${what}.${name}`)
    } else if (name === 'capabilities' || name === 'allocations') assert.deepEqual(go(value), go(cliValue[name]), `${what}.${name}`)
    else same(cliValue[name], value, `${what}.${name}`)
  }
}

function compareWorkflowText(text, workflow, what) {
  const stored = JSON.parse(text)
  assert.ok(workflow, what)
  assert.equal(stored.colonyname, workflow.colonyname, what)
  assert.equal(stored.functionspecs.length, workflow.functionspecs.length, what)
  stored.functionspecs.forEach((s, i) => compareSpec(s, workflow.functionspecs[i], `${what}.functionspecs[${i}]`))
}

// --- Processes -------------------------------------------------------------------------------

test('a process written by colonykit reads the same in the CLI', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const submitted = await colony.user.submit(colony.spec('echo', { args: ARGS, kwargs: KWARGS, env: ENV, label: 'lbl', priority: 5, maxretries: 2 }))
  const assigned = await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
  assert.equal(assigned?.processid, submitted.processid)
  await colony.executor.close(assigned.processid, OUTPUT)

  const process = await colony.user.getProcess(submitted.processid)
  assert.deepEqual(process.spec.args, ARGS)
  assert.deepEqual(process.spec.kwargs, KWARGS)
  assert.deepEqual(process.output, OUTPUT)
  assert.deepEqual(process.spec.env, ENV)
  const shown = cli.json(['process', 'get', '-p', process.processid])
  assert.deepEqual(shown.value.spec.args, ARGS)
  assert.deepEqual(shown.value.spec.kwargs, KWARGS)
  assert.deepEqual(shown.value.out, OUTPUT)
  compareProcess(shown, process)
})

test('a process written by the CLI reads the same in colonykit', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const spec = { funcname: 'echo', args: ARGS, kwargs: KWARGS, env: ENV, conditions: { executortype: colony.executortype } }
  const processid = cli.loggedId(cli.run(['function', 'submit', '--spec', cli.specFile(spec, 'spec.json')]), 'ProcessId')

  const process = await colony.user.getProcess(processid)
  // The first case: nulls inside user data stay, and `kwargs.opt` is there.
  assert.deepEqual(process.spec.args, ARGS)
  assert.deepEqual(process.spec.kwargs, KWARGS)
  assert.ok('opt' in process.spec.kwargs)
  assert.equal(process.spec.kwargs.opt, null)
  assert.deepEqual(process.spec.args[1], { nested: [1, 2], none: null })
  compareProcess(cli.json(['process', 'get', '-p', processid]), process)

  // The CLI as the executor: assign, then close with output (the CLI's output is strings).
  cli.run(['process', 'assign', '--timeout', '10'], { key: colony.keys.executor })
  cli.run(['process', 'close', '-p', processid, '--out', 'a', '--out', 'b c'], { key: colony.keys.executor })
  const closed = await colony.user.getProcess(processid)
  assert.equal(closed.state, 'SUCCESS')
  assert.deepEqual(closed.output, ['a', 'b c'])
  compareProcess(cli.json(['process', 'get', '-p', processid]), closed)
})

test('a failure written by the CLI reads in colonykit', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const submitted = await colony.user.submit(colony.spec('fails'))
  cli.run(['process', 'assign', '--timeout', '10'], { key: colony.keys.executor })
  cli.run(['process', 'fail', '-p', submitted.processid, '--errors', 'broken: ü'], { key: colony.keys.executor })
  const failed = await colony.user.getProcess(submitted.processid)
  assert.equal(failed.state, 'FAILED')
  assert.deepEqual(failed.errors, ['broken: ü'])
  compareProcess(cli.json(['process', 'get', '-p', submitted.processid]), failed)
})

// --- Workflows -------------------------------------------------------------------------------

test('workflows read the same both ways', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const graphid = cli.loggedId(cli.run(['workflow', 'submit', '--spec', cli.specFile(CLI_WORKFLOW, 'wf.json')]), 'WorkflowID')
  const graph = await colony.user.getProcessGraph(graphid)
  compareFields(cli.json(['workflow', 'get', '--workflowid', graphid]).value, graph, GRAPH_FIELDS, 'graph')
  const root = await colony.user.getProcess(graph.rootprocessids[0])
  assert.deepEqual(root.spec.args, [null, { x: null }])
  assert.deepEqual(root.spec.kwargs, { opt: null })
  compareProcess(cli.json(['process', 'get', '-p', root.processid]), root)

  const submitted = await colony.user.submitWorkflow({ colonyname: colony.colonyname, functionspecs: nodes(colony) })
  const ours = await colony.user.getProcessGraph(submitted.processgraphid)
  compareFields(cli.json(['workflow', 'get', '--workflowid', ours.processgraphid]).value, ours, GRAPH_FIELDS, 'graph')
  for (const processid of ours.processids) {
    const shown = cli.json(['process', 'get', '-p', processid])
    assert.equal(shown.value.spec.conditions.colonyname, colony.colonyname)
    compareProcess(shown, await colony.user.getProcess(processid))
  }
})

// --- Crons -----------------------------------------------------------------------------------

test('a cron written by the CLI reads in colonykit', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const out = cli.run(['cron', 'add', '--name', 'nightly', '--cron', '0 0 3 * * *', '--spec', cli.specFile(CLI_WORKFLOW, 'wf.json')])
  const cronid = cli.loggedId(out, 'CronID')
  const shown = cli.json(['cron', 'get', '--cronid', cronid]).value
  assert.match(shown.workflowspec, /"kwargs":null/)
  assert.match(shown.workflowspec, /"env":null/)

  // The second case: the workflow reads as an object, the same type as Python's.
  const cron = await colony.user.getCron(cronid)
  assert.equal(typeof cron.workflowspec, 'object')
  const [first, second] = cron.workflowspec.functionspecs
  assert.deepEqual([first.funcname, first.args, first.kwargs], ['fa', [null, { x: null }], { opt: null }])
  assert.deepEqual([second.args, second.kwargs, second.env], [[], {}, {}])
  assert.deepEqual(second.conditions.dependencies, ['a'])
  compareFields(shown, cron, CRON_FIELDS, 'cron')
  compareWorkflowText(shown.workflowspec, cron.workflowspec, 'cron.workflowspec')
  const ran = await colony.user.runCron(cronid)
  assert.deepEqual(ran.workflowspec, cron.workflowspec)
  const [listed] = await colony.user.getCrons(colony.colonyname)
  assert.deepEqual(listed.workflowspec, cron.workflowspec)
})

test('a cron written by colonykit reads in the CLI', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  // The third case: only a cron expression (the server refuses interval 0), and the
  // same stored text as Python's.
  let added = await colony.user.addCron({
    colonyname: colony.colonyname,
    name: 'nightly',
    cronexpression: '0 0 3 * * *',
    workflowspec: { colonyname: colony.colonyname, functionspecs: nodes(colony) },
  })
  assert.equal(added.interval, -1)
  // The server's cron checker sets `nextrun` within a second; `checkerperiod` is set on get.
  for (let i = 0; i < 50; i++) {
    added = await colony.user.getCron(added.cronid)
    if (!added.nextrun.startsWith('0001-')) break
    await sleep(100)
  }
  const shown = cli.json(['cron', 'get', '--cronid', added.cronid]).value
  assert.equal(shown.interval, -1)
  assert.equal(shown.workflowspec, STORED_WORKFLOW.replaceAll('COLONY', colony.colonyname).replaceAll('TYPE', colony.executortype))
  compareFields(shown, added, CRON_FIELDS, 'cron')
  compareWorkflowText(shown.workflowspec, added.workflowspec, 'cron.workflowspec')
  assert.equal(cli.table(['cron', 'get', '--cronid', added.cronid]).Func, 'fa')
})

// --- Generators ------------------------------------------------------------------------------

function compareGeneratorTable(table, generator) {
  assert.equal(table.GeneratorId, generator.generatorid)
  assert.equal(table.Name, generator.name)
  assert.equal(table.Colony, generator.colonyname)
  assert.equal(table.Initiator, generator.initiatorname)
  assert.equal(Number(table.Trigger), generator.trigger)
  assert.equal(Number(table.Timeout), generator.timeout)
  assert.equal(Number(table.QueueSize), generator.queuesize)
  assert.equal(Number(table.CheckerPeriod), generator.checkerperiod)
  assert.equal(table.Func, generator.workflowspec.functionspecs[0].funcname)
}

test('generators read the same both ways', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const out = cli.run(['generator', 'add', '--name', 'batch', '--trigger', '5', '--spec', cli.specFile(CLI_WORKFLOW, 'wf.json')])
  const generatorid = cli.loggedId(out, 'GeneratorID')
  const generator = await colony.user.getGenerator(generatorid)
  assert.deepEqual(generator.workflowspec.functionspecs[0].args, [null, { x: null }])
  assert.equal(generator.trigger, 5)
  assert.equal(generator.timeout, -1)
  compareGeneratorTable(cli.table(['generator', 'get', '--generatorid', generatorid]), generator)

  const added = await colony.user.addGenerator({
    colonyname: colony.colonyname,
    name: 'ours',
    trigger: 3,
    timeout: 60,
    workflowspec: { colonyname: colony.colonyname, functionspecs: [{ ...colony.spec('fg'), nodename: 'g', kwargs: { opt: null } }] },
  })
  await colony.user.packGenerator(added.generatorid, 'arg ü')
  const ours = await colony.user.getGenerator(added.generatorid)
  assert.equal(ours.queuesize, 1)
  assert.deepEqual(ours.workflowspec.functionspecs[0].kwargs, { opt: null })
  compareGeneratorTable(cli.table(['generator', 'get', '--generatorid', ours.generatorid]), ours)
})

// --- Logs, attributes, functions -------------------------------------------------------------

test('logs and attributes read the same both ways', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const process = await runningProcess(colony, 'f', [])
  const message = 'héllo "log" 🦀 <&>'
  cli.run(['log', 'add', '-p', process.processid, '-m', message], { key: colony.keys.executor })
  await colony.executor.addLog(process.processid, 'from colonykit: ü')
  const logs = await colony.user.getLogs(colony.colonyname, process.processid)
  assert.deepEqual(logs.map((l) => l.message), [message, 'from colonykit: ü'])
  for (const log of logs) {
    assert.deepEqual([log.processid, log.colonyname, log.executorname], [process.processid, colony.colonyname, colony.executorname])
  }
  // `log get` prints the messages back to back, nothing else.
  assert.ok(cli.run(['log', 'get', '-p', process.processid, '--first', '--json']).startsWith(`${message}from colonykit: ü`))

  const out = cli.run(['attribute', 'add', '-p', process.processid, '--key', 'k1', '--value', 'v "1" 漢'], { key: colony.keys.executor })
  const attribute = await colony.user.getAttribute(cli.loggedId(out, 'AttributeID'))
  assert.deepEqual([attribute.key, attribute.value, attribute.targetid], ['k1', 'v "1" 漢', process.processid])
  assert.equal(attribute.attributetype, 1)
  assert.equal(attribute.targetcolonyname, colony.colonyname)

  const ours = await colony.executor.addAttribute({ targetid: process.processid, key: 'k2', value: 'ünï <&> 🦀', attributetype: 1 })
  assert.deepEqual(cli.rows(['attribute', 'get', '--attributeid', ours.attributeid]), [[ours.attributeid, process.processid, 'k2', 'ünï <&> 🦀', 'Out']])
  const shown = cli.json(['process', 'get', '-p', process.processid])
  compareProcess(shown, await colony.user.getProcess(process.processid))
  assert.deepEqual(shown.value.attributes.map((a) => a.key).sort(), ['k1', 'k2'])
})

test('functions read the same in the CLI', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const fn = await colony.executor.addFunction({
    executorname: colony.executorname,
    executortype: colony.executortype,
    colonyname: colony.colonyname,
    funcname: 'echo',
    description: 'déscription <&>',
  })
  const table = cli.table(['function', 'ls'])
  assert.equal(table.FunctionName, fn.funcname)
  assert.equal(table.ExecutorType, fn.executortype)
  assert.equal(table.Description, fn.description)
  assert.equal(Number(table['Call counter']), fn.counter)
  assert.equal(Number.parseFloat(table.MinWaitTime), fn.minwaittime)
  assert.equal(Number.parseFloat(table.AvgExecTime), fn.avgexectime)
})

// --- Executors and users ---------------------------------------------------------------------

test('executors read the same in the CLI', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  let executor = await colony.user.getExecutor(colony.colonyname, colony.executorname)
  // Unset capabilities and allocations are null, as index.d.ts says.
  assert.equal(executor.capabilities, null)
  assert.equal(executor.allocations, null)
  const shown = cli.json(['executor', 'get', '--name', colony.executorname]).value
  assert.deepEqual(shown.capabilities, { hardware: null, software: null })
  compareFields(shown, executor, EXECUTOR_FIELDS, 'executor')

  await colony.executor.updateExecutor(colony.colonyname, colony.executorname, { hardware: [{ model: 'm ü', cores: 2, network: null }], software: [] })
  await colony.executor.reportAllocations(colony.colonyname, colony.executorname, { projects: { p: { allocatedcpu: 2 ** 40 } } })
  executor = await colony.user.getExecutor(colony.colonyname, colony.executorname)
  assert.equal(executor.capabilities.hardware[0].model, 'm ü')
  assert.deepEqual(executor.capabilities.software, [])
  assert.equal(executor.allocations.projects.p.allocatedcpu, 2 ** 40)
  compareFields(cli.json(['executor', 'get', '--name', colony.executorname]).value, executor, EXECUTOR_FIELDS, 'executor')

  const key = generateKey()
  cli.run(['executor', 'add', '--name', 'cli-executor', '--type', 'cli-type', '--executorid', keyId(key)], { env: { COLONIES_COLONY_PRVKEY: colony.keys.colony } })
  const added = await colony.user.getExecutor(colony.colonyname, 'cli-executor')
  assert.deepEqual([added.executorid, added.executortype], [keyId(key), 'cli-type'])
  compareFields(cli.json(['executor', 'get', '--name', 'cli-executor']).value, added, EXECUTOR_FIELDS, 'executor')
})

test('users read the same both ways', async (t) => {
  const colony = await freshColony(t)
  const cli = cliFor(t, colony)
  const key = generateKey()
  const user = await colony.owner.addUser({ colonyname: colony.colonyname, userid: keyId(key), name: 'ünï-user', email: 'ü@example.com', phone: '+46 70' })
  assert.deepEqual(cli.table(['user', 'get', '--name', user.name]), {
    Username: user.name,
    UserId: user.userid,
    Phone: user.phone,
    Email: user.email,
    Colony: user.colonyname,
  })

  const other = generateKey()
  cli.run(['user', 'add', '--name', 'cli-user', '--userid', keyId(other), '--email', 'cli@example.com', '--phone', '+1 555'],
    { env: { COLONIES_COLONY_PRVKEY: colony.keys.colony } })
  const got = await colony.user.getUser(colony.colonyname, 'cli-user')
  assert.deepEqual([got.userid, got.email, got.phone, got.colonyname], [keyId(other), 'cli@example.com', '+1 555', colony.colonyname])
  const row = cli.rows(['user', 'ls']).find((r) => r[0] === 'cli-user')
  assert.deepEqual(row, ['cli-user', got.email, got.phone])
})
