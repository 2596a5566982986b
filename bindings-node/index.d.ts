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
  /** The node's name in a workflow (what other nodes' `conditions.dependencies` name). */
  nodename?: string
  env?: Record<string, string>
  /** Where the process may run and what it needs (besides `colonyname` and `executortype`). */
  conditions?: SubmitConditions
  /** File system mounts and snapshots (free-form JSON, the server's format). */
  fs?: JsonValue
}

/** The {@link Conditions} a spec may set (all optional). */
export interface SubmitConditions {
  /** Only executors with these names may take the process (default: any). */
  executornames?: string[]
  locationname?: string
  /** In a workflow: the `nodename`s of the parents this node waits for. */
  dependencies?: string[]
  nodes?: number
  processes?: number
  processespernode?: number
  /** Millicores, e.g. `'500m'`. */
  cpu?: string
  /** A size with unit, e.g. `'1Gi'` (the server reads it back in `Mi`). */
  mem?: string
  storage?: string
  gpu?: JsonValue
  walltime?: number
}

/** A node of a {@link WorkflowSpec}: a spec whose colony defaults to the workflow's. */
export interface WorkflowNode extends Omit<SubmitSpec, 'colonyname'> {
  colonyname?: string
  nodename: string
}

/** A workflow to submit: nodes that wait for their `conditions.dependencies`. */
export interface WorkflowSpec {
  colonyname: string
  functionspecs: WorkflowNode[]
}

/**
 * A cron's or a generator's workflow as the server stores it: its nodes are shaped like
 * {@link Process.spec}, with the defaults the client applied (`maxexectime` -1, each node's
 * `conditions.colonyname` filled in from the workflow's).
 */
