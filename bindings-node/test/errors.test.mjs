// Bad inputs, error classes, wrong JS types, contained panics, and no private key in any error
// message or inspected object.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'

import * as colonykit from 'colonykit'
import {
  Client,
  ColonyError,
  InvalidArgumentError,
  NotFoundError,
  UnauthorizedError,
  ConnectionError,
  InvalidRequestError,
  ConflictError,
  RateLimitedError,
  TimeoutError,
  ProtocolError,
  ServerError,
  ProcessClosedError,
  TlsError,
  OutcomeUnknownError,
  ChannelLostError,
  generateKey,
  keyId,
} from 'colonykit'
import { freshColony, runningProcess, SERVER, uniqueName } from './helper.mjs'

const require = createRequire(import.meta.url)

test('a cluster client takes every node', () => {
  const nodes = ['http://127.0.0.1:50100', 'http://127.0.0.1:50101']
  const client = new Client({ server: nodes })
  assert.deepEqual(client.servers, nodes.map((node) => `${node}/api`))
  assert.equal(client.server, 'http://127.0.0.1:50100/api')
  assert.throws(() => new Client({ server: [nodes[0], nodes[0]] }), { code: 'InvalidArgument', message: /given twice/ })
  assert.throws(() => new Client({ server: [] }), { code: 'InvalidArgument', message: /no server address/ })
  assert.throws(() => new Client({ server: [nodes[0], 7] }), TypeError)
})

test('error classes: one per kind, with code, status and name', () => {
  const classes = {
    InvalidArgument: InvalidArgumentError,
    NotFound: NotFoundError,
    Unauthorized: UnauthorizedError,
    InvalidRequest: InvalidRequestError,
    Conflict: ConflictError,
    RateLimited: RateLimitedError,
    Timeout: TimeoutError,
    Connection: ConnectionError,
    Protocol: ProtocolError,
    Server: ServerError,
    ProcessClosed: ProcessClosedError,
    Tls: TlsError,
    OutcomeUnknown: OutcomeUnknownError,
    ChannelLost: ChannelLostError,
  }
  for (const [code, cls] of Object.entries(classes)) {
    const error = new cls('message', { status: 418 })
    assert.ok(error instanceof ColonyError && error instanceof Error)
    assert.equal(error.code, code)
    assert.equal(error.status, 418)
    assert.equal(error.name, `${code}Error`)
    assert.equal(cls.name, `${code}Error`)
    assert.match(error.stack, new RegExp(`^${code}Error: message`))
  }
  const base = new ColonyError('x', { code: 'Custom' })
  assert.equal(base.code, 'Custom')
  assert.equal(base.status, undefined)
  assert.equal(base.name, 'ColonyError')
})

test('require and import give the same package', () => {
  const cjs = require('colonykit')
  assert.equal(cjs.Client, Client)
  assert.equal(cjs.NotFoundError, NotFoundError)
  assert.equal(colonykit.default.Client, Client)
  const expected = [
    'ChannelLostError', 'ChannelSubscription', 'ChannelWriter', 'Client', 'ColonyError', 'ConflictError',
    'ConnectionError', 'ExecutorState', 'InvalidArgumentError', 'InvalidRequestError', 'NotFoundError',
    'OutcomeUnknownError', 'ProcessClosedError', 'ProcessState',
    'ProcessSubscription', 'ProtocolError', 'RateLimitedError', 'ServerError', 'Subscription', 'TimeoutError',
    'TlsError', 'UnauthorizedError', 'generateKey', 'keyId', 'version',
  ]
  assert.deepEqual(Object.keys(cjs).sort(), expected)
  assert.deepEqual(Object.keys(colonykit).filter((k) => k !== 'default').sort(), expected)
  assert.equal(cjs.version, require('../package.json').version)
  assert.equal(colonykit.version, cjs.version)
})

test('invalid private keys: wrong length, not hex, zero → InvalidArgumentError', () => {
  const good = generateKey()
  const bad = [good.slice(1), `${good}00`, `zz${good.slice(2)}`, '0'.repeat(64), '', 'not a key']
  for (const key of bad) {
    assert.throws(() => new Client({ server: SERVER, prvkey: key }), InvalidArgumentError)
    assert.throws(() => new Client({ server: SERVER }).withKey(key), InvalidArgumentError)
    assert.throws(() => keyId(key), (e) => e instanceof InvalidArgumentError && e.code === 'InvalidArgument')
  }
  assert.throws(() => keyId(good.slice(1)), /64 hex characters, got 63 characters/)
})

test('malformed server addresses → InvalidArgumentError', () => {
  for (const server of ['', 'localhost:50080', 'ftp://host', 'http://', 'not a url', 'http://u:p@host:1']) {
    assert.throws(() => new Client({ server }), (e) => e instanceof InvalidArgumentError && /malformed server address/.test(e.message))
  }
})

