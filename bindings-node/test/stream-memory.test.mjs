// Streaming 10,000 entries through `for await` keeps memory flat: a consumer process reads
// them live while a producer process appends them (with a ChannelWriter: concurrent, ordered,
// retried on the rate limit; the server allows a burst of 500 appends, then 100 per second per
// process, so this takes about 100 s), then reads the whole log again as backlog. The RSS figures are printed as test diagnostics.
// COLONYKIT_STREAM_ENTRIES=N runs it with N entries instead (at most 10,000: a channel's limit).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'

import { freshColony, runningProcess, runNode, SERVER } from './helper.mjs'

const N = Number(process.env.COLONYKIT_STREAM_ENTRIES ?? 10_000)
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

test(`streaming ${N} entries through for await keeps memory flat`, { timeout: 600_000 }, async (t) => {
  const colony = await freshColony(t)
  const process_ = await runningProcess(colony, 'stream', ['big', 'warm'])
  const env = { SERVER, PID: process_.processid, CHANNEL: 'big', WARM: 'warm', N: String(N) }
  // Entries for the consumer's warm-up (they take 300 of the process's burst of 500).
  const warm = await colony.executor.channelWriter(process_.processid, 'warm')
  for (let i = 1; i < 300; i++) await warm.send(`warm-up ${i}`)
  await warm.end()

  const consumer = spawn(process.execPath, ['--expose-gc', fixture('stream-consumer.mjs')], {
    env: { ...process.env, ...env, PRVKEY: colony.keys.user },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => consumer.kill())
  let stdout = ''
  let stderr = ''
  consumer.stderr.on('data', (d) => (stderr += d))
  const ready = new Promise((resolve, reject) => {
    consumer.stdout.on('data', (d) => {
      stdout += d
      if (stdout.includes('ready\n')) resolve()
    })
    consumer.on('exit', () => reject(new Error(`consumer exited early: ${stderr}`)))
  })
  await ready
  const exited = once(consumer, 'exit')

  const producer = await runNode([fixture('stream-producer.mjs')], {
    env: { ...env, PRVKEY: colony.keys.executor },
    timeoutMs: 500_000,
  })
  assert.equal(producer.code, 0, producer.stderr)
  const [code] = await exited
  assert.equal(code, 0, stderr)

  const { live, backlog } = JSON.parse(stdout.trim().split('\n').pop())
  const production = JSON.parse(producer.stdout)
  const fmt = (r) =>
    `${r.label}: ${r.count} entries in ${r.seconds.toFixed(1)} s; RSS ${r.rssBeforeMB.toFixed(1)} MB before, ` +
    `growth ${r.growthMB.toFixed(2)} MB (peak ${r.peakGrowthMB.toFixed(2)} MB, after gc ${r.growthAfterGcMB.toFixed(2)} MB), ` +
    `of which ${r.growthSecondHalfMB.toFixed(2)} MB over the second half`
  t.diagnostic(`producer: ${production.written} entries in ${production.seconds.toFixed(1)} s, ${production.retried} rate-limited appends sent again`)
  assert.equal(production.written, N)
  t.diagnostic(fmt(live))
  t.diagnostic(fmt(backlog))
  for (const r of [live, backlog]) {
    assert.equal(r.count, N)
    assert.equal(r.distinct, N, 'no entry twice')
    assert.equal(r.bytes, N * 100)
  }
  // Live streaming keeps memory flat (the design's target: ≤ 5 MB for 10,000 entries), with no
  // growth over the second half.
  assert.ok(live.growthMB <= 5, `live: RSS grew by ${live.growthMB.toFixed(2)} MB`)
  assert.ok(live.growthSecondHalfMB <= 1.5, `live: RSS grew by ${live.growthSecondHalfMB.toFixed(2)} MB over the second half`)
  // The backlog arrives from the server as one frame holding every entry (about 3.4 MB of text
  // for 10,000 entries), which the core decodes at once: a bounded, one-off cost.
  assert.ok(backlog.peakGrowthMB <= 40, `backlog: RSS grew by ${backlog.peakGrowthMB.toFixed(2)} MB`)
})
