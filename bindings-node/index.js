'use strict'

/**
 * colonykit for Node: a ColonyOS client with Promise methods and channels as async iterables.
 *
 * This file adds only idiom on top of the native addon (which wraps the Rust core): argument
 * checks with `TypeError`s, error classes, `AbortSignal`s and async iterators. Types and
 * documentation: `index.d.ts`.
 */

const { inspect } = require('node:util')
const native = require('./lib/native.js')
const errors = require('./lib/errors.js')

const { convertError } = errors

/** Process states, as `Process.state` reports them (inputs accept any case). */
const ProcessState = Object.freeze({
  WAITING: 'WAITING',
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
})

/** Executor states, as `Executor.state` reports them. */
const ExecutorState = Object.freeze({
  PENDING: 'PENDING',
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
  UNREGISTERED: 'UNREGISTERED',
})

// --- Argument checks (types only: values are checked by the core) ------------------------------
// Messages name the argument and its type, never its value (it may be a private key).

function typeName(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (Buffer.isBuffer(value)) return 'a Buffer'
  return typeof value
}

function badType(name, expected, value) {
  return new TypeError(`${name} must be ${expected}, got ${typeName(value)}`)
}

function string(value, name) {
  if (typeof value !== 'string') throw badType(name, 'a string', value)
  return value
}

function optionalString(value, name) {
  return value === undefined || value === null ? undefined : string(value, name)
}

function number(value, name) {
  if (typeof value !== 'number') throw badType(name, 'a number', value)
  return value
}

function optionalNumber(value, name) {
  return value === undefined || value === null ? undefined : number(value, name)
}

function integer(value, name) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw badType(name, 'an integer', value)
  }
  return value
}

function optionalInteger(value, name) {
  return value === undefined || value === null ? undefined : integer(value, name)
}

function options(value, name) {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw badType(name, 'an object', value)
  return value
}

function stringArray(value, name) {
  if (!Array.isArray(value)) throw badType(name, 'an array of strings', value)
  value.forEach((item, i) => string(item, `${name}[${i}]`))
  return value
}

function stringMap(value, name) {
  const map = options(value, name)
  for (const [key, item] of Object.entries(map)) string(item, `${name}.${key}`)
  return map
}

/**
 * JSON text for the addon, with JSON.stringify's semantics (toJSON, dropped undefined, Dates as
 * text): JSON values cross the native boundary as text, and come back through JSON.parse.
 */
function json(value, name) {
  let text
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new TypeError(`${name} must be JSON-serializable: ${cause.message}`, { cause })
  }
  if (text === undefined) throw badType(name, 'JSON-serializable', value)
  return text
}

function jsonArray(value, name) {
  if (!Array.isArray(value)) throw badType(name, 'an array of JSON values', value)
  return json(value, name)
}

function jsonObject(value, name) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw badType(name, 'an object', value)
  return json(value, name)
}

/** A payload as a Buffer: Buffers and Uint8Arrays as they are, strings as UTF-8. */
function payloadBuffer(value) {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  throw badType('payload', 'a Buffer, a Uint8Array or a string', value)
}

function abortSignal(value) {
  if (value === undefined || value === null) return undefined
  if (
    typeof value !== 'object' ||
    typeof value.aborted !== 'boolean' ||
    typeof value.addEventListener !== 'function'
  ) {
    throw badType('signal', 'an AbortSignal', value)
  }
  return value
}

function requiredTimeout(opts, name) {
  if (opts.timeoutMs === undefined) throw new TypeError(`${name}: timeoutMs is required`)
  return number(opts.timeoutMs, 'timeoutMs')
}

// --- Calling the addon -------------------------------------------------------------------------

/** Awaits a native promise, converting its error. */
async function call(start) {
  try {
    return await start()
  } catch (error) {
    throw convertError(error)
  }
}

/** Parses the JSON text the addon returns for processes and executors (null stays null). */
function parse(text) {
  return text === null ? null : JSON.parse(text)
}

