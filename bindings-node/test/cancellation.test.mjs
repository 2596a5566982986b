// Cancellation: break, return(), close(), AbortSignal (during a pending next, waitForState,
// assign, waitForAck) all settle promptly; the idle timeout and a closed process end streams;
// and a Node program exits by itself once it is done.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

import { ProcessClosedError, TimeoutError } from 'colonykit'
import { freshColony, runningProcess, runNode, timed, SERVER } from './helper.mjs'

/** How long a cancellation may take to settle. */
const PROMPT_MS = 500

async function processWithEntries(t, n = 3) {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'cancel', ['c', 'sync'])
  for (let i = 1; i <= n; i++) await colony.executor.append(process.processid, 'c', i, `entry ${i}`)
  return { colony, pid: process.processid }
}

test('break out of for await closes the subscription', async (t) => {
  const { colony, pid } = await processWithEntries(t)
  const sub = colony.user.subscribeChannel(pid, 'c')
  for await (const entry of sub) {
    assert.equal(entry.sequence, 1)
    break
  }
  assert.equal(sub.closed, true)
  assert.deepEqual(await sub.next(), { value: undefined, done: true })
})

test('an exception in the loop body closes the subscription', async (t) => {
  const { colony, pid } = await processWithEntries(t)
  const sub = colony.user.subscribeChannel(pid, 'c')
  await assert.rejects(
    (async () => {
      for await (const entry of sub) throw new Error(`stop at ${entry.sequence}`)
    })(),
    /stop at 1/,
  )
  assert.equal(sub.closed, true)
})

test('return() and close() settle a pending next() at once', async (t) => {
  const { colony, pid } = await processWithEntries(t)
  for (const how of ['return', 'close']) {
    const sub = colony.user.subscribeChannel(pid, 'c', { after: 3 })
    const pending = timed(sub.next())
    await sleep(300)
    if (how === 'return') assert.deepEqual(await sub.return(), { value: undefined, done: true })
    else sub.close()
    const { ms, value, error } = await pending
    assert.equal(error, undefined)
    assert.deepEqual(value, { value: undefined, done: true })
    assert.ok(ms < 300 + PROMPT_MS, `${how}: next settled after ${ms} ms`)
  }
})

test('AbortSignal during a pending next() rejects it with the signal reason', async (t) => {
  const { colony, pid } = await processWithEntries(t)
  const controller = new AbortController()
  const sub = colony.user.subscribeChannel(pid, 'c', { signal: controller.signal })
  const seen = []
  const loop = timed(
    (async () => {
      for await (const entry of sub) seen.push(entry.sequence)
    })(),
  )
  await sleep(300)
  const aborted = performance.now()
  controller.abort()
  const { error } = await loop
  assert.ok(performance.now() - aborted < PROMPT_MS)
  assert.equal(error.name, 'AbortError')
  assert.deepEqual(seen, [1, 2, 3])
  assert.equal(sub.closed, true)
  assert.deepEqual(await sub.next(), { value: undefined, done: true })

  // A custom reason, and a signal that is aborted already.
  const reason = new Error('custom reason')
  const late = new AbortController()
  const sub2 = colony.user.subscribeChannel(pid, 'c', { after: 3, signal: late.signal })
  const pending = sub2.next()
  await sleep(100)
  late.abort(reason)
  await assert.rejects(pending, (e) => e === reason)
  await assert.rejects(colony.user.subscribeChannel(pid, 'c', { signal: AbortSignal.abort(reason) }).next(), (e) => e === reason)
})

