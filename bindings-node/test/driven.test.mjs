// Calls driven by Node's event loop on the JS thread (Unix): the reply is read there, so no
// other thread works for sequential calls; a driven call's timeout still fires on time; and a
// program whose calls are done exits by itself.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

import { Client, TimeoutError } from 'colonykit'
import { freshColony, runningProcess } from './helper.mjs'

const linux = existsSync('/proc/self/task')

/** CPU time (ns) of the addon's runtime threads, named "colonykit" (Linux, /proc). */
function runtimeCpuNs() {
  let total = 0
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== 'colonykit') continue
      total += Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // the thread ended meanwhile
    }
  }
  return total
}

test('sequential calls are read on the JS thread', { skip: !linux }, async (t) => {
  const colony = await freshColony(t)
  const { processid } = await runningProcess(colony, 'driven', ['c'])
  await colony.executor.append(processid, 'c', 1, 'x')
  const before = runtimeCpuNs()
  for (let sequence = 2; sequence <= 201; sequence++) {
    await colony.executor.append(processid, 'c', sequence, 'x')
  }
  // On the shared runtime its worker would take 30-40 µs per reply (6-8 ms here).
  const used = runtimeCpuNs() - before
  assert.ok(used < 2_000_000, `the runtime's threads took ${(used / 1e6).toFixed(1)} ms`)
})

test('a driven call times out on time', async () => {
  const silent = createServer(() => {}) // accepts, never answers
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const client = new Client({ server: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 300 })
  try {
    const started = Date.now()
    await assert.rejects(client.serverInfo(), TimeoutError)
    assert.ok(Date.now() - started < 1500)
  } finally {
    silent.close()
  }
})
