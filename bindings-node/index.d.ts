/**
 * colonykit: a ColonyOS client for Node.
 *
 * One {@link Client} signs every request with its private key; every operation is a Promise
 * method, channel subscriptions are async iterables (`for await`). Errors are
 * {@link ColonyError} subclasses with a `code` (the same kind names in Rust, Python and Node).
 *
 * ```js
 * const { Client } = require('colonykit')
 * const client = new Client({ server: 'http://localhost:50080', prvkey })
 * const process = await client.submit({ funcname: 'task', executortype: 'cli', colonyname: 'dev', channels: ['progress'] })
 * for await (const entry of client.subscribeChannel(process.processid, 'progress')) {
 *   console.log(entry.sequence, entry.payload.toString())
 * }
 * ```
 *
 * @packageDocumentation
 */

/// <reference types="node" />

// --- Values ------------------------------------------------------------------------------------

/** A JSON value: process arguments, outputs and attributes pass through as these. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/** The name of a process state, as {@link Process.state} reports it. */
export type ProcessStateName = 'WAITING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED'

/**
 * A process state as an argument: its name in any case (`'running'`, `'RUNNING'`), e.g. from
 * {@link ProcessState}. An unknown name rejects with {@link InvalidArgumentError}.
 */
export type ProcessStateLike = ProcessStateName | Lowercase<ProcessStateName> | (string & {})

/** Process state names. */
export declare const ProcessState: Readonly<{
  WAITING: 'WAITING'
  RUNNING: 'RUNNING'
  SUCCESS: 'SUCCESS'
  FAILED: 'FAILED'
  CANCELLED: 'CANCELLED'
}>

/** The name of an executor state, as {@link Executor.state} reports it. */
export type ExecutorStateName = 'PENDING' | 'APPROVED' | 'REJECTED' | 'UNREGISTERED'

/** Executor state names. */
export declare const ExecutorState: Readonly<{
  PENDING: 'PENDING'
  APPROVED: 'APPROVED'
  REJECTED: 'REJECTED'
  UNREGISTERED: 'UNREGISTERED'
}>

/** The type of a channel entry: `end` and `error` end a subscription; any other text is kept. */
export type EntryKind = 'data' | 'end' | 'error' | (string & {})

/** The server's build. */
export interface ServerVersion {
  buildversion: string
  buildtime: string
}

/** A colony: a named group of users, executors and processes, owned by the colony key. */
export interface Colony {
  /** The ID of the colony's key. */
  colonyid: string
  name: string
}

/** A user of a colony: a member that can submit and read processes. */
export interface User {
  colonyname: string
  /** The ID of the user's key. */
  userid: string
  name: string
  email: string
  phone: string
}

/** What {@link Client.addUser} needs. */
export interface NewUser {
  colonyname: string
  /** The ID of the user's key ({@link keyId}). */
  userid: string
  name: string
  email?: string
  phone?: string
}

/** An executor: a member that is assigned processes and runs them. */
export interface Executor {
  /** The ID of the executor's key. */
  executorid: string
  executortype: string
  /** Unique in its colony. */
  executorname: string
  colonyname: string
  /** `'UNKNOWN'` for a state this version does not know. */
  state: ExecutorStateName | 'UNKNOWN'
  requirefuncreg: boolean
  commissiontime: string
  lastheardfromtime: string
  locationname: string
  /** Hardware and software the executor offers (free-form JSON; `null` when unset). */
  capabilities: JsonValue
  /** Resource allocations per project (free-form JSON; `null` when unset). */
  allocations: JsonValue
}

/** What {@link Client.addExecutor} needs. */
export interface NewExecutor {
  /** The ID of the executor's key ({@link keyId}). */
  executorid: string
  executortype: string
  /** Unique in its colony; must not contain `:`. */
  executorname: string
  colonyname: string
}

/** Where a process may run and what it needs. */
export interface Conditions {
  colonyname: string
  /** Only executors with these names may take the process (empty: any). */
  executornames: string[]
  executortype: string
  locationname: string
  dependencies: string[]
  nodes: number
  processes: number
  processespernode: number
  cpu: string
  mem: string
  storage: string
  gpu: JsonValue
  walltime: number
}