/** Awaits a native promise that `signal` can abort: the native wait is dropped at once. */
async function abortable(signal, start) {
  if (!signal) return call(() => start(null))
  if (signal.aborted) throw signal.reason
  const token = new native.CancelToken()
  const onAbort = () => token.cancel()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await start(token)
  } catch (error) {
    throw convertError(error, signal)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

function wrapSync(fn) {
  try {
    return fn()
  } catch (error) {
    throw convertError(error)
  }
}

// --- Channel subscriptions ---------------------------------------------------------------------

/**
 * A channel subscription: an async iterator of entries (use it in `for await`). Leaving the loop
 * (`break`, `return()`, an exception), `close()` or the `AbortSignal` closes the socket at once.
 */
class ChannelSubscription {
  #native
  #signal
  #onAbort
  #done = false
  #abortPending = false

  /** @internal */
  constructor(nativeSubscription, signal) {
    this.#native = nativeSubscription
    this.#signal = signal
    if (signal) {
      if (signal.aborted) {
        this.#abortPending = true
        this.#finish()
      } else {
        this.#onAbort = () => {
          this.#abortPending = true
          this.#finish()
        }
        signal.addEventListener('abort', this.#onAbort, { once: true })
      }
    }
  }

  [Symbol.asyncIterator]() {
    return this
  }

  /** The next entry; `done` after an `end`/`error` entry, or once closed. */
  async next() {
    if (this.#done) return this.#ended()
    let entry
    try {
      entry = await this.#native.next()
    } catch (error) {
      this.#finish()
      if (this.#abortPending) return this.#ended()
      throw convertError(error)
    }
    if (entry === null || this.#done) {
      this.#finish()
      return this.#ended()
    }
    return { value: entry, done: false }
  }

  /** Closes the subscription (called by `break`). */
  async return(value) {
    this.#finish()
    return { value, done: true }
  }

  /** Closes the subscription and rejects with `error`. */
  async throw(error) {
    this.#finish()
    throw error
  }

  /** Closes the subscription now: the socket closes, a pending `next()` resolves as done. */
  close() {
    this.#finish()
  }

  /** Whether the subscription has ended or was closed. */
  get closed() {
    return this.#done
  }

  #ended() {
    if (this.#abortPending) {
      this.#abortPending = false
      throw this.#signal.reason
    }
    return { value: undefined, done: true }
  }

  #finish() {
    if (this.#done) return
    this.#done = true
    this.#native.close()
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort)
    this.#onAbort = undefined
  }

  [inspect.custom](depth, opts, inspectFn = inspect) {
    return `ChannelSubscription ${inspectFn({ closed: this.#done }, opts)}`
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  ChannelSubscription.prototype[Symbol.asyncDispose] = async function asyncDispose() {
    this.close()
  }
}

// --- Channel writers ---------------------------------------------------------------------------

/**
 * Appends entries to one channel in order, several in flight, riding out the server's rate
 * limit (made by `client.channelWriter`). It numbers the entries itself; calls are applied in
 * the order they are made, whether or not each is awaited.
 */
class ChannelWriter {
  #native
  #tail = Promise.resolve()

  /** @internal */
  constructor(nativeWriter) {
    this.#native = nativeWriter
  }

  /** Runs `start` after every earlier call of this writer has settled. */
  #enqueue(start) {
    const result = this.#tail.then(() => call(start))
    this.#tail = result.catch(() => {})
    return result
  }

  /** Queues a `data` entry; resolves to its sequence once queued (waits only while full). */
  send(payload) {
    try {
      const bytes = payloadBuffer(payload)
      return this.#enqueue(() => this.#native.send(bytes, null))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Queues a `data` entry answering the other party's entry `inreplyto`. */
  reply(inreplyto, payload) {
    try {
      integer(inreplyto, 'inreplyto')
      const bytes = payloadBuffer(payload)
      return this.#enqueue(() => this.#native.send(bytes, inreplyto))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Sends `end`, waits until every entry is written; resolves to what was done. */
  end() {
    return this.#enqueue(() => this.#native.close('end', null))
  }

  /** Sends an `error` entry with `message`, waits until every entry is written. */
  error(message) {
    try {
      const bytes = payloadBuffer(message)
      return this.#enqueue(() => this.#native.close('error', bytes))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Waits until every queued entry is written, without sending `end`. */
  finish() {
    return this.#enqueue(() => this.#native.close('finish', null))
  }

  [inspect.custom]() {
    return 'ChannelWriter {}'
  }
}

// --- Client ------------------------------------------------------------------------------------

const INTERNAL = Symbol('colonykit.internal')

/** A ColonyOS client; see index.d.ts. */
class Client {
  #native

  /**
   * @param {{ server: string, prvkey?: string, timeoutMs?: number }} config
   */
  constructor(config) {
    if (config === INTERNAL) return
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw badType('Client options', 'an object { server, prvkey?, timeoutMs? }', config)
    }
    const server = string(config.server, 'server')
    const prvkey = optionalString(config.prvkey, 'prvkey')
    const timeoutMs = optionalNumber(config.timeoutMs, 'timeoutMs')
    this.#native = wrapSync(() => new native.NativeClient(server, prvkey, timeoutMs))
  }

  static #wrap(nativeClient) {
    const client = new Client(INTERNAL)
    client.#native = nativeClient
    return client
  }

  /** A client from COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_PRVKEY. */
  static fromEnv() {
    return Client.#wrap(wrapSync(() => native.NativeClient.fromEnv()))
  }

  /** A client that signs with `prvkey` and shares this client's connections. */
  withKey(prvkey) {
    string(prvkey, 'prvkey')
    return Client.#wrap(wrapSync(() => this.#native.withKey(prvkey)))
  }

  /** The ID of this client's key, or null. */
  get id() {
    return this.#native.id
  }

  /** The server's RPC endpoint. */
  get server() {
    return this.#native.server
  }

  toJSON() {
    return { server: this.server, id: this.id }
  }

  [inspect.custom](depth, opts, inspectFn = inspect) {
    return `Client ${inspectFn(this.toJSON(), opts)}`
  }

  // --- Server and colonies ---

  async serverVersion() {
    return call(() => this.#native.serverVersion())
  }

  async addColony(colonyid, name) {
    string(colonyid, 'colonyid')
    string(name, 'name')
    return call(() => this.#native.addColony(colonyid, name))
  }

  async removeColony(colonyname) {
    string(colonyname, 'colonyname')
    await call(() => this.#native.removeColony(colonyname))
  }

  async getColony(colonyname) {
    string(colonyname, 'colonyname')
    return call(() => this.#native.getColony(colonyname))
  }

  async getColonies() {
    return call(() => this.#native.getColonies())
  }

  // --- Users ---

  async addUser(user) {
    const u = options(user, 'user')
    const arg = {
      colonyname: string(u.colonyname, 'user.colonyname'),
      userid: string(u.userid, 'user.userid'),
      name: string(u.name, 'user.name'),
      email: optionalString(u.email, 'user.email'),
      phone: optionalString(u.phone, 'user.phone'),
    }
    return call(() => this.#native.addUser(arg))
  }

  async getUsers(colonyname) {
    string(colonyname, 'colonyname')
    return call(() => this.#native.getUsers(colonyname))
  }

  async removeUser(colonyname, name) {
    string(colonyname, 'colonyname')
    string(name, 'name')
    await call(() => this.#native.removeUser(colonyname, name))
  }

  // --- Executors ---

  async addExecutor(executor) {
    const e = options(executor, 'executor')
    const arg = {
      executorid: string(e.executorid, 'executor.executorid'),
      executortype: string(e.executortype, 'executor.executortype'),
      executorname: string(e.executorname, 'executor.executorname'),
      colonyname: string(e.colonyname, 'executor.colonyname'),
    }
    return parse(await call(() => this.#native.addExecutor(arg)))
  }

  async getExecutor(colonyname, executorname) {
    string(colonyname, 'colonyname')
    string(executorname, 'executorname')
    return parse(await call(() => this.#native.getExecutor(colonyname, executorname)))
  }

  async getExecutors(colonyname) {
    string(colonyname, 'colonyname')
    return parse(await call(() => this.#native.getExecutors(colonyname)))
  }

  async approveExecutor(colonyname, executorname) {
    string(colonyname, 'colonyname')
    string(executorname, 'executorname')
    await call(() => this.#native.approveExecutor(colonyname, executorname))
  }

  async rejectExecutor(colonyname, executorname) {
    string(colonyname, 'colonyname')
    string(executorname, 'executorname')
    await call(() => this.#native.rejectExecutor(colonyname, executorname))
  }

  async removeExecutor(colonyname, executorname) {
    string(colonyname, 'colonyname')
    string(executorname, 'executorname')
    await call(() => this.#native.removeExecutor(colonyname, executorname))
  }

  // --- Processes ---

  async submit(spec) {
    const s = options(spec, 'spec')
    const arg = {
      funcname: string(s.funcname, 'spec.funcname'),
      executortype: string(s.executortype, 'spec.executortype'),
      colonyname: string(s.colonyname, 'spec.colonyname'),
      channels: s.channels == null ? undefined : stringArray(s.channels, 'spec.channels'),
      args: s.args == null ? undefined : jsonArray(s.args, 'spec.args'),
      kwargs: jsonObject(s.kwargs, 'spec.kwargs'),
      maxexectime: optionalInteger(s.maxexectime, 'spec.maxexectime'),
      maxwaittime: optionalInteger(s.maxwaittime, 'spec.maxwaittime'),
      maxretries: optionalInteger(s.maxretries, 'spec.maxretries'),
      priority: optionalInteger(s.priority, 'spec.priority'),
      label: optionalString(s.label, 'spec.label'),
      nodename: optionalString(s.nodename, 'spec.nodename'),
      env: s.env == null ? undefined : stringMap(s.env, 'spec.env'),
    }
    return parse(await call(() => this.#native.submit(arg)))
  }

  async assign(colonyname, opts) {
    string(colonyname, 'colonyname')
    const o = options(opts, 'options')
    const timeoutMs = requiredTimeout(o, 'assign')
    const signal = abortSignal(o.signal)
    return parse(await abortable(signal, (token) => this.#native.assign(colonyname, timeoutMs, token)))
  }

  async getProcess(processid) {
    string(processid, 'processid')
    return parse(await call(() => this.#native.getProcess(processid)))
  }

  async getProcesses(colonyname, state, count = 100) {
    string(colonyname, 'colonyname')
    string(state, 'state')
    integer(count, 'count')
    return parse(await call(() => this.#native.getProcesses(colonyname, state, count)))
  }

  async removeProcess(processid) {
    string(processid, 'processid')
    await call(() => this.#native.removeProcess(processid))
  }

  async setOutput(processid, output) {
    string(processid, 'processid')
    const values = jsonArray(output, 'output')
    await call(() => this.#native.setOutput(processid, values))
  }

  async close(processid, output = []) {
    string(processid, 'processid')
    const values = jsonArray(output, 'output')
    await call(() => this.#native.close(processid, values))
  }

  async fail(processid, errors = []) {
    string(processid, 'processid')
    const list = typeof errors === 'string' ? [errors] : stringArray(errors, 'errors')
    await call(() => this.#native.fail(processid, list))
  }

  async cancel(processid) {
    string(processid, 'processid')
    await call(() => this.#native.cancel(processid))
  }

  async waitForState(processid, state, opts) {
    string(processid, 'processid')
    string(state, 'state')
    const o = options(opts, 'options')
    const timeoutMs = requiredTimeout(o, 'waitForState')
    const signal = abortSignal(o.signal)
    return parse(
      await abortable(signal, (token) => this.#native.waitForState(processid, state, timeoutMs, token)),
    )
  }

  // --- Channels ---

  async append(processid, channel, sequence, payload, opts) {
    string(processid, 'processid')
    string(channel, 'channel')
    integer(sequence, 'sequence')
    const bytes = payloadBuffer(payload)
    const o = options(opts, 'options')
    const kind = o.kind === undefined ? 'data' : string(o.kind, 'kind')
    const inreplyto = o.inreplyto === undefined ? 0 : integer(o.inreplyto, 'inreplyto')
    await call(() => this.#native.append(processid, channel, sequence, bytes, kind, inreplyto))
  }

  async readChannel(processid, channel, opts) {
    string(processid, 'processid')
    string(channel, 'channel')
    const o = options(opts, 'options')
    const after = o.after === undefined ? 0 : integer(o.after, 'after')
    const limit = o.limit === undefined ? 0 : integer(o.limit, 'limit')
    return call(() => this.#native.readChannel(processid, channel, after, limit))
  }

  subscribeChannel(processid, channel, opts) {
    string(processid, 'processid')
    string(channel, 'channel')
    const o = options(opts, 'options')
    const after = o.after === undefined ? 0 : integer(o.after, 'after')
    const idle = optionalNumber(o.idleTimeoutMs, 'idleTimeoutMs')
    const signal = abortSignal(o.signal)
    const sub = wrapSync(() => this.#native.subscribeChannel(processid, channel, after, idle))
    return new ChannelSubscription(sub, signal)
  }

  async channelWriter(processid, channel, opts) {
    string(processid, 'processid')
    string(channel, 'channel')
    const o = options(opts, 'options')
    const first = o.firstSequence === undefined ? 1 : integer(o.firstSequence, 'firstSequence')
    const step = o.step === undefined ? 1 : integer(o.step, 'step')
    const inFlight = o.maxInFlight === undefined ? 16 : integer(o.maxInFlight, 'maxInFlight')
    const nativeWriter = await call(() =>
      this.#native.channelWriter(processid, channel, first, step, inFlight),
    )
    return new ChannelWriter(nativeWriter)
  }

  async acknowledge(processid, syncChannel) {
    string(processid, 'processid')
    string(syncChannel, 'syncChannel')
    await call(() => this.#native.acknowledge(processid, syncChannel))
  }

  async waitForAck(processid, syncChannel, opts) {
    string(processid, 'processid')
    string(syncChannel, 'syncChannel')
    const o = options(opts, 'options')
    const timeoutMs = requiredTimeout(o, 'waitForAck')
    const signal = abortSignal(o.signal)
    await abortable(signal, (token) =>
      this.#native.waitForAck(processid, syncChannel, timeoutMs, token),
    )
  }

  async closeAfterAck(processid, syncChannel, output, opts) {
    string(processid, 'processid')
    string(syncChannel, 'syncChannel')
    const values = jsonArray(output, 'output')
    const o = options(opts, 'options')
    const timeoutMs = requiredTimeout(o, 'closeAfterAck')
    const signal = abortSignal(o.signal)
    await abortable(signal, (token) =>
      this.#native.closeAfterAck(processid, syncChannel, values, timeoutMs, token),
    )
  }
}

/** A fresh random private key (64 hex characters). */
function generateKey() {
  return wrapSync(() => native.generateKey())
}

/** The ID of a private key. */
function keyId(prvkey) {
  string(prvkey, 'prvkey')
  return wrapSync(() => native.keyId(prvkey))
}

module.exports = {
  Client,
  ChannelSubscription,
  ChannelWriter,
  ProcessState,
  ExecutorState,
  generateKey,
  keyId,
  ColonyError: errors.ColonyError,
  InvalidArgumentError: errors.InvalidArgumentError,
  NotFoundError: errors.NotFoundError,
  UnauthorizedError: errors.UnauthorizedError,
  InvalidRequestError: errors.InvalidRequestError,
  ConflictError: errors.ConflictError,
  RateLimitedError: errors.RateLimitedError,
  TimeoutError: errors.TimeoutError,
  ConnectionError: errors.ConnectionError,
  ProtocolError: errors.ProtocolError,
  ServerError: errors.ServerError,
  ProcessClosedError: errors.ProcessClosedError,
}