test('AbortSignal aborts waitForState, assign and waitForAck promptly', async (t) => {
  const { colony, pid } = await processWithEntries(t, 0)
  const cases = {
    waitForState: (signal) => colony.user.waitForState(pid, 'success', { timeoutMs: 60_000, signal }),
    assign: (signal) => colony.executor.assign(colony.colonyname, { timeoutMs: 60_000, signal }),
    waitForAck: (signal) => colony.executor.waitForAck(pid, 'sync', { timeoutMs: 60_000, signal }),
    closeAfterAck: (signal) => colony.executor.closeAfterAck(pid, 'sync', [], { timeoutMs: 60_000, signal }),
  }
  for (const [name, start] of Object.entries(cases)) {
    const controller = new AbortController()
    const pending = timed(start(controller.signal))
    await sleep(300)
    const aborted = performance.now()
    controller.abort()
    const { error } = await pending
    assert.equal(error?.name, 'AbortError', `${name}: ${error}`)
    assert.ok(performance.now() - aborted < PROMPT_MS, `${name} settled late`)
  }
  // AbortSignal.timeout, and an already aborted signal (nothing is started).
  const { error, ms } = await timed(colony.user.waitForState(pid, 'success', { timeoutMs: 60_000, signal: AbortSignal.timeout(200) }))
  assert.equal(error.name, 'TimeoutError')
  assert.ok(!(error instanceof TimeoutError), 'the signal reason, not a colonykit TimeoutError')
  assert.ok(ms < 200 + PROMPT_MS)
  await assert.rejects(colony.executor.assign(colony.colonyname, { timeoutMs: 60_000, signal: AbortSignal.abort() }), { name: 'AbortError' })
  // The process is untouched by the aborted waits.
  assert.equal((await colony.user.getProcess(pid)).state, 'RUNNING')
})

test('idleTimeoutMs ends a quiet subscription with TimeoutError', async (t) => {
  const { colony, pid } = await processWithEntries(t, 1)
  const seen = []
  const { error, ms } = await timed(
    (async () => {
      for await (const entry of colony.user.subscribeChannel(pid, 'c', { idleTimeoutMs: 700 })) seen.push(entry.sequence)
    })(),
  )
  assert.ok(error instanceof TimeoutError, String(error))
  assert.deepEqual(seen, [1])
  assert.ok(ms >= 600 && ms < 3000, `took ${ms} ms`)
})

test('closing the process while subscribed ends the stream with ProcessClosedError', async (t) => {
  const { colony, pid } = await processWithEntries(t, 1)
  const seen = []
  const loop = timed(
    (async () => {
      for await (const entry of colony.user.subscribeChannel(pid, 'c')) seen.push(entry.sequence)
    })(),
  )
  await sleep(300)
  await colony.executor.fail(pid, ['gone'])
  const { error, ms } = await loop
  assert.ok(error instanceof ProcessClosedError, String(error))
  assert.match(error.message, /FAILED/)
  assert.deepEqual(seen, [1])
  assert.ok(ms < 8000)
  // And waitForState for a state the process can no longer reach.
  await assert.rejects(colony.user.waitForState(pid, 'success', { timeoutMs: 10_000 }), ProcessClosedError)
})

test('a Node program exits by itself after break, return(), abort, abandon, end and aborted waits', async (t) => {
  const { colony, pid } = await processWithEntries(t, 2)
  await colony.executor.append(pid, 'c', 3, '', { kind: 'end' })
  const script = fileURLToPath(new URL('./fixtures/exits.mjs', import.meta.url))
  const env = { SERVER, PRVKEY: colony.keys.user, PID: pid, CHANNEL: 'c', COLONY: colony.colonyname }
  const modes = ['break', 'return', 'abort', 'abandon', 'end', 'wait-abort']
  const runs = await Promise.all(modes.map((mode) => runNode([script, mode], { env, timeoutMs: 15_000 })))
  const assignRun = await runNode([script, 'assign-abort'], { env: { ...env, PRVKEY: colony.keys.executor }, timeoutMs: 15_000 })
  for (const [mode, run] of [...modes.map((m, i) => [m, runs[i]]), ['assign-abort', assignRun]]) {
    assert.equal(run.code, 0, `${mode}: ${run.stderr}`)
    assert.match(run.stdout, new RegExp(`${mode}: done`))
    // Node start-up and the addon's load take part of this; the program itself is short.
    assert.ok(run.ms < 5000, `${mode} took ${run.ms} ms to exit`)
  }
  assert.match(runs[0].stdout, /break: got 1/)
  assert.match(runs[1].stdout, /pending next done=true/)
  assert.match(runs[2].stdout, /aborted AbortError/)
  assert.match(runs[4].stdout, /got 3 end/)
  assert.match(runs[5].stdout, /aborted TimeoutError/)
  assert.match(assignRun.stdout, /aborted TimeoutError/)
})
