// The rest of the protocol against the real server, one test per area (as core/tests/protocol.rs):
// server info, statistics, users and executors by ID, functions, locations, ID changes, process
// history and bulk removal, pausing, workflows, logs, attributes, crons, generators, blueprints,
// files, snapshots, and the process and assignment streams.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'

import {
  Client,
  ProcessSubscription,
  generateKey,
  keyId,
  InvalidArgumentError,
  NotFoundError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
} from 'colonykit'
import { freshColony, runningProcess, uniqueName, SERVER } from './helper.mjs'

const SHORT = { timeoutMs: 10_000 }

/** Resolves to `promise`'s value, or rejects after `ms`. */
function within(ms, promise) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

test('server info, statistics and cluster', async (t) => {
  const colony = await freshColony(t)
  const info = await new Client({ server: SERVER }).serverInfo()
  assert.equal(typeof info.buildversion, 'string')
  assert.ok(info.backends.length > 0)
  const stats = await colony.server.getStatistics()
  assert.ok(stats.colonies >= 1)
  const cluster = await colony.server.getCluster()
  assert.ok(cluster.nodes.length > 0)
  assert.equal(typeof cluster.leader.name, 'string')
  const colonyStats = await colony.user.getColonyStatistics(colony.colonyname)
  assert.equal(colonyStats.activeexecutors, 1)
  assert.equal(colonyStats.waitingprocesses, 0)
})

test('users and executors by name and ID', async (t) => {
  const colony = await freshColony(t)
  const me = await colony.user.getUser(colony.colonyname, colony.username)
  assert.equal(me.userid, keyId(colony.keys.user))
  const byId = await colony.user.getUserById(colony.colonyname, me.userid)
  assert.deepEqual(byId, me)
  const executor = await colony.user.getExecutorById(colony.colonyname, keyId(colony.keys.executor))
  assert.equal(executor.executorname, colony.executorname)
  assert.equal(executor.state, 'APPROVED')
  // The server (v1.9.12) answers 500 "user is nil" for a missing user, not 404.
  await assert.rejects(colony.user.getUser(colony.colonyname, 'nobody'), (e) => e instanceof ServerError && /nil/.test(e.message))
})

test('executors report allocations and capabilities', async (t) => {
  const colony = await freshColony(t)
  const allocations = { projects: { demo: { allocatedcpu: 4, usedcpu: 1 } } }
  await colony.executor.reportAllocations(colony.colonyname, colony.executorname, allocations)
  const capabilities = { hardware: [{ model: 'test', cores: 2 }], software: [] }
  await colony.executor.updateExecutor(colony.colonyname, colony.executorname, capabilities)
  const executor = await colony.user.getExecutor(colony.colonyname, colony.executorname)
  assert.equal(executor.capabilities.hardware[0].model, 'test')
  assert.equal(executor.allocations.projects.demo.allocatedcpu, 4)
})

test('functions are registered, listed and removed', async (t) => {
  const colony = await freshColony(t)
  const added = await colony.executor.addFunction({
    executorname: colony.executorname,
    executortype: colony.executortype,
    colonyname: colony.colonyname,
    funcname: 'add',
    description: 'adds',
  })
  assert.ok(added.functionid)
  assert.equal(added.description, 'adds')
  const listed = await colony.user.getFunctions(colony.colonyname)
  assert.equal(listed.length, 1)
  assert.equal(listed[0].funcname, 'add')
  assert.deepEqual(listed[0].args, [])
  await colony.executor.removeFunction(added.functionid)
  assert.deepEqual(await colony.user.getFunctions(colony.colonyname, colony.executorname), [])
})

test('locations are added, listed and removed', async (t) => {
  const colony = await freshColony(t)
  const location = {
    locationid: keyId(generateKey()),
    name: 'lab',
    colonyname: colony.colonyname,
    description: 'the lab',
    long: 18.07,
    lat: 59.33,
  }
  await colony.owner.addLocation(location)
  const got = await colony.user.getLocation(colony.colonyname, 'lab')
  assert.equal(got.description, 'the lab')
  assert.equal(got.lat, 59.33)
  assert.equal((await colony.user.getLocations(colony.colonyname)).length, 1)
  await colony.owner.removeLocation(colony.colonyname, 'lab')
  await assert.rejects(colony.user.getLocation(colony.colonyname, 'lab'), NotFoundError)
})

