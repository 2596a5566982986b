// Every Client method against the real server.

import { test } from 'node:test'
import assert from 'node:assert/strict'

import {
  Client,
  ProcessState,
  ExecutorState,
  generateKey,
  keyId,
  NotFoundError,
  InvalidArgumentError,
} from 'colonykit'
import { freshColony, runningProcess, runNode, SERVER, REPO, uniqueName } from './helper.mjs'

const HEX64 = /^[0-9a-f]{64}$/

test('keys: generateKey and keyId (reference vector)', () => {
  const key = generateKey()
  assert.match(key, HEX64)
  assert.notEqual(generateKey(), key)
  assert.match(keyId(key), HEX64)
  assert.equal(
    keyId('ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05'),
    '3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac',
  )
  // Either case, surrounding whitespace ignored.
  assert.equal(keyId(` ${key.toUpperCase()}\n`), keyId(key))
})

test('client: id, server, withKey, timeoutMs', () => {
  const anonymous = new Client({ server: SERVER })
  assert.equal(anonymous.id, null)
  assert.equal(anonymous.server, `${SERVER}/api`)
  const key = generateKey()
  const signed = anonymous.withKey(key)
  assert.equal(signed.id, keyId(key))
  assert.equal(anonymous.id, null, 'withKey returns a new client')
  assert.equal(new Client({ server: SERVER, prvkey: key, timeoutMs: 5000 }).id, keyId(key))
  assert.throws(() => new Client({ server: SERVER, timeoutMs: 0 }), InvalidArgumentError)
  assert.throws(() => new Client({ server: SERVER, timeoutMs: -1 }), InvalidArgumentError)
})

test('Client.fromEnv reads COLONIES_SERVER_HOST/PORT/TLS and COLONIES_PRVKEY', async () => {
  const key = generateKey()
  const url = new URL(SERVER)
  const script = `
    const { Client } = require('colonykit')
    const c = Client.fromEnv()
    c.serverVersion().then(() => console.log(JSON.stringify({ id: c.id, server: c.server })))
  `
  const env = { COLONIES_SERVER_HOST: url.hostname, COLONIES_SERVER_PORT: url.port, COLONIES_TLS: 'false', COLONIES_PRVKEY: key }
  const run = await runNode(['-e', script], { env, cwd: `${REPO}bindings-node` })
  assert.equal(run.code, 0, run.stderr)
  assert.deepEqual(JSON.parse(run.stdout), { id: keyId(key), server: `${SERVER}/api` })
  const bad = await runNode(['-e', script], { env: { ...env, COLONIES_SERVER_PORT: 'eighty' }, cwd: `${REPO}bindings-node` })
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /InvalidArgumentError: COLONIES_SERVER_PORT must be a port number/)
})

test('serverVersion works without a key', async () => {
  const version = await new Client({ server: SERVER }).serverVersion()
  assert.deepEqual(Object.keys(version).sort(), ['buildtime', 'buildversion'])
  assert.equal(typeof version.buildversion, 'string')
})

test('colonies: add, get, list, remove', async (t) => {
  const colony = await freshColony(t)
  assert.deepEqual(await colony.user.getColony(colony.colonyname), {
    colonyid: keyId(colony.keys.colony),
    name: colony.colonyname,
  })
  const all = await colony.server.getColonies()
  assert.ok(all.some((c) => c.name === colony.colonyname))

  const key = generateKey()
  const name = uniqueName('node-extra')
  const added = await colony.server.addColony(keyId(key), name)
  assert.deepEqual(added, { colonyid: keyId(key), name })
  await colony.server.removeColony(name)
  await assert.rejects(colony.server.withKey(key).getColony(name), (e) => e.code === 'NotFound' || e.code === 'Unauthorized')
})

test('users: add, list, remove', async (t) => {
  const colony = await freshColony(t)
  const users = await colony.user.getUsers(colony.colonyname)
  assert.deepEqual(users.map((u) => u.name), [colony.username])
  const key = generateKey()
  const name = uniqueName('user')
  const user = await colony.owner.addUser({
    colonyname: colony.colonyname,
    userid: keyId(key),
    name,
    email: 'ada@example.org',
    phone: '+46 0',
  })
  assert.deepEqual(user, { colonyname: colony.colonyname, userid: keyId(key), name, email: 'ada@example.org', phone: '+46 0' })
  assert.equal((await colony.user.getUsers(colony.colonyname)).length, 2)
  await colony.owner.removeUser(colony.colonyname, name)
  assert.deepEqual((await colony.user.getUsers(colony.colonyname)).map((u) => u.name), [colony.username])
})

