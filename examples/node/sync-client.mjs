// Sync-ack, client side: reads "output" until `end`, acknowledges on "sync", then waits for
// SUCCESS and prints the output.

import { ProcessState } from 'colonykit'
import { spec, user } from './_common.mjs'

const client = user()
const process = await client.submit(spec('sync', ['output', 'sync']))
const pid = process.processid
console.log(`client: submitted ${pid}`)
for await (const entry of client.subscribeChannel(pid, 'output')) {
  console.log(`client: #${entry.sequence} ${entry.kind} ${entry.payload.toString()}`)
}
// Everything has arrived: only now may the executor close the process (deleting its channels).
await client.acknowledge(pid, 'sync')
const done = await client.waitForState(pid, ProcessState.SUCCESS, { timeoutMs: 30_000 })
console.log(`client: output ${JSON.stringify(done.output)}`)
