'use strict'

/**
 * Executors as a framework (`require('colonykit/executor')`): register functions, run them,
 * stream from them, shut down cleanly.
 *
 * The runtime itself (registration, the assign loop, concurrency, backoff, cancellation
 * checks, deadlines, winding up channel writers, shutdown) is the Rust core's; this module
 * only dispatches to the handlers and maps cancellation to `ctx.signal`. Types and
 * documentation: `executor.d.ts`.
 */

const { Client } = require('../index.js')
const native = require('./native.js')
const { convertError } = require('./errors.js')
const internals = require('./internals.js')

/** The error of processes failed because the executor shut down. */
const SHUTTING_DOWN = 'executor shutting down'

async function call(start) {
  try {
    return await start()
  } catch (error) {
    throw convertError(error)
  }
}

function sync(fn) {
  try {
    return fn()
  } catch (error) {
    throw convertError(error)
  }
}

function toBuffer(payload, name) {
  if (Buffer.isBuffer(payload)) return payload
  if (payload instanceof Uint8Array) return Buffer.from(payload)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  throw new TypeError(`${name} must be a Buffer, Uint8Array or string`)
}

/** The writer of one declared channel of a process; opened on the first send. */
class TaskChannel {
  #native
  #queue = Promise.resolve()

  constructor(nativeChannel) {
    this.#native = nativeChannel
  }

  #enqueue(start) {
    // One native call at a time, so entries are numbered in call order.
    const result = this.#queue.then(() => call(start))
    this.#queue = result.catch(() => {})
    return result
  }

  /** Queues a data entry; resolves to its sequence. */
  send(payload) {
    const bytes = toBuffer(payload, 'payload')
    return this.#enqueue(() => this.#native.send(bytes, null))
  }

  /** Queues a data entry answering the other party's entry `inreplyto`. */
  reply(inreplyto, payload) {
    if (!Number.isSafeInteger(inreplyto)) throw new TypeError('inreplyto must be an integer')
    const bytes = toBuffer(payload, 'payload')
    return this.#enqueue(() => this.#native.send(bytes, inreplyto))
  }
}

/** What a handler gets first: the process, its arguments, channels, log, deadline, signal. */
class Context {
  #task
  #client
  #signal
  #process
  #channels = new Map()

  constructor(task, client, signal) {
    this.#task = task
    this.#client = client
    this.#signal = signal
    this.#process = JSON.parse(task.process)
  }

  get process() {
    return this.#process
  }

  get processid() {
    return this.#process.processid
  }

  get funcname() {
    return this.#process.spec.funcname
  }

  get args() {
    return this.#process.spec.args ?? []
  }

  get kwargs() {
    return this.#process.spec.kwargs ?? {}
  }

  /** A client signing as this executor. */
  get client() {
    return this.#client
  }

  /** Aborted when the process is cancelled, passes its deadline, or the executor stops. */
  get signal() {
    return this.#signal
  }

  /** Milliseconds left until the deadline (maxexectime), or null without one. */
  get remainingMs() {
    return this.#task.remainingMs ?? null
  }

  /** 'cancelled', 'deadline', 'shutdown', or null. */
  get cancelReason() {
    return this.#task.cancelReason ?? null
  }