test('executors: add, get, list, approve, reject, remove', async (t) => {
  const colony = await freshColony(t)
  const key = generateKey()
  const executorname = uniqueName('exec')
  const added = await colony.owner.addExecutor({
    executorid: keyId(key),
    executortype: 'other',
    executorname,
    colonyname: colony.colonyname,
  })
  assert.equal(added.state, ExecutorState.PENDING)
  assert.equal(added.executorname, executorname)
  assert.equal(added.executorid, keyId(key))

  let executor = await colony.user.getExecutor(colony.colonyname, executorname)
  assert.equal(executor.state, 'PENDING')
  assert.equal(executor.executortype, 'other')
  assert.equal(typeof executor.requirefuncreg, 'boolean')
  assert.equal(typeof executor.commissiontime, 'string')

  await colony.owner.approveExecutor(colony.colonyname, executorname)
  executor = await colony.user.getExecutor(colony.colonyname, executorname)
  assert.equal(executor.state, 'APPROVED')
  await colony.owner.rejectExecutor(colony.colonyname, executorname)
  executor = await colony.user.getExecutor(colony.colonyname, executorname)
  assert.equal(executor.state, 'REJECTED')

  const names = (await colony.user.getExecutors(colony.colonyname)).map((e) => e.executorname).sort()
  assert.deepEqual(names, [colony.executorname, executorname].sort())

  // Server v1.9.12 keeps a removed executor, UNREGISTERED.
  await colony.owner.removeExecutor(colony.colonyname, executorname)
  executor = await colony.user.getExecutor(colony.colonyname, executorname)
  assert.equal(executor.state, ExecutorState.UNREGISTERED)
  assert.equal(executor.capabilities, null)
})

test('processes: submit, get, list, assign, setOutput, close, waitForState', async (t) => {
  const colony = await freshColony(t)
  const submitted = await colony.user.submit(
    colony.spec('compute', {
      args: [1, 'two', { three: [3] }, null, true, 5_000_000_000, -2.5],
      kwargs: { when: new Date(0), skip: undefined, nested: { x: 1.5 } },
      env: { MODE: 'test' },
      label: 'nodetest',
      priority: 7,
      maxwaittime: 60,
      maxretries: 2,
      channels: ['progress'],
    }),
  )
  assert.match(submitted.processid, HEX64)
  assert.equal(submitted.state, 'WAITING')
  assert.equal(submitted.initiatorid, keyId(colony.keys.user))
  assert.match(submitted.prioritytime, /^-?\d+$/, 'prioritytime is a decimal string')
  assert.ok(BigInt(submitted.prioritytime) > 2n ** 53n, 'and exceeds 2^53')
  const spec = submitted.spec
  assert.equal(spec.funcname, 'compute')
  assert.deepEqual(spec.args, [1, 'two', { three: [3] }, null, true, 5_000_000_000, -2.5], 'JSON numbers stay numbers')
  assert.deepEqual(spec.kwargs, { when: '1970-01-01T00:00:00.000Z', nested: { x: 1.5 } })
  assert.deepEqual(spec.env, { MODE: 'test' })
  assert.equal(spec.label, 'nodetest')
  assert.equal(spec.priority, 7)
  assert.equal(spec.maxwaittime, 60)
  assert.equal(spec.maxexectime, -1, 'maxexectime defaults to -1 (never 0)')
  assert.equal(spec.maxretries, 2)
  assert.deepEqual(spec.channels, ['progress'])
  assert.equal(spec.conditions.colonyname, colony.colonyname)
  assert.equal(spec.conditions.executortype, colony.executortype)

  const got = await colony.user.getProcess(submitted.processid)
  assert.equal(got.processid, submitted.processid)
  const waiting = await colony.user.getProcesses(colony.colonyname, 'waiting')
  assert.deepEqual(waiting.map((p) => p.processid), [submitted.processid])
  assert.deepEqual(await colony.user.getProcesses(colony.colonyname, ProcessState.RUNNING, 10), [])

  const assigned = await colony.executor.assign(colony.colonyname, { timeoutMs: 5000 })
  assert.equal(assigned.processid, submitted.processid)
  assert.equal(assigned.state, 'RUNNING')
  assert.equal(assigned.assignedexecutorid, keyId(colony.keys.executor))
  assert.equal(assigned.isassigned, true)
  const running = await colony.user.waitForState(submitted.processid, 'Running', { timeoutMs: 5000 })
  assert.equal(running.state, ProcessState.RUNNING)

  await colony.executor.setOutput(submitted.processid, [{ partial: true }])
  assert.deepEqual((await colony.user.getProcess(submitted.processid)).output, [{ partial: true }])

  const success = colony.user.waitForState(submitted.processid, 'success', { timeoutMs: 10_000 })
  await colony.executor.close(submitted.processid, ['done', 42, { big: 2 ** 53 }])
  const done = await success
  assert.equal(done.state, 'SUCCESS')
  assert.deepEqual(done.output, ['done', 42, { big: 2 ** 53 }])
  assert.deepEqual(done.errors, [])
  assert.deepEqual(
    (await colony.user.getProcesses(colony.colonyname, 'SUCCESS')).map((p) => p.processid),
    [submitted.processid],
  )

  await colony.user.removeProcess(submitted.processid)
  await assert.rejects(colony.user.getProcess(submitted.processid), NotFoundError)
})

