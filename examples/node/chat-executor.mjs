// Chat, executor side: answers each client message (odd sequences) on the next even sequence,
// with `inreplyto`; after "bye" it sends `end` (sequence 8) and closes the process.

import { assignOne, executor } from './_common.mjs'

function answer(message) {
  switch (message.toLowerCase()) {
    case 'hello':
    case 'hi':
      return 'Hello! How can I help you?'
    case 'bye':
    case 'goodbye':
      return 'Goodbye!'
    default:
      return 'I received your message.'
  }
}

const client = executor()
const process = await assignOne(client, 'chat')
const pid = process.processid
for await (const entry of client.subscribeChannel(pid, 'chat')) {
  if (entry.senderid === client.id) continue // our own answers come back too
  const message = entry.payload.toString()
  console.log(`executor: got #${entry.sequence} ${JSON.stringify(message)}`)
  await client.append(pid, 'chat', entry.sequence + 1, answer(message), { inreplyto: entry.sequence })
  if (message.toLowerCase() === 'bye') {
    await client.append(pid, 'chat', entry.sequence + 3, '', { kind: 'end' })
    break
  }
}
await client.close(pid, [])
console.log(`executor: process ${pid} done`)
