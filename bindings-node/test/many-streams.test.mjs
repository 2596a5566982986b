// 2,000 channel subscriptions opened at once from one process: each delivers its entries
// exactly, and the server still answers afterwards. (Opened at once, 500 of them used to exhaust
// the server's database pool: the client now bounds its requests in flight and asks once per
// process whether it still runs.)

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

import { freshColony, runningProcess } from './helper.mjs'

const PROCESSES = 40
const PER_PROCESS = 50
const ENTRIES = 5

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1)

test('2,000 subscriptions opened at once all deliver exactly', async (t) => {
  const colony = await freshColony(t)
  const processes = []
  for (let i = 0; i < PROCESSES; i++) processes.push(await runningProcess(colony, 'many', ['data']))
  const rssBefore = process.memoryUsage().rss
  const readers = []
  for (const { processid } of processes) {
    for (let i = 0; i < PER_PROCESS; i++) {
      const stream = colony.user.subscribeChannel(processid, 'data', { idleTimeoutMs: 120_000 })
      readers.push((async () => {
        const sequences = []
        for await (const entry of stream) sequences.push(entry.sequence)
        return sequences
      })())
    }
  }
  // All open and quiet: what 2,000 idle streams cost.
  await sleep(8_000)
  const fds = readdirSync('/proc/self/fd').length
  const cpuStart = process.cpuUsage()
  const wallStart = performance.now()
  await sleep(5_000)
  const cpu = process.cpuUsage(cpuStart)
  const idleCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)
  const rssOpen = process.memoryUsage().rss

  for (const { processid } of processes) {
    const writer = await colony.executor.channelWriter(processid, 'data')
    for (let i = 0; i < ENTRIES; i++) await writer.send(`entry ${i}`)
    await writer.end()
  }
  const received = await Promise.all(readers)
  const expected = Array.from({ length: ENTRIES + 1 }, (_, i) => i + 1)
  const wrong = received.filter((sequences) => JSON.stringify(sequences) !== JSON.stringify(expected))
  assert.equal(wrong.length, 0, `${wrong.length} streams delivered something else, e.g. ${JSON.stringify(wrong.slice(0, 3))}`)
  // The server still answers.
  assert.equal((await colony.user.getProcess(processes[0].processid)).processid, processes[0].processid)
  console.log(
    `[many streams] ${readers.length} streams: open fds ${fds}, idle CPU ${(idleCpu * 100).toFixed(1)}% of a core, ` +
      `RSS ${mb(rssBefore)} -> ${mb(rssOpen)} MB open (${((rssOpen - rssBefore) / 1024 / readers.length).toFixed(1)} kB each)`,
  )
})