test('IDs can be changed', async (t) => {
  const colony = await freshColony(t)
  const newUserKey = generateKey()
  await colony.user.changeUserId(colony.colonyname, keyId(newUserKey))
  await colony.user.withKey(newUserKey).getColony(colony.colonyname)

  const newExecutorKey = generateKey()
  await colony.executor.changeExecutorId(colony.colonyname, keyId(newExecutorKey))
  await colony.executor.withKey(newExecutorKey).getColony(colony.colonyname)

  const newColonyKey = generateKey()
  await colony.owner.changeColonyId(colony.colonyname, keyId(newColonyKey))
  const newOwner = colony.owner.withKey(newColonyKey)
  await newOwner.pauseAssignments(colony.colonyname)
  await newOwner.resumeAssignments(colony.colonyname)

  // Changing the server's ID would take the server from the other tests: only a refusal.
  await assert.rejects(colony.user.changeServerId(keyId(generateKey())), UnauthorizedError)
})

test('pausing stops assignments until resumed', async (t) => {
  const colony = await freshColony(t)
  await colony.owner.pauseAssignments(colony.colonyname)
  assert.deepEqual(await colony.user.getPauseStatus(colony.colonyname), {
    colonyname: colony.colonyname,
    ispaused: true,
  })
  await colony.user.submit(colony.spec('paused'))
  // Paused, the server answers an assign with an error (not with "no work").
  await assert.rejects(colony.executor.assign(colony.colonyname, { timeoutMs: 1000 }), TimeoutError)
  await colony.owner.resumeAssignments(colony.colonyname)
  assert.equal((await colony.user.getPauseStatus(colony.colonyname)).ispaused, false)
  assert.ok(await colony.executor.assign(colony.colonyname, SHORT))
})

test('process history and bulk removal', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'done')
  await colony.executor.close(process.processid, [])
  const history = await colony.user.getProcessHistory(colony.colonyname, 'success', 3600)
  assert.ok(history.some((p) => p.processid === process.processid))
  assert.equal(typeof history[0].prioritytime, 'string')

  await colony.user.submit(colony.spec('waiting'))
  await colony.owner.removeAllProcesses(colony.colonyname)
  for (const state of ['waiting', 'success']) {
    assert.deepEqual(await colony.user.getProcesses(colony.colonyname, state), [], state)
  }
})

/** A two-node workflow: `second` depends on `first`. */
function workflow(colony) {
  return {
    colonyname: colony.colonyname,
    functionspecs: [
      { nodename: 'first', funcname: 'first', executortype: colony.executortype },
      {
        nodename: 'second',
        funcname: 'second',
        executortype: colony.executortype,
        conditions: { dependencies: ['first'] },
      },
    ],
  }
}

test('workflows run in dependency order', async (t) => {
  const colony = await freshColony(t)
  const graph = await colony.user.submitWorkflow(workflow(colony))
  assert.equal(graph.processids.length, 2)
  assert.equal(graph.state, 'WAITING')
  const got = await colony.user.getProcessGraph(graph.processgraphid)
  assert.equal(got.rootprocessids.length, 1)
  const listed = await colony.user.getProcessGraphs(colony.colonyname, 'waiting', 10)
  assert.ok(listed.some((g) => g.processgraphid === graph.processgraphid))

  const first = await colony.executor.assign(colony.colonyname, SHORT)
  assert.equal(first.spec.funcname, 'first')
  assert.equal(first.processgraphid, graph.processgraphid)
  const child = await colony.executor.addChild(
    graph.processgraphid,
    first.processid,
    colony.spec('inserted'),
    true,
  )
  await colony.executor.close(first.processid, [1])
  const next = await colony.executor.assign(colony.colonyname, SHORT)
  assert.equal(next.processid, child.processid)
  assert.deepEqual(next.input, [1])

  await colony.user.cancelProcessGraph(graph.processgraphid)
  assert.equal((await colony.user.getProcessGraph(graph.processgraphid)).state, 'CANCELLED')
  await colony.user.removeProcessGraph(graph.processgraphid)
  // The server answers 500 "graph is nil" for a missing graph, not 404.
  await assert.rejects(colony.user.getProcessGraph(graph.processgraphid), ServerError)

  await colony.user.submitWorkflow(workflow(colony))
  await colony.owner.removeAllProcessGraphs(colony.colonyname)
  assert.deepEqual(await colony.user.getProcessGraphs(colony.colonyname, 'waiting'), [])
})

