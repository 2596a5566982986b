// Sync-ack, executor side: streams 5 results on "output", sends `end`, and closes the process
// with output ["synced"] only after the client's acknowledgement on "sync".

import { assignOne, executor } from './_common.mjs'

const client = executor()
const process = await assignOne(client, 'sync')
const pid = process.processid
for (let i = 1; i <= 5; i++) {
  await client.append(pid, 'output', i, `result ${i}`)
}
await client.append(pid, 'output', 6, '', { kind: 'end' })
await client.closeAfterAck(pid, 'sync', ['synced'], { timeoutMs: 30_000 })
console.log(`executor: acknowledged, process ${pid} closed`)
