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

// --- Subscriptions -----------------------------------------------------------------------------

/**
 * A stream from the server as an async iterator (use it in `for await`): channel entries,
 * process events, assignments. Leaving the loop (`break`, `return()`, an exception), `close()`
 * or the `AbortSignal` closes it at once, also while a `next()` is pending.
 */
class Subscription {
  #native
  #signal
  #onAbort
  #convert
  #done = false
  #abortPending = false

  /** @internal */
  constructor(nativeSubscription, signal, convert = (item) => item) {
    this.#native = nativeSubscription
    this.#signal = signal
    this.#convert = convert
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

  /** The next item; `done` once the stream has ended, or was closed. */
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
    return { value: this.#convert(entry), done: false }
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
    return `${this.constructor.name} ${inspectFn({ closed: this.#done }, opts)}`
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  Subscription.prototype[Symbol.asyncDispose] = async function asyncDispose() {
    this.close()
  }
}

/** A channel subscription: its entries in log order, ending after an `end` or `error` entry. */
class ChannelSubscription extends Subscription {}

/** Processes as they come: events of `subscribeProcesses`, or `assignments`. */
class ProcessSubscription extends Subscription {
  /** @internal */
  constructor(nativeSubscription, signal) {
    super(nativeSubscription, signal, JSON.parse)
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

// --- Specs and workflows -----------------------------------------------------------------------
// The inputs users write, turned into the core's wire shape (which the addon reads with serde):
// members left undefined take the core's defaults (maxexectime -1, ...).

function optionalStringArray(value, name) {
  return value === undefined || value === null ? undefined : stringArray(value, name)
}

/** A JSON value (checked by `check`), or undefined. */
function optionalJson(value, name, check = json) {
  if (value === undefined || value === null) return undefined
  check(value, name)
  return value
}

function object(value, name) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badType(name, 'an object', value)
  return value
}

/**
 * A SubmitSpec as the core's FunctionSpec. A workflow node (`node`) may leave out `colonyname`:
 * the core runs it in the workflow's colony.
 */
function functionSpec(spec, name, node = false) {
  const s = options(spec, name)
  const c = options(s.conditions, `${name}.conditions`)
  return {
    nodename: optionalString(s.nodename, `${name}.nodename`),
    funcname: string(s.funcname, `${name}.funcname`),
    args: optionalJson(s.args, `${name}.args`, jsonArray),
    kwargs: optionalJson(s.kwargs, `${name}.kwargs`, jsonObject),
    priority: optionalInteger(s.priority, `${name}.priority`),
    maxwaittime: optionalInteger(s.maxwaittime, `${name}.maxwaittime`),
    maxexectime: optionalInteger(s.maxexectime, `${name}.maxexectime`),
    maxretries: optionalInteger(s.maxretries, `${name}.maxretries`),
    label: optionalString(s.label, `${name}.label`),
    fs: optionalJson(s.fs, `${name}.fs`),
    env: s.env == null ? undefined : stringMap(s.env, `${name}.env`),
    channels: optionalStringArray(s.channels, `${name}.channels`),
    conditions: {
      colonyname: (node ? optionalString : string)(s.colonyname, `${name}.colonyname`),
      executortype: string(s.executortype, `${name}.executortype`),
      executornames: optionalStringArray(c.executornames, `${name}.conditions.executornames`),
      locationname: optionalString(c.locationname, `${name}.conditions.locationname`),
      dependencies: optionalStringArray(c.dependencies, `${name}.conditions.dependencies`),
      nodes: optionalInteger(c.nodes, `${name}.conditions.nodes`),
      processes: optionalInteger(c.processes, `${name}.conditions.processes`),
      processespernode: optionalInteger(c.processespernode, `${name}.conditions.processespernode`),
      cpu: optionalString(c.cpu, `${name}.conditions.cpu`),
      mem: optionalString(c.mem, `${name}.conditions.mem`),
      storage: optionalString(c.storage, `${name}.conditions.storage`),
      gpu: optionalJson(c.gpu, `${name}.conditions.gpu`),
      walltime: optionalInteger(c.walltime, `${name}.conditions.walltime`),
    },
  }
}

/** A WorkflowSpec as the core's. */
function workflowSpec(workflow, name) {
  const w = object(workflow, name)
  const colonyname = string(w.colonyname, `${name}.colonyname`)
  if (!Array.isArray(w.functionspecs)) throw badType(`${name}.functionspecs`, 'an array of specs', w.functionspecs)
  const functionspecs = w.functionspecs.map((s, i) => functionSpec(s, `${name}.functionspecs[${i}]`, true))
  return { colonyname, functionspecs }
}

/** A cron or generator whose workflow's nodes are in the core's shape (JSON text: as it is). */
function withWorkflow(value, name) {
  const o = object(value, name)
  const w = o.workflowspec
  return typeof w === 'string' || w == null ? o : { ...o, workflowspec: workflowSpec(w, `${name}.workflowspec`) }
}

// --- The pass-through methods ------------------------------------------------------------------
// One `Client` method per row of the core's table of operations (`native.operations()`: names,
// argument names in order, their types, which are optional). Each argument is checked for its JS
// type (a TypeError names it) and crosses to the addon as JSON text; one left out (undefined) as
// `null`, and the core's default applies. The addon resolves to JSON text (null for none).

/** JSON text of a safe integer. */
const int = (v, name) => JSON.stringify(integer(v, name))
/** Unix nanoseconds (they exceed 2^53): a safe integer, a bigint or a decimal string. */
const nanos = (v, name) => {
  if (typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v))) return String(v)
  return int(v, name)
}

/** The check and conversion of each type of the core's table. */
const ARGUMENT = {
  String: (v, name) => JSON.stringify(string(v, name)),
  bool: (v, name) => {
    if (typeof v !== 'boolean') throw badType(name, 'a boolean', v)
    return JSON.stringify(v)
  },
  u32: int,
  i64: int,
  UnixNanos: nanos,
  ProcessState: (v, name) => JSON.stringify(string(v, name)),
  'Option<ProcessState>': (v, name) => JSON.stringify(optionalString(v, name) ?? null),
  Value: json,
  'Vec<Value>': jsonArray,
  'Vec<String>': (v, name) => JSON.stringify(typeof v === 'string' ? [v] : stringArray(v, name)),
  FunctionSpec: (v, name) => json(functionSpec(v, name), name),
  WorkflowSpec: (v, name) => json(workflowSpec(v, name), name),
  Cron: (v, name) => json(withWorkflow(v, name), name),
  Generator: (v, name) => json(withWorkflow(v, name), name),
}
/** Any other record: an object, in the core's shape. */
const record = (v, name) => json(object(v, name), name)

function camelCase(snake) {
  return snake.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
}

/** The rows of the core's table, as `[jsName, nativeName, [[argName, convert, optional]]]`. */
const OPERATIONS = JSON.parse(native.operations()).map(({ name, args }) => [
  camelCase(name),
  name,
  args.map((arg) => [camelCase(arg.name), ARGUMENT[arg.type] ?? record, arg.optional]),
])

// --- Client ------------------------------------------------------------------------------------

const INTERNAL = Symbol('colonykit.internal')

/**
 * @typedef {{ caFile?: string, caPem?: string, clientCert?: string, clientKey?: string,
 *   dangerSkipTlsVerify?: boolean }} TlsConfig
 */

/** The TLS options of client options, checked. @param {TlsConfig} config */
function tlsOptions(config) {
  const danger = config.dangerSkipTlsVerify
  if (danger !== undefined && typeof danger !== 'boolean') {
    throw badType('dangerSkipTlsVerify', 'a boolean', danger)
  }
  return {
    caFile: optionalString(config.caFile, 'caFile'),
    caPem: optionalString(config.caPem, 'caPem'),
    clientCert: optionalString(config.clientCert, 'clientCert'),
    clientKey: optionalString(config.clientKey, 'clientKey'),
    dangerSkipTlsVerify: danger,
  }
}

/** A ColonyOS client; see index.d.ts. */
class Client {
  #native

