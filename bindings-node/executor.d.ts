/**
 * colonykit/executor: executors as a framework. Register functions, run them, stream from them,
 * shut down cleanly; the runtime is colonykit's Rust core.
 *
 * ```js
 * const { Client } = require('colonykit')
 * const { Executor } = require('colonykit/executor')
 * const executor = new Executor(Client.fromEnv(), 'dev', { concurrency: 4 })
 *   .function('echo', async (ctx, ...args) => {
 *     await ctx.channel('progress').send('working')
 *     return args
 *   })
 * await executor.run() // until SIGTERM / SIGINT
 * ```
 *
 * @packageDocumentation
 */

/// <reference types="node" />

import type { Client, Executor as ExecutorRecord, JsonObject, JsonValue, Process } from './index.js'

/** Why a process's signal aborted. */
export type CancelReason = 'cancelled' | 'deadline' | 'shutdown'

/** The error of processes failed because the executor shut down. */
export declare const SHUTTING_DOWN: 'executor shutting down'

/** The `AbortSignal` reason when a process is stopped. */
export declare class CancelledError extends Error {
  readonly reason: CancelReason
}

/** A handler's value that is the process's whole output list: `return new Output('a', 2)`. */
export declare class Output {
  constructor(...values: JsonValue[])
  readonly values: JsonValue[]
}

/** Throw it to fail the process with exactly these errors (no `Name:` prefix). */
export declare class ProcessFailed extends Error {
  constructor(...errors: string[])
  readonly errors: string[]
}

/** The writer of one declared channel of a process; opened on the first send. */
export declare class TaskChannel {
  /** Queues a data entry; resolves to its sequence. */
  send(payload: Buffer | Uint8Array | string): Promise<number>
  /** Queues a data entry answering the other party's entry `inreplyto`. */
  reply(inreplyto: number, payload: Buffer | Uint8Array | string): Promise<number>
}

/** What a handler gets first. */
export declare class Context {
  readonly process: Process
  readonly processid: string
  readonly funcname: string
  readonly args: JsonValue[]
  readonly kwargs: JsonObject
  /** A client signing as this executor. */
  readonly client: Client
  /** Aborted when the process is cancelled, passes its deadline, or the executor stops. */
  readonly signal: AbortSignal
  /** Milliseconds left until the deadline (`maxexectime`), or null without one. */
  readonly remainingMs: number | null
  readonly cancelReason: CancelReason | null
  /**
   * The writer of a declared channel. The runtime ends it (`end` when the handler returns,
   * `error` when it throws) and waits until every entry is written before closing the process.
   */
  channel(name: string, opts?: { firstSequence?: number; step?: number }): TaskChannel
  /** Adds a line to the process log. */
  log(message: string): Promise<void>
  toJSON(): { processid: string; funcname: string }
}

/**
 * A handler: its value closes the process with output `[value]` (`[]` for undefined/null); a
 * throw fails it with `Name: message` (the stack goes to the process log).
 */
export type Handler = (
  ctx: Context,
  ...args: JsonValue[]
) => Promise<JsonValue | Output | void> | JsonValue | Output | void

export interface ExecutorOptions {
  /** With the colony key: register an executor of this type (removed again when it stops). */
  executorType?: string
  /** The name to register (default: the type and a random suffix). */
  name?: string
  location?: string
  /** The most processes run at once (default 1). */
  concurrency?: number
  /** How long one assign long-poll waits (default 5000). */
  pollMs?: number
  /** How often running processes are checked for cancellation (default 1000). */
  checkIntervalMs?: number
  /** How long running handlers may take to finish at shutdown (default 10000). */
  graceMs?: number
  /** Stop after this many processes. */
  maxProcesses?: number
}

export interface FunctionOptions {
  /** The sync-ack handshake: close successful processes only after an ack on this channel. */
  sync?: string
  syncTimeoutMs?: number
}

/** An executor built from handlers. */
export declare class Executor {
  constructor(client: Client, colony: string, opts?: ExecutorOptions)
  /** Runs `handler` for processes of funcname `name`. */
  function(name: string, handler: Handler, opts?: FunctionOptions): this
  /** The executor it runs as, once running. */
  readonly executor: ExecutorRecord | null
  /**
   * Registers, then runs processes until `signal` aborts, SIGTERM/SIGINT (with `signals`,
   * default true) or `maxProcesses` were run; then shuts down: no new work, running handlers
   * get the grace period, what is left fails with "executor shutting down".
   */
  run(opts?: { signal?: AbortSignal; signals?: boolean }): Promise<void>
}
