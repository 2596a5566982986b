// Stream progress, executor side: runs one "progress" process, reporting each step on its
// "progress" channel (entries 1..10), then `end` (11), and closes it with output ["done"].

import { setTimeout as sleep } from 'node:timers/promises'
import { assignOne, executor } from './_common.mjs'

const STEPS = 10

const client = executor()
const process = await assignOne(client, 'progress')
const pid = process.processid
for (let step = 1; step <= STEPS; step++) {
  await sleep(100) // the work
  await client.append(pid, 'progress', step, `step ${step}/${STEPS}`)
}
await client.append(pid, 'progress', STEPS + 1, '', { kind: 'end' })
await client.close(pid, ['done'])
console.log(`executor: process ${pid} done`)