test('an unreachable server → ConnectionError', async () => {
  // A stream that never connected keeps trying for the client's timeout, then gives up.
  const client = new Client({ server: 'http://127.0.0.1:1', prvkey: generateKey(), timeoutMs: 3000 })
  await assert.rejects(client.serverVersion(), (e) => e instanceof ConnectionError && e.status === undefined)
  await assert.rejects(client.getProcess('0'.repeat(64)), ConnectionError)
  const sub = client.subscribeChannel('0'.repeat(64), 'x')
  await assert.rejects(sub.next(), ConnectionError)
  assert.deepEqual(await sub.next(), { value: undefined, done: true })
})

test('server answers: NotFound, Unauthorized, undeclared channel, conflict, bad state', async (t) => {
  const colony = await freshColony(t)
  await assert.rejects(colony.user.getProcess('0'.repeat(64)), (e) => e instanceof NotFoundError && e.status === 404)

  // A caller that is not a member of the colony.
  const stranger = colony.server.withKey(generateKey())
  await assert.rejects(stranger.getColony(colony.colonyname), (e) => e instanceof UnauthorizedError && e.status === 403)
  await assert.rejects(stranger.submit(colony.spec('x')), UnauthorizedError)

  const process = await runningProcess(colony, 'errors', ['declared'])
  // A channel that was not declared in the spec.
  await assert.rejects(colony.executor.append(process.processid, 'undeclared', 1, 'x'), (e) => e instanceof ColonyError && e.code === 'NotFound')
  // A member that is neither the submitter nor the executor may not use the channel.
  const otherKey = generateKey()
  await colony.owner.addUser({ colonyname: colony.colonyname, userid: keyId(otherKey), name: uniqueName('other') })
  await assert.rejects(colony.server.withKey(otherKey).append(process.processid, 'declared', 1, 'x'), UnauthorizedError)
  await assert.rejects(colony.server.withKey(otherKey).readChannel(process.processid, 'declared'), UnauthorizedError)

  // The same user name twice.
  await assert.rejects(colony.owner.addUser({ colonyname: colony.colonyname, userid: keyId(generateKey()), name: colony.username }), ColonyError)
  // Unknown state names and bad numbers are caught before anything is sent.
  await assert.rejects(colony.user.getProcesses(colony.colonyname, 'sleeping'), (e) => e instanceof InvalidArgumentError && /unknown process state/.test(e.message))
  await assert.rejects(colony.user.waitForState(process.processid, 'nope', { timeoutMs: 1000 }), InvalidArgumentError)
  await assert.rejects(colony.user.readChannel(process.processid, 'declared', { after: -1 }), InvalidArgumentError)
  await assert.rejects(colony.user.waitForState(process.processid, 'success', { timeoutMs: 0 }), InvalidArgumentError)
  await assert.rejects(colony.user.waitForState(process.processid, 'success', { timeoutMs: Number.NaN }), InvalidArgumentError)
  await assert.rejects(colony.user.submit(colony.spec('zero', { maxexectime: 0 })), (e) => e instanceof InvalidArgumentError && /maxexectime/.test(e.message))
  await assert.rejects(colony.owner.addExecutor({ executorid: keyId(generateKey()), executortype: 't', executorname: 'a:b', colonyname: colony.colonyname }), InvalidArgumentError)
  assert.throws(() => colony.user.subscribeChannel(process.processid, 'declared', { idleTimeoutMs: 0 }), InvalidArgumentError)
})

test('a missing private key → InvalidArgumentError', async () => {
  const anonymous = new Client({ server: SERVER })
  await assert.rejects(anonymous.getProcess('0'.repeat(64)), (e) => e instanceof InvalidArgumentError && /no private key/.test(e.message))
  await assert.rejects(anonymous.append('0'.repeat(64), 'c', 1, 'x'), InvalidArgumentError)
  assert.throws(() => anonymous.subscribeChannel('0'.repeat(64), 'c'), InvalidArgumentError)
})