test('processes: close without output, fail, cancel', async (t) => {
  const colony = await freshColony(t)
  const first = await runningProcess(colony, 'one', [])
  await colony.executor.close(first.processid)
  assert.deepEqual((await colony.user.getProcess(first.processid)).output, [])

  const second = await runningProcess(colony, 'two', [])
  await colony.executor.fail(second.processid, ['it broke', 'twice'])
  const failed = await colony.user.waitForState(second.processid, 'failed', { timeoutMs: 5000 })
  assert.equal(failed.state, 'FAILED')
  assert.deepEqual(failed.errors, ['it broke', 'twice'])

  const third = await runningProcess(colony, 'three', [])
  await colony.executor.fail(third.processid, 'one string')
  assert.deepEqual((await colony.user.getProcess(third.processid)).errors, ['one string'])

  const fourth = await colony.user.submit(colony.spec('four'))
  await colony.user.cancel(fourth.processid)
  const cancelled = await colony.user.waitForState(fourth.processid, 'cancelled', { timeoutMs: 5000 })
  assert.equal(cancelled.state, ProcessState.CANCELLED)
})

test('assign resolves to null when no work comes in time', async (t) => {
  const colony = await freshColony(t)
  const started = Date.now()
  assert.equal(await colony.executor.assign(colony.colonyname, { timeoutMs: 1000 }), null)
  assert.ok(Date.now() - started < 5000)
})

test('channels: append and readChannel (payload types, kind, inreplyto, after, limit)', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'channels', ['data'])
  const pid = process.processid
  await colony.executor.append(pid, 'data', 1, 'text é')
  await colony.executor.append(pid, 'data', 2, Buffer.from([0, 255, 1]))
  await colony.executor.append(pid, 'data', 3, new Uint8Array([7, 8, 9]).subarray(1))
  await colony.user.append(pid, 'data', 1, 'reply', { inreplyto: 2 })
  await colony.executor.append(pid, 'data', 4, '', { kind: 'end' })

  const entries = await colony.user.readChannel(pid, 'data')
  assert.equal(entries.length, 5)
  assert.deepEqual(Object.keys(entries[0]), ['sequence', 'inreplyto', 'payload', 'kind', 'senderid', 'timestamp'])
  assert.ok(entries.every((e) => Buffer.isBuffer(e.payload)))
  assert.equal(entries[0].payload.toString(), 'text é')
  assert.deepEqual([...entries[1].payload], [0, 255, 1])
  assert.deepEqual([...entries[2].payload], [8, 9])
  assert.equal(entries[3].inreplyto, 2)
  assert.equal(entries[3].senderid, keyId(colony.keys.user))
  assert.equal(entries[0].senderid, keyId(colony.keys.executor))
  assert.deepEqual(entries.map((e) => e.kind), ['data', 'data', 'data', 'data', 'end'])
  assert.ok(entries.every((e) => typeof e.timestamp === 'string' && e.timestamp.length > 0))

  const page = await colony.user.readChannel(pid, 'data', { after: 1, limit: 2 })
  assert.deepEqual(page.map((e) => e.sequence), [2, 3])
  assert.deepEqual(await colony.user.readChannel(pid, 'data', { after: 5 }), [])
})