export interface StoredWorkflow {
  colonyname: string
  functionspecs: FunctionSpec[]
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

/** What the server says about its build and endpoints. */
export interface ServerInfo {
  buildversion: string
  buildtime: string
  /** `{ type, host, port, tls?, insecure? }` per endpoint (free-form JSON). */
  backends: JsonObject[]
}

/** Counts over the server, or over one colony. */
export interface Statistics {
  colonies: number
  executors: number
  activeexecutors: number
  unregisteredexecutors: number
  waitingprocesses: number
  runningprocesses: number
  successfulprocesses: number
  failedprocesses: number
  cancelledprocesses: number
  waitingworkflows: number
  runningworkflows: number
  successfulworkflows: number
  failedworkflows: number
  cancelledworkflows: number
}

/** One server of a cluster. */
export interface ClusterNode {
  name: string
  host: string
  port: number
  peerport: number
  relayport: number
  apiport: number
}

/** The servers of a cluster and its leader. */
export interface Cluster {
  nodes: ClusterNode[]
  leader: ClusterNode
}

/** A function an executor offers, with its statistics (seconds). */
export interface ExecutorFunction {
  functionid: string
  executorname: string
  executortype: string
  colonyname: string
  funcname: string
  description: string
  /** Argument descriptions (free-form JSON). */
  args: JsonValue[]
  counter: number
  minwaittime: number
  maxwaittime: number
  minexectime: number
  maxexectime: number
  avgwaittime: number
  avgexectime: number
  locationname: string
}

/** What {@link Client.addFunction} needs. */
export interface NewFunction {
  executorname: string
  executortype: string
  colonyname: string
  funcname: string
  description?: string
  args?: JsonValue[]
  locationname?: string
}

/** A place where executors run. */
export interface Location {
  locationid: string
  name: string
  colonyname: string
  description: string
  long: number
  lat: number
}

/** What {@link Client.addLocation} needs. */
export interface NewLocation {
  /** A unique ID, e.g. `keyId(generateKey())`. */
  locationid: string
  name: string
  colonyname: string
  description?: string
  long?: number
  lat?: number
}

/** Whether a colony's assignments are paused. */
export interface PauseStatus {
  colonyname: string
  ispaused: boolean
}

/** A submitted workflow. */
export interface ProcessGraph {
  processgraphid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  rootprocessids: string[]
  state: ProcessStateName | 'UNKNOWN'
  submissiontime: string
  starttime: string
  endtime: string
  processids: string[]
  /** UI layout, filled only when the graph is read back. */
  nodes: JsonValue[]
  edges: JsonValue[]
}

/** A log line of a process or an executor. */
export interface Log {
  processid: string
  colonyname: string
  executorname: string
  message: string
  /** Unix nanoseconds as a decimal string (exceeds 2^53): `BigInt(log.timestamp)`. */
  timestamp: string
}

/** Unix nanoseconds: a safe integer, a bigint, or a decimal string. */
export type Nanos = number | bigint | string

/** A key/value attribute of a process. */
export interface Attribute {
  attributeid: string
  /** The process it belongs to. */
  targetid: string
  targetcolonyname: string
  targetprocessgraphid: string
  state: number
  /** 0 IN, 1 OUT, 2 ERR, 3 ENV. */
  attributetype: number
  key: string
  value: string
}

/** What {@link Client.addAttribute} needs. */
export interface NewAttribute {
  /** The process (running, assigned to the caller). */
  targetid: string
  key: string
  value: string
  /** 0 IN (default), 1 OUT, 2 ERR, 3 ENV. */
  attributetype?: number
  targetcolonyname?: string
  targetprocessgraphid?: string
}

/** A workflow run on a schedule. */
export interface Cron {
  cronid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  cronexpression: string
  interval: number
  random: boolean
  nextrun: string
  lastrun: string
  /** The workflow (`null` when the cron has none). */
  workflowspec: StoredWorkflow | null
  prevprocessgraphid: string
  waitforprevprocessgraph: boolean
  checkerperiod: number
}

/** What {@link Client.addCron} needs. */
export interface NewCron {
  colonyname: string
  name: string
  /** Six fields, seconds first (`'0 0 3 * * *'`: 03:00 daily); empty to use `interval`. */
  cronexpression?: string
  /** Seconds between runs; -1 (the default) to use `cronexpression`. The server refuses 0. */
  interval?: number
  random?: boolean
  /** The workflow, or its JSON text (as colonykit or the official CLI writes it). */
  workflowspec: WorkflowSpec | string
  waitforprevprocessgraph?: boolean
  checkerperiod?: number
}

/** A workflow started when enough arguments have been packed. */
export interface Generator {
  generatorid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  /** The workflow (`null` when the generator has none). */
  workflowspec: StoredWorkflow | null
  /** How many packed arguments start a run. */
  trigger: number
  /** Seconds after which fewer arguments start a run too. */
  timeout: number
  firstpack: string
  lastrun: string
  queuesize: number
  checkerperiod: number
}

/** What {@link Client.addGenerator} needs. */
export interface NewGenerator {
  colonyname: string
  name: string
  /** The workflow, or its JSON text (as colonykit or the official CLI writes it). */
  workflowspec: WorkflowSpec | string
  trigger: number
  timeout?: number
  checkerperiod?: number
}

/** Name, colony and bookkeeping of a blueprint or definition (camelCase, as on the wire). */
export interface BlueprintMetadata {
  name: string
  colonyname: string
  locationname: string
  labels: JsonObject
  annotations: JsonObject
  generation: number
  createdAt: string
  updatedAt: string
  lastReconciliationProcess: string
  lastReconciliationTime: string
}

/** The metadata a new blueprint or definition needs. */
export interface NewBlueprintMetadata {
  name: string
  colonyname: string
  locationname?: string
  labels?: JsonObject
  annotations?: JsonObject
}

/** Declares a kind of blueprint: its schema and the executor type that reconciles it. */
export interface BlueprintDefinition {
  blueprintdefinitionid: string
  kind: string
  metadata: BlueprintMetadata
  /** `{ group, version, names, scope, schema?, handler: { executorType, functionName } }`. */
  spec: JsonValue
}

/** What {@link Client.addBlueprintDefinition} needs. */
export interface NewBlueprintDefinition {
  kind: string
  metadata: NewBlueprintMetadata
  spec: JsonValue
}

/** A declarative resource of a defined kind. */
export interface Blueprint {
  blueprintid: string
  kind: string
  metadata: BlueprintMetadata
  spec: JsonValue
  /** As its reconciler last reported it (`null`: never). */
  status: JsonValue
}

/** What {@link Client.addBlueprint} needs (and {@link Client.updateBlueprint}: a read blueprint, changed). */
export interface NewBlueprint {
  kind: string
  metadata: NewBlueprintMetadata
  spec: JsonValue
  blueprintid?: string
  status?: JsonValue
}

/** One change of a blueprint. */
export interface BlueprintHistory {
  historyid: string
  blueprintid: string
  kind: string
  namespace: string
  name: string
  generation: number
  spec: JsonValue
  status: JsonValue
  timestamp: string
  changedby: string
  changetype: string
}

/** File metadata (the data itself lives in S3). */
export interface ColonyFile {
  fileid: string
  colonyname: string
  label: string
  name: string
  size: number
  sequencenr: number
  checksum: string
  checksumalg: string
  /** `{ protocol, s3object: { ... } }` (free-form JSON). */
  ref: JsonValue
  added: string
}

/** What {@link Client.addFile} needs. */
export interface NewFile {
  colonyname: string
  label: string
  name: string
  size: number
  checksum: string
  checksumalg: string
  ref: JsonValue
  sequencenr?: number
}

/** The latest revision of a file under a label. */
export interface FileData {
  name: string
  checksum: string
  size: number
  s3filename: string
}

/** A file label and how many files it holds. */
export interface FileLabel {
  name: string
  files: number
}

/** The files of a label, frozen. */
export interface Snapshot {
  snapshotid: string
  colonyname: string
  label: string
  name: string
  fileids: string[]
  added: string
}

/** A payload: a Buffer or Uint8Array as it is, a string as UTF-8. */
export type Payload = Buffer | Uint8Array | string

// --- Options -----------------------------------------------------------------------------------

/** How to reach the server and whom to sign as. */
export interface ClientOptions {
  /**
   * `http://host:port` or `https://host:port`, or the nodes of a cluster as a list of such
   * addresses (written alike by every client of the cluster); a malformed address throws
   * {@link InvalidArgumentError}.
   */
  server: string | string[]
  /** The private key to sign with (64 hex characters). Without it only unsigned calls work. */
  prvkey?: string
  /** The longest an ordinary call may take, in milliseconds (default 30 000). */
  timeoutMs?: number
  /**
   * The most ordinary calls in flight at once (default 32); more wait their turn, within their
   * timeout. The server deadlocks near 100 calls that read processes at once.
   */
  maxInFlight?: number
  /** A PEM file of CA certificates to trust besides the system's store and the web roots. */
  caFile?: string
  /** The same as PEM text. */
  caPem?: string
  /** A PEM client certificate, for a server (or its TLS front) that asks for one (with `clientKey`). */
  clientCert?: string
  /** The PEM private key of `clientCert`. */
  clientKey?: string
  /** DANGEROUS: accepts any server certificate (test servers only; prints a warning). */
  dangerSkipTlsVerify?: boolean
}

/** The TLS options of {@link Client.fromEnv} (as in {@link ClientOptions}). */
export type TlsOptions = Pick<ClientOptions, 'caFile' | 'caPem' | 'clientCert' | 'clientKey' | 'dangerSkipTlsVerify'>

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
  /**
   * End with a {@link ConnectionError} when the server cannot be reached again for this long
   * (default: keep trying while the stream is open; a stream that never connected gives up
   * after the client's timeout).
   */
  reconnectDeadlineMs?: number
  /** Closes the subscription; the pending or next `next()` rejects with `signal.reason`. */
  signal?: AbortSignal
}

