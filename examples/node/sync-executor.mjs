// Sync-ack, executor side: streams 5 results on "output"; the framework sends `end` and closes
// the process with output ["synced"] only after the client's acknowledgement on "sync".

import { Executor } from 'colonykit/executor'
import { colony, executor } from './_common.mjs'

await new Executor(executor(), colony().colonyname, { maxProcesses: 1 })
  .function(
    'sync',
    async (ctx) => {
      const output = ctx.channel('output')
      for (let i = 1; i <= 5; i++) await output.send(`result ${i}`)
      console.log(`executor: process ${ctx.processid} waits for the acknowledgement`)
      return 'synced'
    },
    { sync: 'sync', syncTimeoutMs: 30_000 },
  )
  .run()
