// Stream progress, executor side: runs one "progress" process, reporting each step on its
// "progress" channel (entries 1..10); the framework then sends `end` (11) and closes the process
// with output ["done"].

import { setTimeout as sleep } from 'node:timers/promises'
import { Executor } from 'colonykit/executor'
import { colony, executor } from './_common.mjs'

const STEPS = 10

await new Executor(executor(), colony().colonyname, { maxProcesses: 1 })
  .function('progress', async (ctx) => {
    const channel = ctx.channel('progress')
    for (let step = 1; step <= STEPS; step++) {
      await sleep(100, undefined, { signal: ctx.signal }) // the work
      await channel.send(`step ${step}/${STEPS}`)
    }
    console.log(`executor: process ${ctx.processid} done`)
    return 'done'
  })
  .run()