test('specs carry every condition', async (t) => {
  const colony = await freshColony(t)
  const conditions = {
    executornames: [colony.executorname],
    dependencies: [],
    nodes: 1,
    processes: 2,
    processespernode: 2,
    cpu: '500m',
    mem: '1024Mi', // the server writes sizes in Mi ('1Gi' reads back as '1024Mi')
    storage: '10240Mi',
    gpu: { name: 'none', count: 0 },
    walltime: 60,
  }
  const process = await colony.user.submit(colony.spec('conditioned', { conditions, fs: { mount: '/cfs' } }))
  const got = await colony.user.getProcess(process.processid)
  for (const [key, expected] of Object.entries(conditions)) {
    if (key !== 'gpu') assert.deepEqual(got.spec.conditions[key], expected, key)
  }
  assert.equal(got.spec.conditions.colonyname, colony.colonyname)
  assert.equal(got.spec.conditions.executortype, colony.executortype)
  await assert.rejects(
    colony.user.submit(colony.spec('x', { conditions: { cpu: 500 } })),
    (e) => e instanceof TypeError && /spec\.conditions\.cpu must be a string/.test(e.message),
  )
})

test('logs are added, read and searched', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'logged')
  const marker = uniqueName('needle')
  await colony.executor.addLog(process.processid, `working on ${marker}`)
  await colony.executor.addExecutorLog(colony.colonyname, colony.executorname, 'idle')
  const logs = await colony.user.getLogs(colony.colonyname, process.processid, 100, 0)
  assert.equal(logs.length, 1)
  assert.ok(logs[0].message.includes(marker))
  // Nanoseconds exceed 2^53: a decimal string.
  assert.match(logs[0].timestamp, /^\d+$/)
  assert.ok(BigInt(logs[0].timestamp) > 0n)
  const since = BigInt(logs[0].timestamp)
  assert.deepEqual(await colony.user.getLogs(colony.colonyname, process.processid, 100, since), [])
  const executorLogs = await colony.user.getExecutorLogs(colony.colonyname, colony.executorname)
  assert.ok(executorLogs.some((l) => l.message === 'idle'))
  const found = await colony.user.searchLogs(colony.colonyname, marker, 1, 10)
  assert.equal(found.length, 1)
  await assert.rejects(colony.user.getLogs(colony.colonyname, process.processid, 0), InvalidArgumentError)
  await assert.rejects(colony.user.getLogs(colony.colonyname, process.processid, 1, 1.5), TypeError)
})

test('attributes are added and read', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'attributed')
  const added = await colony.executor.addAttribute({
    targetid: process.processid,
    key: 'progress',
    value: '50%',
    attributetype: 1,
  })
  assert.ok(added.attributeid)
  const got = await colony.user.getAttribute(added.attributeid)
  assert.equal(got.value, '50%')
  assert.equal(got.targetid, process.processid)
  await assert.rejects(
    colony.executor.addAttribute({ targetid: process.processid, key: 'k', value: 1 }),
    (e) => e instanceof InvalidArgumentError && /attribute\.value: invalid type integer, expected a string/.test(e.message),
  )
})

test('crons are added, run, listed and removed', async (t) => {
  const colony = await freshColony(t)
  const added = await colony.user.addCron({
    colonyname: colony.colonyname,
    name: 'nightly',
    cronexpression: '0 0 3 * * *',
    workflowspec: workflow(colony),
  })
  assert.ok(added.cronid)
  assert.equal(added.interval, -1)
  const got = await colony.user.getCron(added.cronid)
  assert.equal(got.name, 'nightly')
  assert.equal(got.workflowspec.functionspecs.length, 2)
  assert.equal(got.workflowspec.functionspecs[0].maxexectime, -1)
  assert.equal((await colony.user.getCrons(colony.colonyname, 10)).length, 1)
  const ran = await colony.user.runCron(added.cronid)
  assert.equal(ran.cronid, added.cronid)
  await colony.user.removeCron(added.cronid)
  assert.deepEqual(await colony.user.getCrons(colony.colonyname), [])
})

test('generators are added, packed, resolved and removed', async (t) => {
  const colony = await freshColony(t)
  const added = await colony.user.addGenerator({
    colonyname: colony.colonyname,
    name: 'batch',
    workflowspec: JSON.stringify(workflow(colony)),
    trigger: 10,
    timeout: 3600,
  })
  await colony.user.packGenerator(added.generatorid, 'one')
  const got = await colony.user.getGenerator(added.generatorid)
  assert.equal(got.name, 'batch')
  assert.equal(got.workflowspec.colonyname, colony.colonyname)
  assert.equal(got.trigger, 10)
  const resolved = await colony.user.resolveGenerator(colony.colonyname, 'batch')
  assert.equal(resolved.generatorid, added.generatorid)
  assert.equal((await colony.user.getGenerators(colony.colonyname, 10)).length, 1)
  await colony.user.removeGenerator(added.generatorid)
  assert.deepEqual(await colony.user.getGenerators(colony.colonyname), [])
})