// --- Subscriptions -----------------------------------------------------------------------------

/**
 * A stream from the server, used with `for await`: {@link ChannelSubscription} (channel
 * entries) and {@link ProcessSubscription} (process events, assignments).
 *
 * Leaving the loop (`break`, `return()`, an exception), {@link close} or the `AbortSignal` ends
 * it at once, also while a `next()` is pending (its socket or poll is dropped). A failure is
 * thrown once by `next()`, then the stream is done. Nothing it holds keeps Node running once it
 * is closed; a pending `next()` does, like any pending promise.
 */
export declare class Subscription<T> implements AsyncIterableIterator<T> {
  protected constructor()
  [Symbol.asyncIterator](): this
  /** The next item; `done` once the stream has ended or was closed. */
  next(): Promise<IteratorResult<T, undefined>>
  /** Closes the subscription (what `break` calls). */
  return(value?: undefined): Promise<IteratorResult<T, undefined>>
  /** Closes the subscription and rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<T, undefined>>
  /** Closes the subscription now. */
  close(): void
  /** Whether the subscription has ended or was closed. */
  readonly closed: boolean
  /** Closes the subscription (`await using`). */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * A channel subscription.
 *
 * Entries come in log order (backlog, then live), none twice, none skipped. It ends after an
 * `end` or `error` entry (which is yielded), when closed, with a {@link TimeoutError} after
 * `idleTimeoutMs`, with a {@link ProcessClosedError} when the process is closed while
 * subscribed, or with a {@link ConnectionError} when the server cannot be reached again.
 */
export declare class ChannelSubscription extends Subscription<ChannelEntry> {
  private constructor()
}

/** Processes as they come ({@link Client.subscribeProcesses}, {@link Client.assignments}). */
export declare class ProcessSubscription extends Subscription<Process> {
  private constructor()
}

/** Options of {@link Client.subscribeProcesses}. */
export interface ProcessSubscribeOptions {
  /** Closes the subscription; the pending or next `next()` rejects with `signal.reason`. */
  signal?: AbortSignal
}

/** Options of {@link Client.assignments}. */
export interface AssignmentsOptions {
  /** How long one poll waits for work, in milliseconds (rounded up to whole seconds). */
  pollMs?: number
  /** The same in seconds (default 10); `pollMs` wins when both are given. */
  pollSeconds?: number
  /** Ends the loop; the pending or next `next()` rejects with `signal.reason`. */
  signal?: AbortSignal
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
  /**
   * How long the writer keeps trying to reach the server again after losing it, sending again
   * what was not acknowledged (default: the client's timeout); then it fails with the
   * {@link ColonyError.writeProgress} of what was and was not accepted.
   */
  reconnectDeadlineMs?: number
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
   * `COLONIES_SERVER_PORT` (default 50080) or, for a cluster, `COLONIES_SERVERS`
   * (`host:port,host:port,...`; it wins), `COLONIES_TLS` (`true`/`false`; pycolonies'
   * `COLONIES_SERVER_TLS` when unset), `COLONIES_CA_FILE` and `COLONIES_PRVKEY` (optional).
   */
  static fromEnv(options?: TlsOptions): Client