/** A function spec, as the server returns it in {@link Process.spec}. */
export interface FunctionSpec {
  nodename: string
  funcname: string
  args: JsonValue[]
  kwargs: JsonObject
  priority: number
  /** Seconds a process may wait for an executor; -1: no limit. */
  maxwaittime: number
  /** Seconds a process may run once assigned; -1: no limit. */
  maxexectime: number
  maxretries: number
  conditions: Conditions
  label: string
  fs: JsonValue
  env: Record<string, string>
  /** The channels declared with the process. */
  channels: string[]
}

/** What to run: the argument of {@link Client.submit}. */
export interface SubmitSpec {
  funcname: string
  executortype: string
  colonyname: string
  /** Channels to create with the process; only these names can ever be used. */
  channels?: string[]
  args?: JsonValue[]
  kwargs?: JsonObject
  /** Seconds a process may run once assigned; default -1 (no limit). 0 is refused. */
  maxexectime?: number
  /** Seconds a process may wait for an executor; default -1 (no limit). */
  maxwaittime?: number
  /** Retries after an execution timeout; default 0. */
  maxretries?: number
  /** -50000..50000; higher runs first. Default 0. */
  priority?: number
  label?: string
  nodename?: string
  env?: Record<string, string>
}

/** A process: one run of a function spec. */
export interface Process {
  processid: string
  initiatorid: string
  initiatorname: string
  assignedexecutorid: string
  isassigned: boolean
  /** `'UNKNOWN'` for a state this version does not know. */
  state: ProcessStateName | 'UNKNOWN'
  /**
   * The server's priority time in nanoseconds, as a decimal string: it exceeds 2^53, so a
   * `number` would round it. `BigInt(process.prioritytime)` gives the exact value.
   */
  prioritytime: string
  /** RFC 3339 times (year 1 when unset). */
  submissiontime: string
  starttime: string
  endtime: string
  waitdeadline: string
  execdeadline: string
  retries: number
  attributes: JsonValue[]
  spec: FunctionSpec
  waitforparents: boolean
  parents: string[]
  children: string[]
  processgraphid: string
  /** Input (for workflow nodes: the outputs of the parents). */
  input: JsonValue[]
  /** Output, set by the executor. */
  output: JsonValue[]
  /** Errors, set when the process failed. */
  errors: string[]
}

/** One entry of a channel's log. */
export interface ChannelEntry {
  /** Assigned by the sender. */
  sequence: number
  /** The other party's sequence this entry answers (0: none). */
  inreplyto: number
  payload: Buffer
  kind: EntryKind
  /** The ID of the key that appended it. */
  senderid: string
  /** When the server received it (RFC 3339). */
  timestamp: string
}

/** A payload: a Buffer or Uint8Array as it is, a string as UTF-8. */
export type Payload = Buffer | Uint8Array | string

// --- Options -----------------------------------------------------------------------------------

/** How to reach the server and whom to sign as. */
export interface ClientOptions {
  /** `http://host:port` or `https://host:port`; a malformed address throws {@link InvalidArgumentError}. */
  server: string
  /** The private key to sign with (64 hex characters). Without it only unsigned calls work. */
  prvkey?: string
  /** The longest an ordinary call may take, in milliseconds (default 30 000). */
  timeoutMs?: number
}

/** Options of a call that waits. */
export interface WaitOptions {
  /** How long to wait, in milliseconds (required). */
  timeoutMs: number
  /** Aborts the wait: the promise rejects with `signal.reason` and the native wait ends at once. */
  signal?: AbortSignal
}

/** Options of {@link Client.append}. */
export interface AppendOptions {
  /** The entry's type (default `'data'`). */
  kind?: EntryKind
  /** The other party's sequence this entry answers (default 0: none). */
  inreplyto?: number
}

/** Options of {@link Client.readChannel}. */
export interface ReadOptions {
  /** Skip the first `after` entries of the log (a position, not a sequence; default 0). */
  after?: number
  /** Read at most this many entries (default 0: all). */
  limit?: number
}

