// A channel writer that gives up says, as fields, which of its entries were not accepted.

import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'

import { Client, ColonyError, generateKey } from 'colonykit'

test('a writer facing a server that never answers gives up with its progress', async (t) => {
  // Reads requests and never answers.
  const server = net.createServer((socket) => socket.on('data', () => {}).on('error', () => {}))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const client = new Client({ server: `http://127.0.0.1:${server.address().port}`, prvkey: generateKey(), timeoutMs: 1000 })
  const writer = await client.channelWriter('p', 'c')
  await writer.send('one')
  const error = await writer.end().then(
    () => assert.fail('end() resolved'),
    (e) => e,
  )
  assert.ok(error instanceof ColonyError)
  assert.ok(['Timeout', 'Connection'].includes(error.code), error.message)
  assert.deepEqual(error.writeProgress, { accepted: 0, notAccepted: [1, 2] })
  assert.match(error.message, /not accepted: 1, 2/)
})

test('other errors carry no writer progress', async () => {
  const client = new Client({ server: 'http://127.0.0.1:1', prvkey: generateKey(), timeoutMs: 1000 })
  const error = await client.serverVersion().then(
    () => assert.fail('resolved'),
    (e) => e,
  )
  assert.equal(error.writeProgress, undefined)
})

test('maxInFlight and reconnectDeadlineMs are checked and used', async () => {
  assert.throws(() => new Client({ server: 'http://127.0.0.1:50080', maxInFlight: 0 }), (e) => e.code === 'InvalidArgument')
  assert.throws(() => new Client({ server: 'http://127.0.0.1:50080', maxInFlight: 1.5 }), TypeError)
  // Nothing listens on port 1: the stream gives up after its reconnectDeadlineMs, not after the
  // client's (longer) timeout.
  const client = new Client({ server: 'http://127.0.0.1:1', prvkey: generateKey(), timeoutMs: 60_000, maxInFlight: 4 })
  const started = Date.now()
  const stream = client.subscribeChannel('p', 'c', { reconnectDeadlineMs: 1000 })
  await assert.rejects(stream.next(), (e) => e.code === 'Connection')
  assert.ok(Date.now() - started < 15_000)
})