  /** A client that signs with `prvkey` and shares this client's connection pool. */
  withKey(prvkey: string): Client

  /** The ID of the key this client signs with, or `null` without one. */
  readonly id: string | null

  /** The address of the (first) server's RPC endpoint. */
  readonly server: string

  /** The addresses of the RPC endpoints of every server, in the order they were given. */
  readonly servers: string[]

  /** `{ server, id }`: never the key. */
  toJSON(): { server: string; id: string | null }

  /** Adds a user to a colony (signed by the colony key). */
  addUser(user: NewUser): Promise<User>

  /** Registers an executor (signed by the colony key); it starts `PENDING`. */
  addExecutor(executor: NewExecutor): Promise<Executor>

  /**
   * Waits up to `timeoutMs` (rounded up to whole seconds) for a process to run and takes it;
   * `null` when none came in time. Only executors can assign.
   */
  assign(colonyname: string, options: WaitOptions): Promise<Process | null>
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

  /** Executor side: waits for the other party's acknowledgement on `syncChannel`. */
  waitForAck(processid: string, syncChannel: string, options: WaitOptions): Promise<void>
  /** Executor side: waits for the acknowledgement, then closes the process with `output`. */
  closeAfterAck(
    processid: string,
    syncChannel: string,
    output: JsonValue[],
    options: WaitOptions,
  ): Promise<void>