/** Options of {@link Client.subscribeChannel}. */
export interface SubscribeOptions {
  /** Skip the first `after` entries of the log (default 0: from the beginning). */
  after?: number
  /** End with a {@link TimeoutError} when no entry arrives for this long (default: no limit). */
  idleTimeoutMs?: number
  /** Closes the subscription; the pending or next `next()` rejects with `signal.reason`. */
  signal?: AbortSignal
}

// --- Subscriptions -----------------------------------------------------------------------------

/**
 * A channel subscription, used with `for await`.
 *
 * Entries come in log order (backlog, then live), none twice, none skipped. It ends after an
 * `end` or `error` entry (which is yielded), when closed (`break`, `return()`, {@link close},
 * the `AbortSignal`: the socket closes at once, also while a `next()` is pending), with a
 * {@link TimeoutError} after `idleTimeoutMs`, with a {@link ProcessClosedError} when the process
 * is closed while subscribed, or with a {@link ConnectionError} when the server cannot be
 * reached again. Nothing it holds keeps Node running once it is closed.
 */
export declare class ChannelSubscription implements AsyncIterableIterator<ChannelEntry> {
  private constructor()
  [Symbol.asyncIterator](): ChannelSubscription
  /** The next entry; `done` once the stream has ended or was closed. */
  next(): Promise<IteratorResult<ChannelEntry, undefined>>
  /** Closes the subscription (what `break` calls). */
  return(value?: undefined): Promise<IteratorResult<ChannelEntry, undefined>>
  /** Closes the subscription and rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<ChannelEntry, undefined>>
  /** Closes the subscription now. */
  close(): void
  /** Whether the subscription has ended or was closed. */
  readonly closed: boolean
  /** Closes the subscription (`await using`). */
  [Symbol.asyncDispose](): Promise<void>
}

// --- Channel writers ---------------------------------------------------------------------------

/** Options of {@link Client.channelWriter}. */
export interface WriterOptions {
  /** The sequence of the first entry (default 1). */
  firstSequence?: number
  /** What is added to the sequence for each next entry (default 1; 2 for odd/even chat numbering). */
  step?: number
  /** The most appends in flight at once (default 16). */
  maxInFlight?: number
}

/** What a {@link ChannelWriter} did. */
export interface WriterStats {
  /** Entries the server accepted. */
  written: number
  /** Appends that were rate-limited and sent again. */
  retried: number
  /** Entries that a later entry overtook (only when the other party appends heavily at once). */
  reordered: number
}

/**
 * Appends entries to one channel in order, several in flight, on its own pipelined connection;
 * it rides out the server's rate limit itself (no {@link RateLimitedError}). It numbers the
 * entries (see {@link WriterOptions}); calls take effect in the order they are made, awaited or
 * not. Made by {@link Client.channelWriter}.
 */
export declare class ChannelWriter {
  private constructor()
  /** Queues a `data` entry; resolves to its sequence once queued (waits only while full). */
  send(payload: Payload): Promise<number>
  /** Queues a `data` entry answering the other party's entry `inreplyto`. */
  reply(inreplyto: number, payload: Payload): Promise<number>
  /** Sends `end` and resolves once every entry is written. The writer is then finished. */
  end(): Promise<WriterStats>
  /** Sends an `error` entry with `message` and resolves once every entry is written. */
  error(message: Payload): Promise<WriterStats>
  /** Resolves once every queued entry is written, without sending `end`. */
  finish(): Promise<WriterStats>
}

// --- Client ------------------------------------------------------------------------------------

/**
 * A ColonyOS client. It signs every request with its private key; {@link withKey} gives a
 * client that signs as someone else and shares the same connections. It never shows its key:
 * `util.inspect` and `JSON.stringify` give only the server and the key's ID.
 *
 * Every method returns a Promise; arguments of the wrong JS type reject with a `TypeError`,
 * bad values with {@link InvalidArgumentError}, and server answers with the matching
 * {@link ColonyError} subclass. A signed call on a client without a key rejects with
 * {@link InvalidArgumentError}.
 */
export declare class Client {
  /** A client of `server`, signing with `prvkey`. Throws on a malformed address or key. */
  constructor(options: ClientOptions)

