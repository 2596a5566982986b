// The three channel patterns: in one program (client and executor as two clients), and as the
// example programs in examples/node (each a separate Node process).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

import { keyId } from 'colonykit'
import { freshColony, runNode, REPO } from './helper.mjs'

test('progress: the client subscribes right after submit and sees 1..10 then end', async (t) => {
  const colony = await freshColony(t)
  const process = await colony.user.submit(colony.spec('progress', { channels: ['progress'] }))
  const pid = process.processid
  // The server deletes a closed process's channels: the executor closes once the client has
  // read the end (else a client slower to connect, e.g. over TLS, finds the channel gone).
  let read
  const clientDone = new Promise((resolve) => {
    read = resolve
  })
  const executor = (async () => {
    const assigned = await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
    assert.equal(assigned.processid, pid)
    for (let i = 1; i <= 10; i++) await colony.executor.append(pid, 'progress', i, `step ${i}/10`)
    await colony.executor.append(pid, 'progress', 11, '', { kind: 'end' })
    await Promise.race([clientDone, sleep(10_000, undefined, { ref: false })])
    await colony.executor.close(pid, ['done'])
  })()
  const seen = []
  try {
    for await (const entry of colony.user.subscribeChannel(pid, 'progress')) {
      seen.push(`${entry.sequence} ${entry.kind} ${entry.payload}`)
    }
  } finally {
    read()
  }
  await executor
  const expected = Array.from({ length: 10 }, (_, i) => `${i + 1} data step ${i + 1}/10`)
  assert.deepEqual(seen, [...expected, '11 end '])
  const done = await colony.user.waitForState(pid, 'success', { timeoutMs: 10_000 })
  assert.deepEqual(done.output, ['done'])
})

test('chat: messages on 1, 3, 5; answers on 2, 4, 6 with inreplyto; end on 8', async (t) => {
  const colony = await freshColony(t)
  const process = await colony.user.submit(colony.spec('chat', { channels: ['chat'] }))
  const pid = process.processid
  const executor = (async () => {
    await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
    for await (const entry of colony.executor.subscribeChannel(pid, 'chat')) {
      if (entry.senderid === colony.executor.id) continue
      const text = entry.payload.toString()
      await colony.executor.append(pid, 'chat', entry.sequence + 1, `re: ${text}`, { inreplyto: entry.sequence })
      if (text === 'bye') {
        await colony.executor.append(pid, 'chat', 8, '', { kind: 'end' })
        break
      }
    }
    await colony.executor.close(pid, [])
  })()
  const chat = colony.user.subscribeChannel(pid, 'chat')
  const answers = []
  for (const [i, text] of ['hello', 'how are you?', 'bye'].entries()) {
    const sequence = 2 * i + 1
    await colony.user.append(pid, 'chat', sequence, text)
    // next() by hand: a `break` out of `for await` would close the subscription.
    for (;;) {
      const { value: entry, done } = await chat.next()
      assert.equal(done, false)
      if (entry.senderid !== colony.user.id && entry.inreplyto === sequence) {
        answers.push([entry.sequence, entry.inreplyto, entry.payload.toString()])
        break
      }
    }
  }
  const rest = []
  for await (const entry of chat) rest.push([entry.sequence, entry.kind])
  await executor
  assert.deepEqual(answers, [
    [2, 1, 're: hello'],
    [4, 3, 're: how are you?'],
    [6, 5, 're: bye'],
  ])
  assert.deepEqual(rest, [[8, 'end']])
  assert.equal(colony.executor.id, keyId(colony.keys.executor))
})

test('sync: 5 entries, end, acknowledge, closeAfterAck with ["synced"]', async (t) => {
  const colony = await freshColony(t)
  const process = await colony.user.submit(colony.spec('sync', { channels: ['output', 'sync'] }))
  const pid = process.processid
  const executor = (async () => {
    await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
    for (let i = 1; i <= 5; i++) await colony.executor.append(pid, 'output', i, `result ${i}`)
    await colony.executor.append(pid, 'output', 6, '', { kind: 'end' })
    await colony.executor.closeAfterAck(pid, 'sync', ['synced'], { timeoutMs: 10_000 })
  })()
  const results = []
  for await (const entry of colony.user.subscribeChannel(pid, 'output')) {
    if (entry.kind === 'data') results.push(entry.payload.toString())
  }
  // The executor cannot have closed yet: it waits for the acknowledgement.
  assert.equal((await colony.user.getProcess(pid)).state, 'RUNNING')
  await colony.user.acknowledge(pid, 'sync')
  const done = await colony.user.waitForState(pid, 'success', { timeoutMs: 10_000 })
  await executor
  assert.deepEqual(results, ['result 1', 'result 2', 'result 3', 'result 4', 'result 5'])
  assert.deepEqual(done.output, ['synced'])
})

const EXAMPLES = `${REPO}examples/node/`

/** Waits until the colony has a waiting process (the client has submitted). */
async function waitForProcess(colony) {
  for (let i = 0; i < 100; i++) {
    if ((await colony.user.getProcesses(colony.colonyname, 'waiting', 1)).length > 0) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the example client submitted nothing within 10 s')
}
const examplesInstalled = existsSync(`${EXAMPLES}node_modules/colonykit/package.json`)

for (const [pattern, expected] of [
  ['progress', ['client: #1 data step 1/10', 'client: #10 data step 10/10', 'client: #11 end', 'client: output ["done"]']],
  ['chat', ['client: bot #2 (re #1): Hello! How can I help you?', 'client: bot #4 (re #3): I received your message.', 'client: bot #6 (re #5): Goodbye!', 'client: chat ended']],
  ['sync', ['client: #1 data result 1', 'client: #5 data result 5', 'client: #6 end', 'client: output ["synced"]']],
]) {
  test(`examples/node: ${pattern}-executor.mjs and ${pattern}-client.mjs`, { skip: !examplesInstalled && 'examples/node is not installed (npm install in examples/node)' }, async (t) => {
    const colony = await freshColony(t)
    const env = colony.env()
    // The client first: an assign already waiting when a process is submitted can take it
    // before the server has made its channels (a server race, docs/server-findings.md).
    const client = runNode([`${EXAMPLES}${pattern}-client.mjs`], { env, timeoutMs: 60_000 })
    await waitForProcess(colony)
    const executor = await runNode([`${EXAMPLES}${pattern}-executor.mjs`], { env, timeoutMs: 60_000 })
    const clientRun = await client
    assert.equal(executor.code, 0, `executor: ${executor.stderr}`)
    assert.equal(clientRun.code, 0, `client: ${clientRun.stderr}`)
    assert.match(clientRun.stdout, /^client: submitted [0-9a-f]{64}$/m)
    for (const line of expected) assert.ok(clientRun.stdout.includes(line), `missing "${line}" in:\n${clientRun.stdout}`)
  })
}