  static {
    require('./lib/internals.js').client = {
      nativeOf: (client) => client.#native,
      wrap: (nativeClient) => Client.#wrap(nativeClient),
    }
  }

  /**
   * @param {{ server: string | string[], prvkey?: string, timeoutMs?: number, maxInFlight?: number } & TlsConfig} config
   */
  constructor(config) {
    if (config === INTERNAL) return
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw badType('Client options', 'an object { server, prvkey?, timeoutMs?, caFile?, ... }', config)
    }
    // One address, or the nodes of a cluster.
    const server = Array.isArray(config.server)
      ? config.server.map((address, i) => string(address, `server[${i}]`))
      : [string(config.server, 'server')]
    const prvkey = optionalString(config.prvkey, 'prvkey')
    const timeoutMs = optionalNumber(config.timeoutMs, 'timeoutMs')
    const maxInFlight = config.maxInFlight === undefined ? undefined : integer(config.maxInFlight, 'maxInFlight')
    const tls = tlsOptions(config)
    this.#native = wrapSync(() => new native.NativeClient(server, prvkey, timeoutMs, maxInFlight, tls))
  }

  static #wrap(nativeClient) {
    const client = new Client(INTERNAL)
    client.#native = nativeClient
    return client
  }

  /**
   * A client from COLONIES_SERVER_HOST and COLONIES_SERVER_PORT (or COLONIES_SERVERS, a
   * cluster's nodes as host:port,host:port,...), COLONIES_TLS (or
   * COLONIES_SERVER_TLS), COLONIES_CA_FILE, COLONIES_PRVKEY; `options` adds TLS options.
   * @param {TlsConfig} [options]
   */
  static fromEnv(options = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw badType('fromEnv options', 'an object { caFile?, caPem?, ... }', options)
    }
    const tls = tlsOptions(options)
    return Client.#wrap(wrapSync(() => native.NativeClient.fromEnv(tls)))
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

  /** The (first) server's RPC endpoint. */
  get server() {
    return this.#native.server
  }

  /** The RPC endpoints of every server (the nodes of a cluster), in the order given. */
  get servers() {
    return this.#native.servers
  }

  toJSON() {
    return { server: this.server, id: this.id }
  }

  [inspect.custom](depth, opts, inspectFn = inspect) {
    return `Client ${inspectFn(this.toJSON(), opts)}`
  }

  // --- The operations that need more than a pass-through (the others: OPERATIONS below) ---

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

  // --- Processes ---

  async assign(colonyname, opts) {
    string(colonyname, 'colonyname')
    const o = options(opts, 'options')
    const timeoutMs = requiredTimeout(o, 'assign')
    const signal = abortSignal(o.signal)
    return parse(await abortable(signal, (token) => this.#native.assign(colonyname, timeoutMs, token)))
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
    const reconnect = optionalNumber(o.reconnectDeadlineMs, 'reconnectDeadlineMs')
    const signal = abortSignal(o.signal)
    const sub = wrapSync(() => this.#native.subscribeChannel(processid, channel, after, idle, reconnect))
    return new ChannelSubscription(sub, signal)
  }

  async channelWriter(processid, channel, opts) {
    string(processid, 'processid')
    string(channel, 'channel')
    const o = options(opts, 'options')
    const first = o.firstSequence === undefined ? 1 : integer(o.firstSequence, 'firstSequence')
    const step = o.step === undefined ? 1 : integer(o.step, 'step')
    const inFlight = o.maxInFlight === undefined ? 16 : integer(o.maxInFlight, 'maxInFlight')
    const reconnect = optionalNumber(o.reconnectDeadlineMs, 'reconnectDeadlineMs')
    const nativeWriter = await call(() =>
      this.#native.channelWriter(processid, channel, first, step, inFlight, reconnect),
    )
    return new ChannelWriter(nativeWriter)
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

  // --- Process streams ---

  subscribeProcesses(executortype, state, opts) {
    string(executortype, 'executortype')
    string(state, 'state')
    const signal = abortSignal(options(opts, 'options').signal)
    const sub = wrapSync(() => this.#native.subscribeProcesses(executortype, state))
    return new ProcessSubscription(sub, signal)
  }

  assignments(colonyname, opts) {
    string(colonyname, 'colonyname')
    const o = options(opts, 'options')
    const pollMs =
      o.pollMs !== undefined ? number(o.pollMs, 'pollMs') : 1000 * (optionalNumber(o.pollSeconds, 'pollSeconds') ?? 10)
    const signal = abortSignal(o.signal)
    const sub = wrapSync(() => this.#native.assignments(colonyname, pollMs))
    return new ProcessSubscription(sub, signal)
  }

  // --- The pass-through methods (OPERATIONS above) ---

  static {
    for (const [method, operation, params] of OPERATIONS) {
      const { [method]: fn } = {
        async [method](...args) {
          const texts = params.map(([name, convert, optional], i) =>
            optional && args[i] === undefined ? 'null' : convert(args[i], name),
          )
          const text = await call(() => this.#native.call(operation, texts))
          return JSON.parse(text) ?? undefined
        },
      }
      Object.defineProperty(Client.prototype, method, { value: fn, writable: true, configurable: true })
    }
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
  Subscription,
  ChannelSubscription,
  ProcessSubscription,
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
  TlsError: errors.TlsError,
  OutcomeUnknownError: errors.OutcomeUnknownError,
  ChannelLostError: errors.ChannelLostError,
  version: require('./package.json').version,
}