  /**
   * A client set up from the environment: `COLONIES_SERVER_HOST` (default `localhost`),
   * `COLONIES_SERVER_PORT` (default 50080), `COLONIES_TLS` (`true`/`false`) and
   * `COLONIES_PRVKEY` (optional).
   */
  static fromEnv(): Client

  /** A client that signs with `prvkey` and shares this client's connection pool. */
  withKey(prvkey: string): Client

  /** The ID of the key this client signs with, or `null` without one. */
  readonly id: string | null

  /** The address of the server's RPC endpoint. */
  readonly server: string

  /** `{ server, id }`: never the key. */
  toJSON(): { server: string; id: string | null }

  /** The server's build version (unsigned: works without a key). */
  serverVersion(): Promise<ServerVersion>

  /** Adds a colony owned by the key with ID `colonyid` (signed by the server key). */
  addColony(colonyid: string, name: string): Promise<Colony>
  /** Removes a colony (signed by the server key). */
  removeColony(colonyname: string): Promise<void>
  /** A colony, by name (signed by a member). */
  getColony(colonyname: string): Promise<Colony>
  /** Every colony (signed by the server key). */
  getColonies(): Promise<Colony[]>

  /** Adds a user to a colony (signed by the colony key). */
  addUser(user: NewUser): Promise<User>
  /** The users of a colony. */
  getUsers(colonyname: string): Promise<User[]>
  /** Removes a user (signed by the colony key). */
  removeUser(colonyname: string, name: string): Promise<void>

  /** Registers an executor (signed by the colony key); it starts `PENDING`. */
  addExecutor(executor: NewExecutor): Promise<Executor>
  /** An executor, by colony and name. */
  getExecutor(colonyname: string, executorname: string): Promise<Executor>
  /** The executors of a colony. */
  getExecutors(colonyname: string): Promise<Executor[]>
  /** Approves a pending executor (signed by the colony key). */
  approveExecutor(colonyname: string, executorname: string): Promise<void>
  /** Rejects an executor (signed by the colony key). */
  rejectExecutor(colonyname: string, executorname: string): Promise<void>
  /** Unregisters an executor (signed by the colony key). */
  removeExecutor(colonyname: string, executorname: string): Promise<void>

  /** Submits a function spec; the process starts `WAITING`. */
  submit(spec: SubmitSpec): Promise<Process>
  /**
   * Waits up to `timeoutMs` (rounded up to whole seconds) for a process to run and takes it;
   * `null` when none came in time. Only executors can assign.
   */
  assign(colonyname: string, options: WaitOptions): Promise<Process | null>
  /** A process, by ID. */
  getProcess(processid: string): Promise<Process>
  /** Up to `count` (default and at most 100) processes of a colony in `state`, oldest first. */
  getProcesses(colonyname: string, state: ProcessStateLike, count?: number): Promise<Process[]>
  /** Removes a process that is not running. */
  removeProcess(processid: string): Promise<void>
  /** Sets the output of a running process (by its executor). */
  setOutput(processid: string, output: JsonValue[]): Promise<void>
  /** Closes a process as successful, with `output` (by its executor). Deletes its channels. */
  close(processid: string, output?: JsonValue[]): Promise<void>
  /** Closes a process as failed, with `errors` (by its executor). Deletes its channels. */
  fail(processid: string, errors?: string[] | string): Promise<void>
  /** Cancels a process (server v1.9.12 or later). Deletes its channels. */
  cancel(processid: string): Promise<void>
  /**
   * Resolves to the process once it is in `state`. Rejects with {@link TimeoutError} after
   * `timeoutMs`, and with {@link ProcessClosedError} as soon as the process is closed in
   * another state.
   */
  waitForState(processid: string, state: ProcessStateLike, options: WaitOptions): Promise<Process>