test('blueprints and their definitions', async (t) => {
  const colony = await freshColony(t)
  await colony.owner.addBlueprintDefinition({
    kind: 'Lamp',
    metadata: { name: 'lamps', colonyname: colony.colonyname },
    spec: {
      group: 'test.colonykit',
      version: 'v1',
      names: { kind: 'Lamp', listKind: 'LampList', singular: 'lamp', plural: 'lamps' },
      scope: 'Namespaced',
      handler: { executorType: colony.executortype, functionName: 'reconcile' },
    },
  })
  const definition = await colony.user.getBlueprintDefinition(colony.colonyname, 'lamps')
  assert.equal(definition.kind, 'Lamp')
  assert.equal(typeof definition.metadata.createdAt, 'string')
  assert.equal((await colony.user.getBlueprintDefinitions(colony.colonyname)).length, 1)

  const added = await colony.user.addBlueprint({
    kind: 'Lamp',
    metadata: { name: 'desk', colonyname: colony.colonyname },
    spec: { on: true },
  })
  const changed = await colony.user.getBlueprint(colony.colonyname, 'desk')
  assert.equal(changed.spec.on, true)
  await colony.user.updateBlueprint({ ...changed, spec: { on: false } })
  const listed = await colony.user.getBlueprints(colony.colonyname, 'Lamp')
  assert.equal(listed[0].spec.on, false)
  await colony.user.updateBlueprintStatus(colony.colonyname, 'desk', { lit: false })
  assert.deepEqual((await colony.user.getBlueprint(colony.colonyname, 'desk')).status, { lit: false })
  const reconcile = await colony.user.reconcileBlueprint(colony.colonyname, 'desk', true)
  assert.equal(reconcile.spec.funcname, 'reconcile')
  const history = await colony.user.getBlueprintHistory(added.blueprintid, 10)
  assert.ok(history.length > 0)
  assert.equal(history[0].blueprintid, added.blueprintid)

  await colony.user.removeBlueprint(colony.colonyname, 'desk')
  await colony.owner.removeBlueprintDefinition(colony.colonyname, 'lamps')
  assert.deepEqual(await colony.user.getBlueprintDefinitions(colony.colonyname), [])
})

test('file revisions by label and name', async (t) => {
  const { colonyname, user } = await freshColony(t)
  const ref = { protocol: 's3', s3object: { bucket: 'b', object: 'o' } }
  for (const checksum of ['first', 'second']) {
    await user.addFile({ colonyname, label: '/revisions', name: 'b.txt', size: 1, checksum, checksumalg: 'SHA256', ref })
  }
  const every = await user.getFileByName(colonyname, '/revisions', 'b.txt')
  assert.deepEqual(every.map((f) => f.checksum).sort(), ['first', 'second'])
  const latest = await user.getFileByName(colonyname, '/revisions', 'b.txt', true)
  assert.deepEqual(latest.map((f) => f.checksum), ['second'])
})

test('files, snapshots and labels', async (t) => {
  const { colonyname, user } = await freshColony(t)
  const ref = { protocol: 's3', s3object: { bucket: 'b', object: 'o' } }
  const added = await user.addFile({ colonyname, label: '/data', name: 'a.txt', size: 3, checksum: 'abc', checksumalg: 'SHA256', ref })
  assert.ok(added.fileid)
  const revisions = await user.getFile(colonyname, added.fileid)
  assert.equal(revisions[0].name, 'a.txt')
  assert.equal(revisions[0].ref.s3object.bucket, 'b')
  const files = await user.getFiles(colonyname, '/data')
  assert.equal(files[0].name, 'a.txt')
  const labels = await user.getFileLabels(colonyname)
  assert.ok(labels.some((l) => l.name === '/data' && l.files === 1))
  assert.equal((await user.getFileLabels(colonyname, '/data', true)).length, 1)

  const snapshot = await user.createSnapshot(colonyname, '/data', 'snap')
  assert.deepEqual(snapshot.fileids, [added.fileid])
  assert.equal((await user.getSnapshot(colonyname, 'snap')).snapshotid, snapshot.snapshotid)
  assert.equal((await user.getSnapshots(colonyname)).length, 1)
  await user.removeSnapshot(colonyname, 'snap')
  await user.createSnapshot(colonyname, '/data', 'again')
  await user.removeAllSnapshots(colonyname)
  assert.deepEqual(await user.getSnapshots(colonyname), [])

  await user.removeFile(colonyname, added.fileid)
  assert.deepEqual(await user.getFiles(colonyname, '/data'), [])
})

