// Calls driven by Node's event loop on the JS thread (Unix): the reply is read there, so no
// other thread works for sequential calls; a driven call's timeout fires on time, with no wake-up
// before it; and a pending call keeps the program alive until it ends.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

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

/** A server that accepts connections and never answers, on loopback; its address. */
async function silentServer(t) {
  const silent = createServer(() => {})
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => silent.close())
  return `http://127.0.0.1:${silent.address().port}`
}

/** Context switches of the JS thread so far (Linux, /proc). */
function jsThreadSwitches() {
  return readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8')
    .split('\n')
    .filter((line) => line.includes('ctxt_switches'))
    .reduce((sum, line) => sum + Number(line.split(/\s+/)[1]), 0)
}

test('a driven call times out on time', async (t) => {
  const client = new Client({ server: await silentServer(t), timeoutMs: 300 })
  const started = Date.now()
  await assert.rejects(client.serverInfo(), TimeoutError)
  assert.ok(Date.now() - started < 1500)
})

test('the loop sleeps while a driven call waits', { skip: !linux }, async (t) => {
  const client = new Client({ server: await silentServer(t), timeoutMs: 1500 })
  const call = assert.rejects(client.serverInfo(), TimeoutError)
  await sleep(50) // connected, the request sent
  const before = jsThreadSwitches()
  await sleep(500)
  // A tick every 10 ms would be 50 wake-ups.
  const woken = jsThreadSwitches() - before
  assert.ok(woken < 10, `the JS thread woke ${woken} times`)
  await call
})

test('a pending driven call keeps the program alive until it ends', async (t) => {
  const server = await silentServer(t)
  const program = `
    const { Client, TimeoutError } = require('colonykit')
    new Client({ server: ${JSON.stringify(server)}, timeoutMs: 300 })
      .serverInfo()
      .catch((error) => console.log(error instanceof TimeoutError ? 'timed out' : String(error)))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', program], {
    cwd: new URL('.', import.meta.url),
  })
  assert.equal(stdout.trim(), 'timed out')
})