test('subscribeChannel: backlog, then live entries, ends after end', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'stream', ['progress'])
  const pid = process.processid
  await colony.executor.append(pid, 'progress', 1, 'one')
  await colony.executor.append(pid, 'progress', 2, 'two')
  const seen = []
  const producer = (async () => {
    await new Promise((r) => setTimeout(r, 300))
    await colony.executor.append(pid, 'progress', 3, 'three')
    await colony.executor.append(pid, 'progress', 4, '', { kind: 'end' })
  })()
  for await (const entry of colony.user.subscribeChannel(pid, 'progress')) {
    seen.push([entry.sequence, entry.kind, entry.payload.toString()])
  }
  await producer
  assert.deepEqual(seen, [
    [1, 'data', 'one'],
    [2, 'data', 'two'],
    [3, 'data', 'three'],
    [4, 'end', ''],
  ])
  // From a position: `after` skips the first entries of the log.
  const rest = []
  for await (const entry of colony.user.subscribeChannel(pid, 'progress', { after: 2 })) rest.push(entry.sequence)
  assert.deepEqual(rest, [3, 4])
})

test('subscribeChannel: the submitter may subscribe before the process is assigned', async (t) => {
  const colony = await freshColony(t)
  const submitted = await colony.user.submit(colony.spec('early', { channels: ['progress'] }))
  const sub = colony.user.subscribeChannel(submitted.processid, 'progress')
  const first = sub.next()
  const assigned = await colony.executor.assign(colony.colonyname, { timeoutMs: 5000 })
  assert.equal(assigned.processid, submitted.processid)
  await colony.executor.append(submitted.processid, 'progress', 1, 'hi')
  const { value, done } = await first
  assert.equal(done, false)
  assert.equal(value.payload.toString(), 'hi')
  sub.close()
  assert.deepEqual(await sub.next(), { value: undefined, done: true })
})

test('sync: acknowledge, waitForAck, closeAfterAck', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'sync', ['output', 'sync'])
  const pid = process.processid
  const waiting = colony.executor.waitForAck(pid, 'sync', { timeoutMs: 10_000 })
  await colony.user.acknowledge(pid, 'sync')
  await waiting
  const closing = colony.executor.closeAfterAck(pid, 'sync', ['synced'], { timeoutMs: 10_000 })
  const done = await colony.user.waitForState(pid, 'success', { timeoutMs: 10_000 })
  await closing
  assert.deepEqual(done.output, ['synced'])
})

test('waitForAck times out with TimeoutError', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'sync', ['sync'])
  await assert.rejects(
    colony.executor.waitForAck(process.processid, 'sync', { timeoutMs: 800 }),
    (e) => e.name === 'TimeoutError' && e.code === 'Timeout',
  )
})

test('channelWriter: ordered, numbered entries; reply; end; stats; finished writer', async (t) => {
  const colony = await freshColony(t)
  const { processid: pid } = await runningProcess(colony, 'writer', ['w', 'e'])
  const writer = await colony.executor.channelWriter(pid, 'w')
  // Not awaited one by one: calls still take effect in order.
  const sequences = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.send(`entry ${i + 1}`)))
  assert.deepEqual(sequences, Array.from({ length: 50 }, (_, i) => i + 1))
  assert.equal(await writer.reply(7, Buffer.from('answer')), 51)
  const stats = await writer.end()
  assert.deepEqual(Object.keys(stats).sort(), ['reordered', 'retried', 'written'])
  assert.equal(stats.written, 52)
  await assert.rejects(writer.send('late'), (e) => e instanceof InvalidArgumentError && /finished/.test(e.message))
  await assert.rejects(writer.send(42), TypeError)

  const entries = await colony.user.readChannel(pid, 'w')
  assert.deepEqual(entries.map((e) => e.sequence), Array.from({ length: 52 }, (_, i) => i + 1))
  assert.deepEqual(entries.slice(0, 50).map((e) => e.payload.toString()), Array.from({ length: 50 }, (_, i) => `entry ${i + 1}`))
  assert.equal(entries[50].inreplyto, 7)
  assert.equal(entries[51].kind, 'end')

  // Odd numbering from 3, then an error entry.
  const odd = await colony.executor.channelWriter(pid, 'e', { firstSequence: 3, step: 2, maxInFlight: 2 })
  await odd.send('a')
  await odd.send('b')
  assert.equal((await odd.error('boom')).written, 3)
  const e = await colony.user.readChannel(pid, 'e')
  assert.deepEqual(e.map((x) => [x.sequence, x.kind, x.payload.toString()]), [[3, 'data', 'a'], [5, 'data', 'b'], [7, 'error', 'boom']])
  await assert.rejects(colony.executor.channelWriter(pid, 'e', { step: 0 }), InvalidArgumentError)
})
