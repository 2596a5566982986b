// Type-checked by types.test.mjs (tsc --noEmit): the public surface as an ES module user sees it.
import {
  Client,
  ChannelSubscription,
  ColonyError,
  NotFoundError,
  ProcessState,
  ExecutorState,
  generateKey,
  keyId,
  type ChannelEntry,
  type Process,
  type Executor,
  type JsonValue,
  type SubmitSpec,
  type ProcessGraph,
  type Log,
  type Cron,
  type Blueprint,
  type ProcessSubscription,
  type WorkflowSpec,
  type FunctionSpec,
} from 'colonykit'
import colonykit from 'colonykit'

export async function demo(): Promise<void> {
  const prvkey: string = generateKey()
  const id: string = keyId(prvkey)
  const client = new Client({ server: 'http://localhost:50080', prvkey, timeoutMs: 5000 })
  const other: Client = Client.fromEnv().withKey(prvkey)
  const maybeId: string | null = other.id
  void id
  void maybeId
  void colonykit.Client

  const spec: SubmitSpec = { funcname: 'f', executortype: 'cli', colonyname: 'dev', channels: ['progress'], args: [1, 'a', { b: [null] }], kwargs: { x: true } }
  const process: Process = await client.submit(spec)
  const state: 'WAITING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'UNKNOWN' = process.state
  const big: bigint = BigInt(process.prioritytime)
  const output: JsonValue[] = process.output
  void state
  void big
  void output

  await client.waitForState(process.processid, 'running', { timeoutMs: 30_000 })
  await client.waitForState(process.processid, ProcessState.SUCCESS, { timeoutMs: 30_000, signal: AbortSignal.timeout(1000) })
  const assigned: Process | null = await client.assign('dev', { timeoutMs: 10_000 })
  if (assigned) await client.close(assigned.processid, ['done', 1, { ok: true }])

  const subscription: ChannelSubscription = client.subscribeChannel(process.processid, 'progress', { after: 0, idleTimeoutMs: 1000 })
  for await (const entry of subscription) {
    const e: ChannelEntry = entry
    const text: string = e.payload.toString('utf8')
    const n: number = e.sequence + e.inreplyto
    void text
    void n
    if (e.kind === 'end') break
  }
  subscription.close()
  const closed: boolean = subscription.closed

  await client.append(process.processid, 'progress', 1, 'text')
  await client.append(process.processid, 'progress', 2, Buffer.from('bytes'), { kind: 'end', inreplyto: 1 })
  await client.append(process.processid, 'progress', 3, new Uint8Array([1, 2]))
  // @ts-expect-error a number is not a payload
  await client.append(process.processid, 'progress', 4, 42)
  // @ts-expect-error timeoutMs is required
  await client.waitForState(process.processid, 'running', {})

  const executors: Executor[] = await client.getExecutors('dev')
  const approved: boolean = executors.some((e) => e.state === ExecutorState.APPROVED)
  void approved
  void closed

  // Workflows, logs, crons, blueprints, process streams.
  const workflow: WorkflowSpec = {
    colonyname: 'dev',
    functionspecs: [
      { nodename: 'a', funcname: 'a', executortype: 'cli' },
      { nodename: 'b', funcname: 'b', executortype: 'cli', conditions: { dependencies: ['a'], cpu: '500m', mem: '1Gi' } },
    ],
  }
  const graph: ProcessGraph = await client.submitWorkflow(workflow)
  const graphState: 'WAITING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'UNKNOWN' = graph.state
  const logs: Log[] = await client.getLogs('dev', process.processid, 100, 0n)
  const newest: bigint = BigInt(logs[0]?.timestamp ?? '0')
  await client.getLogs('dev', process.processid, 100, '1700000000000000000')
  const cron: Cron = await client.addCron({ colonyname: 'dev', name: 'n', cronexpression: '0 0 3 * * *', workflowspec: workflow })
  const nodes: FunctionSpec[] = cron.workflowspec?.functionspecs ?? []
  const maxexectime: number | undefined = nodes[0]?.maxexectime
  // @ts-expect-error the workflow may be missing
  const colonyOfWorkflow: string = cron.workflowspec.colonyname
  const blueprint: Blueprint = await client.getBlueprint('dev', 'desk')
  await client.updateBlueprint({ ...blueprint, spec: { on: false } }, true)
  await client.removeAllProcesses('dev')
  // @ts-expect-error a spec needs a funcname
  await client.addChild(graph.processgraphid, process.processid, { executortype: 'cli', colonyname: 'dev' })
  void graphState
  void newest
  void maxexectime
  void colonyOfWorkflow

  const events: ProcessSubscription = client.subscribeProcesses('cli', ProcessState.WAITING, { signal: AbortSignal.timeout(1000) })
  for await (const event of events) {
    const p: Process = event
    void p
    break
  }
  for await (const job of client.assignments('dev', { pollSeconds: 5 })) {
    await client.close(job.processid, [job.spec.funcname])
  }

  try {
    await client.getProcess('nope')
  } catch (error) {
    if (error instanceof NotFoundError) {
      const code: 'NotFound' = error.code
      const status: number | undefined = error.status
      void code
      void status
    } else if (error instanceof ColonyError) {
      const code: string = error.code
      void code
    }
  }
}