test('subscribeProcesses yields processes as they reach the state', async (t) => {
  const colony = await freshColony(t)
  // Events are per executor type across colonies: a type of its own keeps other tests' out.
  const executortype = uniqueName('watcher')
  const key = generateKey()
  const executorname = uniqueName('watcher')
  await colony.owner.addExecutor({ executorid: keyId(key), executortype, executorname, colonyname: colony.colonyname })
  await colony.owner.approveExecutor(colony.colonyname, executorname)
  const events = colony.server.withKey(key).subscribeProcesses(executortype, 'waiting')
  assert.ok(events instanceof ProcessSubscription)
  await sleep(300)
  const submitted = await colony.user.submit(colony.spec('watched', { executortype }))
  const { value: seen } = await within(10_000, events.next())
  assert.equal(seen.processid, submitted.processid)
  assert.equal(seen.state, 'WAITING')
  events.close()
  assert.equal(events.closed, true)
  assert.deepEqual(await events.next(), { value: undefined, done: true })

  // A user is no executor: the server refuses its subscription.
  const refused = colony.user.subscribeProcesses(executortype, 'waiting')
  await assert.rejects(within(10_000, refused.next()), UnauthorizedError)
})

test('assignments: for await over the assigned processes, waiting through idle polls', async (t) => {
  const colony = await freshColony(t)
  const submitted = []
  const producer = (async () => {
    await sleep(1500) // longer than one poll: no work is waiting, not an error
    for (const name of ['one', 'two']) submitted.push((await colony.user.submit(colony.spec(name))).processid)
  })()
  const assigned = []
  for await (const process of colony.executor.assignments(colony.colonyname, { pollSeconds: 1 })) {
    assigned.push(process.processid)
    await colony.executor.close(process.processid, [process.spec.funcname])
    if (assigned.length === 2) break
  }
  await producer
  assert.deepEqual(assigned, submitted)

  // break, return() and the AbortSignal end a pending poll at once.
  const work = colony.executor.assignments(colony.colonyname, { pollMs: 5000 })
  const pending = work.next()
  await sleep(100)
  const started = performance.now()
  await work.return()
  assert.deepEqual(await pending, { value: undefined, done: true })
  assert.ok(performance.now() - started < 1000)

  const controller = new AbortController()
  const aborted = colony.executor.assignments(colony.colonyname, { signal: controller.signal }).next()
  setTimeout(() => controller.abort(new Error('stop')), 100)
  await assert.rejects(within(1000, aborted), /stop/)

  assert.throws(() => colony.user.assignments(colony.colonyname, { pollMs: 'soon' }), TypeError)
  assert.throws(() => new Client({ server: SERVER }).assignments(colony.colonyname), InvalidArgumentError)
})

test('table methods check their arguments', async () => {
  const client = new Client({ server: SERVER, prvkey: generateKey() })
  await assert.rejects(client.getUser('colony', 1), /name must be a string, got number/)
  await assert.rejects(client.addFunction('f'), /function must be an object, got string/)
  await assert.rejects(client.getFileLabels('c', '', 'yes'), /exact must be a boolean/)
  await assert.rejects(client.getCrons('c', 1.5), /count must be an integer/)
  await assert.rejects(client.getProcessGraphs('c', 'asleep'), (e) => e instanceof InvalidArgumentError && /unknown process state/.test(e.message))
  assert.throws(() => client.subscribeProcesses('t', 'asleep'), InvalidArgumentError)
  await assert.rejects(client.reportAllocations('c', 'e', { n: 1n }), /allocations must be JSON-serializable/)
  await assert.rejects(
    client.submitWorkflow({ colonyname: 'c', functionspecs: [{ funcname: 'f' }] }),
    /workflow\.functionspecs\[0\]\.executortype must be a string/,
  )
  await assert.rejects(
    client.addLocation({ name: 'x', long: 'east' }),
    (e) => e instanceof InvalidArgumentError && /location\.long: invalid type string, expected f64/.test(e.message) && !/east/.test(e.message),
  )
})