  /** The writer of a declared channel; the runtime ends it (`end` / `error`) and drains it. */
  channel(name, opts = {}) {
    if (typeof name !== 'string') throw new TypeError('channel name must be a string')
    const firstSequence = opts.firstSequence ?? 1
    const step = opts.step ?? 1
    if (!Number.isSafeInteger(firstSequence) || !Number.isSafeInteger(step)) {
      throw new TypeError('firstSequence and step must be integers')
    }
    const key = `${name}\u0000${firstSequence}\u0000${step}`
    let channel = this.#channels.get(key)
    if (!channel) {
      channel = new TaskChannel(sync(() => this.#task.channel(name, firstSequence, step)))
      this.#channels.set(key, channel)
    }
    return channel
  }

  /** Adds a line to the process log. */
  async log(message) {
    if (typeof message !== 'string') throw new TypeError('message must be a string')
    return call(() => this.#task.log(message))
  }

  toJSON() {
    return { processid: this.processid, funcname: this.funcname }
  }
}

/** A handler's value that is the process's whole output list: `return new Output('a', 2)`. */
class Output {
  constructor(...values) {
    this.values = values
  }
}

/** Throw it to fail the process with exactly these errors (no `Name:` prefix). */
class ProcessFailed extends Error {
  constructor(...errors) {
    super(errors.map(String).join('; '))
    this.name = 'ProcessFailed'
    this.errors = errors.map(String)
  }
}

/** Cancellation as an AbortSignal reason. */
class CancelledError extends Error {
  constructor(reason) {
    super(`the process was stopped: ${reason}`)
    this.name = 'CancelledError'
    this.reason = reason
  }
}

/** An executor built from handlers: `executor.function(name, handler)`, then `run()`. */
class Executor {
  #client
  #colony
  #options
  #graceMs
  #functions = new Map()
  #executor = null

  /**
   * @param {Client} client signs as an executor of `colony`, or holds the colony key (then give
   *   `executorType` to register an executor of its own, removed again when it stops)
   * @param {string} colony
   * @param {object} [opts] executorType, name, location, concurrency (1), pollMs (5000),
   *   checkIntervalMs (1000), graceMs (10000), maxProcesses
   */
  constructor(client, colony, opts = {}) {
    if (!(client instanceof Client)) throw new TypeError('client must be a colonykit Client')
    if (typeof colony !== 'string') throw new TypeError('colony must be a string')
    const { graceMs = 10_000, ...options } = opts
    if (typeof graceMs !== 'number') throw new TypeError('graceMs must be a number')
    this.#client = client
    this.#colony = colony
    this.#options = options
    this.#graceMs = graceMs
  }

  /**
   * Runs `handler(ctx, ...args)` for processes of funcname `name`. Its value closes the
   * process with output `[value]` (`[]` for undefined/null); a throw fails it. With
   * `{ sync: 'channel' }` a successful process is closed only after the other party's
   * acknowledgement on that channel.
   */
  function(name, handler, opts = {}) {
    if (typeof name !== 'string') throw new TypeError('function name must be a string')
    if (typeof handler !== 'function') throw new TypeError('handler must be a function')
    if (this.#functions.has(name)) throw new TypeError(`function ${name} is registered twice`)
    this.#functions.set(name, { handler, sync: opts.sync, syncTimeoutMs: opts.syncTimeoutMs })
    return this
  }

  /** The executor it runs as (once running), or null. */
  get executor() {
    return this.#executor
  }

  /**
   * Registers, then runs processes until `signal` aborts, SIGTERM/SIGINT (with `signals`,
   * default true) or `maxProcesses` were run; then shuts down cleanly.
   */
  async run(opts = {}) {
    const { signal, signals = true } = opts
    const functions = [...this.#functions].map(([name, f]) => ({
      name,
      ...(f.sync === undefined ? {} : { sync: f.sync }),
      ...(f.syncTimeoutMs === undefined ? {} : { syncTimeoutMs: f.syncTimeoutMs }),
    }))
    const nativeClient = internals.client.nativeOf(this.#client)
    const runtime = await call(() =>
      native.NativeExecutorRuntime.start(
        nativeClient,
        this.#colony,
        JSON.stringify(functions),
        JSON.stringify(this.#options),
      ),
    )
    this.#executor = JSON.parse(runtime.executor)
    const client = internals.client.wrap(runtime.client())
    let stopping = false
    const stop = () => {
      stopping = true
      runtime.stop()
    }
    const handled = signals ? ['SIGTERM', 'SIGINT'] : []
    for (const name of handled) process.on(name, stop)
    if (signal) {
      if (signal.aborted) stop()
      else signal.addEventListener('abort', stop, { once: true })
    }
    const running = new Set()
    let failure = null
    try {
      for (;;) {
        let task
        try {
          task = await call(() => runtime.nextTask())
        } catch (error) {
          failure = error
          break
        }
        if (task === null) break
        const job = this.#runTask(task, client).finally(() => running.delete(job))
        running.add(job)
      }
      if (!stopping) await Promise.allSettled([...running])
    } finally {
      for (const name of handled) process.removeListener(name, stop)
      if (signal) signal.removeEventListener('abort', stop)
      try {
        await call(() => runtime.shutdown(this.#graceMs))
      } catch (error) {
        failure ??= error
      }
      await Promise.allSettled([...running])
    }
    if (failure) throw failure
  }

  async #runTask(task, client) {
    const { handler } = this.#functions.get(task.funcname)
    const controller = new AbortController()
    const token = new native.CancelToken()
    const stopped = task.cancelled(token).then(
      (reason) => {
        controller.abort(new CancelledError(reason))
        return reason
      },
      () => null,
    )
    const ctx = new Context(task, client, controller.signal)
    try {
      const work = (async () => handler(ctx, ...ctx.args))()
      // A handler that ignores its signal is not waited for once the process is stopped.
      const abandoned = stopped.then((reason) =>
        reason ? Promise.reject(controller.signal.reason) : new Promise(() => {}),
      )
      const value = await Promise.race([work, abandoned])
      const output = value instanceof Output ? value.values : value === undefined || value === null ? [] : [value]
      await call(() => task.complete(JSON.stringify(output)))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const kind = error instanceof Error ? error.name : typeof error
      const detail = error instanceof Error && error.stack ? error.stack : ''
      try {
        if (error instanceof ProcessFailed) await call(() => task.failErrors(error.errors, detail))
        else await call(() => task.fail(message, kind, detail))
      } catch {
        // Failing is best effort: the core retries while the server is away.
      }
    } finally {
      token.cancel()
    }
  }
}

module.exports = { Executor, Context, TaskChannel, Output, ProcessFailed, CancelledError, SHUTTING_DOWN }