  /**
   * Appends an entry to a channel of a process (by its submitter or its executor). Each party
   * numbers its own entries 1, 2, 3...; a full rate limit rejects with {@link RateLimitedError}.
   */
  append(
    processid: string,
    channel: string,
    sequence: number,
    payload: Payload,
    options?: AppendOptions,
  ): Promise<void>
  /** Reads entries of a channel's log. */
  readChannel(processid: string, channel: string, options?: ReadOptions): Promise<ChannelEntry[]>
  /**
   * Subscribes to a channel: an async iterable of its entries (see {@link ChannelSubscription}).
   * Bad arguments throw at once (`TypeError`, {@link InvalidArgumentError}, e.g. a client
   * without a key); what the server says comes from `next()`. A pending `next()` keeps Node
   * running like any pending promise: close the subscription when you stop reading.
   */
  subscribeChannel(processid: string, channel: string, options?: SubscribeOptions): ChannelSubscription

  /**
   * A writer for `channel`: ordered, pipelined appends that ride out the rate limit (for a
   * stream of many entries; {@link append} sends one).
   */
  channelWriter(processid: string, channel: string, options?: WriterOptions): Promise<ChannelWriter>

  /** Client side of the sync handshake: acknowledges on `syncChannel` that all has arrived. */
  acknowledge(processid: string, syncChannel: string): Promise<void>
  /** Executor side: waits for the other party's acknowledgement on `syncChannel`. */
  waitForAck(processid: string, syncChannel: string, options: WaitOptions): Promise<void>
  /** Executor side: waits for the acknowledgement, then closes the process with `output`. */
  closeAfterAck(
    processid: string,
    syncChannel: string,
    output: JsonValue[],
    options: WaitOptions,
  ): Promise<void>
}

/** A fresh random private key, as 64 hex characters. Keep it secret. */
export declare function generateKey(): string

/** The ID of a private key: the name the server knows its owner by. */
export declare function keyId(prvkey: string): string

// --- Errors ------------------------------------------------------------------------------------

/** The kind of a {@link ColonyError}: the core's error kind names. */
export type ErrorCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'Unauthorized'
  | 'InvalidRequest'
  | 'Conflict'
  | 'RateLimited'
  | 'Timeout'
  | 'Connection'
  | 'Protocol'
  | 'Server'
  | 'ProcessClosed'
  | 'Internal'
  | (string & {})

/** Options of a {@link ColonyError}. */
export interface ColonyErrorOptions {
  code?: ErrorCode
  status?: number
  cause?: unknown
}

/** Every error colonykit raises (besides `TypeError`s for wrong argument types). */
export declare class ColonyError extends Error {
  constructor(message: string, options?: ColonyErrorOptions)
  /** What went wrong: the core's error kind, e.g. `'NotFound'` (`'Internal'`: a bug). */
  readonly code: ErrorCode
  /** The HTTP status the server answered with, when it answered. */
  readonly status: number | undefined
}

/** A bad argument value, caught before anything was sent (bad key, address, timeout...). */
export declare class InvalidArgumentError extends ColonyError {
  readonly code: 'InvalidArgument'
}
/** The object does not exist (HTTP 404). */
export declare class NotFoundError extends ColonyError {
  readonly code: 'NotFound'
}
/** The caller may not do this: bad signature, not a member, not the owner (HTTP 401/403). */
export declare class UnauthorizedError extends ColonyError {
  readonly code: 'Unauthorized'
}
/** The server rejected the request as malformed or invalid (HTTP 400). */
export declare class InvalidRequestError extends ColonyError {
  readonly code: 'InvalidRequest'
}
/** The object already exists or is in use (HTTP 409). */
export declare class ConflictError extends ColonyError {
  readonly code: 'Conflict'
}
/** The server's rate limit was hit; retrying later succeeds. */
export declare class RateLimitedError extends ColonyError {
  readonly code: 'RateLimited'
}
/** A wait ran out of time. */
export declare class TimeoutError extends ColonyError {
  readonly code: 'Timeout'
}
/** The server could not be reached, or the connection was lost. */
export declare class ConnectionError extends ColonyError {
  readonly code: 'Connection'
}
/** The server's answer could not be understood. */
export declare class ProtocolError extends ColonyError {
  readonly code: 'Protocol'
}
/** The server failed (HTTP 5xx). */
export declare class ServerError extends ColonyError {
  readonly code: 'Server'
}
/** The process was closed (successful, failed or cancelled) while it was being waited on. */
export declare class ProcessClosedError extends ColonyError {
  readonly code: 'ProcessClosed'
}
