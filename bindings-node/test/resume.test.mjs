// A channel stream survives dropped connections (the core resumes it): through a loopback proxy
// that the test cuts every few entries, nothing is lost and nothing repeated.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Client } from '../index.js'
import { TLS, freshColony, startProxy } from './helper.mjs'

test('a stream survives dropped connections: nothing lost, nothing repeated', async (t) => {
  const entries = 100
  const dropEvery = 5
  const colony = await freshColony(t)
  const submitted = await colony.user.submit(colony.spec('resume', { channels: ['data'] }))
  const process = await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
  assert.equal(process.processid, submitted.processid)
  const proxy = await startProxy()
  t.after(() => proxy.close())
  const throughProxy = new Client({ server: proxy.address, prvkey: colony.keys.user, ...TLS })

  const producer = (async () => {
    const writer = await colony.executor.channelWriter(process.processid, 'data')
    for (let i = 1; i <= entries; i++) await writer.send(`entry ${i}`)
    await writer.end()
  })()

  const received = []
  let drops = 0
  for await (const entry of throughProxy.subscribeChannel(process.processid, 'data', { idleTimeoutMs: 30_000 })) {
    received.push(entry.sequence)
    if (entry.sequence % dropEvery === 0 && entry.sequence < entries) {
      proxy.dropAll()
      drops++
    }
  }
  await producer
  console.log(`[resume] drops survived: ${drops}, entries: ${received.length}`)
  assert.ok(drops >= 19, `only ${drops} drops`)
  assert.deepEqual(received, Array.from({ length: entries + 1 }, (_, i) => i + 1))
})
