// Type-checked by types.test.mjs (tsc --noEmit): colonykit/executor as an ES module user sees it.
import { Client } from 'colonykit'
import { Executor, type Context } from 'colonykit/executor'

const client = Client.fromEnv()
const executor = new Executor(client, 'dev', { concurrency: 2, graceMs: 5000 })
  .function('echo', async (ctx: Context, ...args) => {
    await ctx.channel('progress', { firstSequence: 1 }).send('working')
    await ctx.log(`${ctx.processid} ${ctx.remainingMs ?? 'no deadline'}`)
    ctx.signal.throwIfAborted()
    return args
  })
  .function('sync', async () => 'synced', { sync: 'sync' })
const stop = new AbortController()
await executor.run({ signal: stop.signal })
