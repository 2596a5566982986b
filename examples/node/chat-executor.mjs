// Chat, executor side: answers each client message (odd sequences) on the next even sequence,
// with `inreplyto`; after "bye" the handler returns, and the framework sends `end` (sequence 8)
// and closes the process.

import { Executor } from 'colonykit/executor'
import { colony, executor } from './_common.mjs'

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

await new Executor(executor(), colony().colonyname, { maxProcesses: 1 })
  .function('chat', async (ctx) => {
    // The client writes the odd sequences, this executor the even ones.
    const replies = ctx.channel('chat', { firstSequence: 2, step: 2 })
    for await (const entry of ctx.client.subscribeChannel(ctx.processid, 'chat', { signal: ctx.signal })) {
      if (entry.senderid === ctx.client.id) continue // our own answers come back too
      const message = entry.payload.toString()
      console.log(`executor: got #${entry.sequence} ${JSON.stringify(message)}`)
      await replies.reply(entry.sequence, answer(message))
      if (message.toLowerCase() === 'bye') break
    }
  })
  .run()