  // --- Process streams ---

  /**
   * Processes of `executortype` as they reach `state` (e.g. new waiting ones), for watching.
   * Only a registered executor may subscribe (others: {@link UnauthorizedError} from `next()`).
   * The server wakes one listener per event among these and assign polls: take work with
   * {@link assignments}.
   */
  subscribeProcesses(executortype: string, state: ProcessStateLike, options?: ProcessSubscribeOptions): ProcessSubscription
  /**
   * The executor's loop: the processes assigned to it, one by one (`for await`). No work is
   * waiting, not an end; a lost connection is retried a few times; any other error is thrown by
   * `next()` and ends the loop. `break`, `return()` and the signal end it at once, also mid-poll.
   */
  assignments(colonyname: string, options?: AssignmentsOptions): ProcessSubscription

  // --- Generated from the core's table of operations: do not edit (see ARCHITECTURE.md) ---
  /** The server's build version (works without a key). */
  serverVersion(): Promise<ServerVersion>
  /** The server's build and endpoints (works without a key). */
  serverInfo(): Promise<ServerInfo>
  /** Counts over the whole server (signed by the server key). */
  getStatistics(): Promise<Statistics>
  /** The servers of the cluster and its leader (signed by the server key). */
  getCluster(): Promise<Cluster>
  /** Gives the server to the key with ID `serverid` (signed by the server key). */
  changeServerId(serverid: string): Promise<void>
  /** Adds a colony owned by the key with ID `colonyid` (signed by the server key). */
  addColony(colonyid: string, name: string): Promise<Colony>
  /** Removes a colony (signed by the server key). */
  removeColony(colonyname: string): Promise<void>
  /** A colony, by name (signed by a member). */
  getColony(colonyname: string): Promise<Colony>
  /** Every colony (signed by the server key). */
  getColonies(): Promise<Colony[]>
  /** Counts of a colony's executors, processes and workflows (signed by a member). */
  getColonyStatistics(colonyname: string): Promise<Statistics>
  /** Gives a colony to the key with ID `colonyid` (signed by the colony key). */
  changeColonyId(colonyname: string, colonyid: string): Promise<void>
  /** The users of a colony. */
  getUsers(colonyname: string): Promise<User[]>
  /** A user, by colony and name. */
  getUser(colonyname: string, name: string): Promise<User>
  /** A user, by colony and key ID. */
  getUserById(colonyname: string, userid: string): Promise<User>
  /** Removes a user (signed by the colony key). */
  removeUser(colonyname: string, name: string): Promise<void>
  /** Moves the calling user to the key with ID `userid` (signed by the user). */
  changeUserId(colonyname: string, userid: string): Promise<void>
  /** An executor, by colony and name. */
  getExecutor(colonyname: string, executorname: string): Promise<Executor>
  /** An executor, by colony and key ID. */
  getExecutorById(colonyname: string, executorid: string): Promise<Executor>
  /** The executors of a colony. */
  getExecutors(colonyname: string): Promise<Executor[]>
  /** Approves a pending executor (signed by the colony key). */
  approveExecutor(colonyname: string, executorname: string): Promise<void>
  /** Rejects an executor (signed by the colony key). */
  rejectExecutor(colonyname: string, executorname: string): Promise<void>
  /** Unregisters an executor (signed by the colony key). */
  removeExecutor(colonyname: string, executorname: string): Promise<void>
  /** Reports the calling executor's resource allocations (free-form JSON). */
  reportAllocations(colonyname: string, executorname: string, allocations: JsonValue): Promise<void>
  /** Updates the calling executor's capabilities (free-form JSON). */
  updateExecutor(colonyname: string, executorname: string, capabilities: JsonValue): Promise<void>
  /** Moves the calling executor to the key with ID `executorid` (signed by the executor). */
  changeExecutorId(colonyname: string, executorid: string): Promise<void>
  /** Registers a function of the calling executor; the server fills in its ID. */
  addFunction(func: NewFunction): Promise<ExecutorFunction>
  /** The functions of one executor, or of the whole colony when `executorname` is "". */
  getFunctions(colonyname: string, executorname?: string): Promise<ExecutorFunction[]>
  /** Removes a function of the calling executor. */
  removeFunction(functionid: string): Promise<void>
  /** Adds a location (signed by the colony key). */
  addLocation(location: NewLocation): Promise<Location>
  /** The locations of a colony. */
  getLocations(colonyname: string): Promise<Location[]>
  /** A location, by colony and name. */
  getLocation(colonyname: string, name: string): Promise<Location>
  /** Removes a location (signed by the colony key). */
  removeLocation(colonyname: string, name: string): Promise<void>
  /** Submits a function spec; the process starts WAITING. */
  submit(spec: SubmitSpec): Promise<Process>
  /** A process, by ID. */
  getProcess(processid: string): Promise<Process>
  /** Up to `count` (at most 100, default 100) processes of a colony in `state`, oldest first. */
  getProcesses(colonyname: string, state: ProcessStateLike, count?: number): Promise<Process[]>
  /** Removes a process that is not running. */
  removeProcess(processid: string): Promise<void>
  /** Sets the output (a list of JSON values) of a running process (by its executor). */
  setOutput(processid: string, output: JsonValue[]): Promise<void>
  /** Closes a process as successful, with `output` (by its executor). Deletes its channels. */
  close(processid: string, output?: JsonValue[]): Promise<void>
  /** Closes a process as failed, with `errors` (by its executor). Deletes its channels. */
  fail(processid: string, errors?: string[] | string): Promise<void>
  /** Cancels a process (server v1.9.12 or later). Deletes its channels. */
  cancel(processid: string): Promise<void>
  /**
   * Processes of a colony in `state` that ended within the last `seconds`; only those of one
   * executor if `executorid` is given.
   */
  getProcessHistory(colonyname: string, state: ProcessStateLike, seconds: number, executorid?: string): Promise<Process[]>
  /**
   * Removes every process of a colony in `state`, or in any state but RUNNING without one (signed
   * by the colony key).
   */
  removeAllProcesses(colonyname: string, state?: ProcessStateLike): Promise<void>
  /** Pauses the assignment of a colony's processes (signed by the colony key). */
  pauseAssignments(colonyname: string): Promise<void>
  /** Resumes the assignment of a colony's processes (signed by the colony key). */
  resumeAssignments(colonyname: string): Promise<void>
  /** Whether a colony's assignments are paused. */
  getPauseStatus(colonyname: string): Promise<PauseStatus>
  /** Submits a workflow (a graph of processes); returns its process graph. */
  submitWorkflow(workflow: WorkflowSpec): Promise<ProcessGraph>
  /** A workflow, by ID. */
  getProcessGraph(processgraphid: string): Promise<ProcessGraph>
  /** Up to `count` (at most 100, default 100) workflows of a colony in `state`. */
  getProcessGraphs(colonyname: string, state: ProcessStateLike, count?: number): Promise<ProcessGraph[]>
  /** Removes a workflow that is not running, with its processes. */
  removeProcessGraph(processgraphid: string): Promise<void>
  /**
   * Removes every workflow of a colony in `state`, or in any state but RUNNING without one (signed
   * by the colony key).
   */
  removeAllProcessGraphs(colonyname: string, state?: ProcessStateLike): Promise<void>
  /**
   * Adds a process to a running workflow as a child of `parentprocessid` (assigned to the caller);
   * with `insert`, between the parent and its children.
   */
  addChild(processgraphid: string, parentprocessid: string, spec: SubmitSpec, insert?: boolean): Promise<Process>
  /** Cancels every waiting or running process of a workflow. */
  cancelProcessGraph(processgraphid: string): Promise<void>
  /** Adds a log line to a running process (by its executor). */
  addLog(processid: string, message: string): Promise<void>
  /** Adds a log line of the calling executor. */
  addExecutorLog(colonyname: string, executorname: string, message: string): Promise<void>
  /**
   * Up to `count` (1..500, default 100) log lines of a process newer than `since` (Unix
   * nanoseconds, default 0).
   */
  getLogs(colonyname: string, processid: string, count?: number, since?: Nanos): Promise<Log[]>
  /**
   * Up to `count` (1..500, default 100) log lines of an executor newer than `since` (Unix
   * nanoseconds, default 0).
   */
  getExecutorLogs(colonyname: string, executorname: string, count?: number, since?: Nanos): Promise<Log[]>
  /**
   * Up to `count` (default 100) log lines of the last `days` (default 1) days that contain `text`.
   */
  searchLogs(colonyname: string, text: string, days?: number, count?: number): Promise<Log[]>
  /** Adds an attribute to a running process (by its executor). */
  addAttribute(attribute: NewAttribute): Promise<Attribute>
  /** An attribute, by ID. */
  getAttribute(attributeid: string): Promise<Attribute>
  /** Adds a cron; the server fills in its ID and initiator. */
  addCron(cron: NewCron): Promise<Cron>
  /** A cron, by ID. */
  getCron(cronid: string): Promise<Cron>
  /** Up to `count` (default 100) crons of a colony. */
  getCrons(colonyname: string, count?: number): Promise<Cron[]>
  /** Runs a cron now. */
  runCron(cronid: string): Promise<Cron>
  /** Removes a cron. */
  removeCron(cronid: string): Promise<void>
  /** Adds a generator; the server fills in its ID and initiator. */
  addGenerator(generator: NewGenerator): Promise<Generator>
  /** A generator, by ID. */
  getGenerator(generatorid: string): Promise<Generator>
  /** A generator, by colony and name. */
  resolveGenerator(colonyname: string, generatorname: string): Promise<Generator>
  /** Up to `count` (default 100) generators of a colony. */
  getGenerators(colonyname: string, count?: number): Promise<Generator[]>
  /** Queues an argument for a generator's next run. */
  packGenerator(generatorid: string, arg: string): Promise<void>
  /** Removes a generator. */
  removeGenerator(generatorid: string): Promise<void>
  /** Adds a blueprint definition (signed by the colony key). */
  addBlueprintDefinition(definition: NewBlueprintDefinition): Promise<BlueprintDefinition>
  /** A blueprint definition, by colony and name. */
  getBlueprintDefinition(colonyname: string, name: string): Promise<BlueprintDefinition>
  /** The blueprint definitions of a colony. */
  getBlueprintDefinitions(colonyname: string): Promise<BlueprintDefinition[]>
  /** Removes a blueprint definition that no blueprint uses (signed by the colony key). */
  removeBlueprintDefinition(colonyname: string, name: string): Promise<void>
  /** Adds a blueprint of a defined kind. */
  addBlueprint(blueprint: NewBlueprint): Promise<Blueprint>
  /** A blueprint, by colony and name. */
  getBlueprint(colonyname: string, name: string): Promise<Blueprint>
  /** The blueprints of a colony, of one `kind` and at one location ("" or left out: all). */
  getBlueprints(colonyname: string, kind?: string, locationname?: string): Promise<Blueprint[]>
  /** Updates a blueprint; `forceGeneration` bumps its generation even if unchanged. */
  updateBlueprint(blueprint: NewBlueprint, forceGeneration?: boolean): Promise<Blueprint>
  /** Removes a blueprint. */
  removeBlueprint(colonyname: string, name: string): Promise<void>
  /** The last `limit` changes of a blueprint (0, the default: all). */
  getBlueprintHistory(blueprintid: string, limit?: number): Promise<BlueprintHistory[]>
  /** Sets a blueprint's status (free-form JSON), as its reconciler sees it. */
  updateBlueprintStatus(colonyname: string, name: string, status: JsonValue): Promise<void>
  /** Submits a reconcile process for a blueprint to its definition's handler. */
  reconcileBlueprint(colonyname: string, name: string, force?: boolean): Promise<Process>
  /** Adds a file's metadata; the server fills in its ID. */
  addFile(file: NewFile): Promise<ColonyFile>
  /** A file's revisions, by ID. */
  getFile(colonyname: string, fileid: string): Promise<ColonyFile[]>
  /** A file's revisions, by label and name; with `latest`, only the newest one. */
  getFileByName(colonyname: string, label: string, name: string, latest?: boolean): Promise<ColonyFile[]>
  /** The latest revision of each file under a label. */
  getFiles(colonyname: string, label: string): Promise<FileData[]>
  /** The file labels of a colony that start with `name` (or equal it, with `exact`). */
  getFileLabels(colonyname: string, name?: string, exact?: boolean): Promise<FileLabel[]>
  /** Removes a file's metadata, by ID. */
  removeFile(colonyname: string, fileid: string): Promise<void>
  /** Freezes the files under a label as a named snapshot. */
  createSnapshot(colonyname: string, label: string, name: string): Promise<Snapshot>
  /** A snapshot, by name. */
  getSnapshot(colonyname: string, name: string): Promise<Snapshot>
  /** The snapshots of a colony. */
  getSnapshots(colonyname: string): Promise<Snapshot[]>
  /** Removes a snapshot, by name. */
  removeSnapshot(colonyname: string, name: string): Promise<void>
  /** Removes every snapshot of a colony. */
  removeAllSnapshots(colonyname: string): Promise<void>
  /** Client side: acknowledges on `syncChannel` that everything has arrived. */
  acknowledge(processid: string, syncChannel: string): Promise<void>
  // --- End of the generated operations ---
}

/** The package's version (the same as the Rust crate's and the Python package's). */
export declare const version: string

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
  | 'Tls'
  | 'OutcomeUnknown'
  | 'ChannelLost'
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
  /** For a channel writer that gave up: which of its entries the server accepted. */
  readonly writeProgress: WriteProgress | undefined
}

/**
 * What a channel writer that gave up had written: the server accepted every sequence the writer
 * was given except those in `notAccepted` (sent but not acknowledged, or never sent).
 */
export interface WriteProgress {
  /** How many entries the server accepted. */
  readonly accepted: number
  /** The sequences not accepted, in the writer's order. */
  readonly notAccepted: readonly number[]
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
/**
 * TLS failed: the server's certificate is not trusted (unknown issuer, wrong name, expired),
 * the server and the address disagree on TLS, or a CA or client certificate could not be used.
 */
export declare class TlsError extends ColonyError {
  readonly code: 'Tls'
}
/**
 * A call that changes something got no answer: its cluster node went away after the request
 * went out, so it may or may not have been carried out. It was not sent again (that could do it
 * twice): check (e.g. look for the submitted process), then decide.
 */
export declare class OutcomeUnknownError extends ColonyError {
  readonly code: 'OutcomeUnknown'
}
/**
 * The cluster node that held a process's channels cannot be reached. A ColonyOS cluster keeps
 * channel logs in each node's memory and does not copy them to other nodes, so the channel's
 * entries are gone with that node.
 */
export declare class ChannelLostError extends ColonyError {
  readonly code: 'ChannelLost'
}