test('wrong JS types → TypeError that names the argument', async () => {
  const client = new Client({ server: SERVER, prvkey: generateKey() })
  const pid = '0'.repeat(64)
  for (const payload of [42, null, undefined, { a: 1 }, [1, 2], true, new Uint16Array(2)]) {
    await assert.rejects(client.append(pid, 'c', 1, payload), (e) => e instanceof TypeError && /^payload must be a Buffer, a Uint8Array or a string, got /.test(e.message))
  }
  await assert.rejects(client.append(pid, 'c', 1.5, 'x'), /sequence must be an integer, got number/)
  await assert.rejects(client.append(pid, 'c', '1', 'x'), TypeError)
  await assert.rejects(client.append(pid, 'c', 1, 'x', { kind: 3 }), /kind must be a string/)
  await assert.rejects(client.getProcess(42), /processid must be a string, got number/)
  await assert.rejects(client.getProcess(), /processid must be a string, got undefined/)
  // Missing required properties.
  await assert.rejects(client.submit({ executortype: 't', colonyname: 'c' }), /spec.funcname must be a string, got undefined/)
  await assert.rejects(client.submit('spec'), /spec must be an object, got string/)
  await assert.rejects(client.submit({ funcname: 'f', executortype: 't', colonyname: 'c', args: 'x' }), /spec.args must be an array/)
  await assert.rejects(client.submit({ funcname: 'f', executortype: 't', colonyname: 'c', args: [1n] }), /spec.args must be JSON-serializable/)
  await assert.rejects(client.submit({ funcname: 'f', executortype: 't', colonyname: 'c', maxexectime: '5' }), /spec.maxexectime must be an integer/)
  await assert.rejects(client.submit({ funcname: 'f', executortype: 't', colonyname: 'c', env: { A: 1 } }), /spec.env.A must be a string/)
  await assert.rejects(client.addUser({ colonyname: 'c', name: 'n' }), /user.userid must be a string, got undefined/)
  await assert.rejects(client.addExecutor({}), /executor.executorid must be a string/)
  await assert.rejects(client.waitForState(pid, 'running'), /timeoutMs is required/)
  await assert.rejects(client.waitForState(pid, 'running', { timeoutMs: '5' }), /timeoutMs must be a number/)
  await assert.rejects(client.assign('c', { timeoutMs: 10, signal: {} }), /signal must be an AbortSignal/)
  await assert.rejects(client.close(pid, 'done'), /output must be an array/)
  await assert.rejects(client.fail(pid, [1]), /errors\[0\] must be a string/)
  await assert.rejects(client.getProcesses('c', 'running', 1.5), /count must be an integer/)
  assert.throws(() => client.subscribeChannel(pid, 5), /channel must be a string/)
  assert.throws(() => client.subscribeChannel(pid, 'c', { after: 'x' }), TypeError)
  assert.throws(() => new Client(), /Client options must be an object/)
  assert.throws(() => new Client({ server: 50080 }), /server must be a string/)
  assert.throws(() => new Client({ server: SERVER, prvkey: 7 }), /prvkey must be a string, got number/)
  assert.throws(() => client.withKey(null), /prvkey must be a string, got null/)
  assert.throws(() => keyId(Buffer.alloc(32)), /prvkey must be a string, got a Buffer/)
})

test('a panic in the addon rejects or throws; Node keeps running', async () => {
  const native = require('../lib/native.js')
  const { convertError } = require('../lib/errors.js')
  let thrown
  try {
    native.__panicSync()
  } catch (error) {
    thrown = convertError(error)
  }
  assert.ok(thrown instanceof ColonyError)
  assert.equal(thrown.code, 'Internal')
  assert.match(thrown.message, /panicked.*test panic \(sync\)/)
  const rejected = await native.__panicAsync().then(() => null, (e) => convertError(e))
  assert.ok(rejected instanceof ColonyError)
  assert.equal(rejected.code, 'Internal')
  assert.match(rejected.message, /test panic \(async\)/)
  // Still alive and working.
  assert.match(generateKey(), /^[0-9a-f]{64}$/)
})

test('no private key in any error message, stack, inspected or JSON object', async (t) => {
  const colony = await freshColony(t)
  const keys = Object.values(colony.keys)
  const texts = []
  const record = (value) => {
    texts.push(inspect(value, { depth: 10, showHidden: true }))
    if (value instanceof Error) texts.push(String(value.message), String(value.stack))
    else texts.push(JSON.stringify(value) ?? '')
  }
  for (const client of [colony.server, colony.owner, colony.executor, colony.user]) record(client)
  record(colony.user.subscribeChannel('0'.repeat(64), 'c'))

  for (const key of keys) {
    // Near-miss keys: one character short, one too long, one non-hex character.
    for (const bad of [key.slice(1), `${key}0`, `${key.slice(0, 63)}z`]) {
      try {
        keyId(bad)
      } catch (error) {
        record(error)
      }
      try {
        new Client({ server: SERVER, prvkey: bad })
      } catch (error) {
        record(error)
      }
    }
    try {
      colony.server.withKey(42)
    } catch (error) {
      record(error)
    }
  }
  const process = await runningProcess(colony, 'secrets', ['c'])
  const failing = [
    colony.user.getProcess('0'.repeat(64)),
    colony.server.withKey(generateKey()).getColony(colony.colonyname),
    colony.executor.append(process.processid, 'nope', 1, 'x'),
    colony.user.waitForState(process.processid, 'success', { timeoutMs: 500 }),
    new Client({ server: 'http://127.0.0.1:1', prvkey: colony.keys.user }).serverVersion(),
    colony.user.subscribeChannel(process.processid, 'c', { idleTimeoutMs: 300 }).next(),
  ]
  for (const outcome of await Promise.allSettled(failing)) {
    assert.equal(outcome.status, 'rejected')
    record(outcome.reason)
  }
  assert.ok(texts.length > 30)
  for (const text of texts) {
    for (const key of keys) {
      assert.ok(!text.includes(key), `a private key leaked into: ${text.slice(0, 200)}`)
      assert.ok(!text.includes(key.slice(0, 32)), `half a private key leaked into: ${text.slice(0, 200)}`)
    }
  }
})
