// Chat, client side: sends three messages on sequences 1, 3, 5 and prints each answer (2, 4, 6,
// with `inreplyto`), until the executor's `end`.

import { spec, user } from './_common.mjs'

const client = user()
const process = await client.submit(spec('chat', ['chat']))
const pid = process.processid
console.log(`client: submitted ${pid}`)
// Subscribe first, so that no answer can be missed.
const chat = client.subscribeChannel(pid, 'chat')
const messages = ['hello', 'how are you?', 'bye']
for (const [i, message] of messages.entries()) {
  const sequence = 2 * i + 1
  console.log(`client: you #${sequence}: ${message}`)
  await client.append(pid, 'chat', sequence, message)
  // Wait for the answer to this message (our own entries come back too).
  for (;;) {
    const { value: entry, done } = await chat.next()
    if (done) throw new Error('the chat ended before the answer came')
    if (entry.senderid !== client.id && entry.inreplyto === sequence) {
      console.log(`client: bot #${entry.sequence} (re #${entry.inreplyto}): ${entry.payload.toString()}`)
      break
    }
  }
}
// Drain until the executor's end.
for await (const entry of chat) {
  if (entry.kind === 'end') console.log('client: chat ended')
}
