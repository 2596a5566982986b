// Stream progress, client side: submits a "progress" process and prints each entry as it
// arrives, then waits for SUCCESS and prints the output.

import { ProcessState } from 'colonykit'
import { spec, user } from './_common.mjs'

const client = user()
const process = await client.submit(spec('progress', ['progress']))
console.log(`client: submitted ${process.processid}`)
// The submitter may subscribe before the process is assigned: nothing is missed.
for await (const entry of client.subscribeChannel(process.processid, 'progress')) {
  console.log(`client: #${entry.sequence} ${entry.kind} ${entry.payload.toString()}`)
}
const done = await client.waitForState(process.processid, ProcessState.SUCCESS, { timeoutMs: 30_000 })
console.log(`client: output ${JSON.stringify(done.output)}`)
