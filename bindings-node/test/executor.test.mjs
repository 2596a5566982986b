// The executor framework (colonykit/executor) against the real server: dispatch, results,
// channels, unknown functions, concurrency, cancellation, deadlines, registration, SIGTERM.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { Client } from 'colonykit'
import { Executor, Output, ProcessFailed } from 'colonykit/executor'
import { freshColony, SERVER, uniqueName } from './helper.mjs'

const WAIT = 30_000
const FINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED'])

async function final(client, processid) {
  const giveUp = Date.now() + WAIT
  for (;;) {
    const process = await client.getProcess(processid)
    if (FINAL.has(process.state)) return process
    assert.ok(Date.now() < giveUp, `process ${processid} is still ${process.state}`)
    await sleep(100)
  }
}

async function untilState(client, processid, state) {
  const giveUp = Date.now() + WAIT
  while ((await client.getProcess(processid)).state !== state) {
    assert.ok(Date.now() < giveUp, `process ${processid} never became ${state}`)
    await sleep(100)
  }
}

test('dispatches by funcname and reports results', async (t) => {
  const colony = await freshColony(t)
  // Submitted before the executor polls: channels race an assign already waiting
  // (docs/server-findings.md).
  const echoed = await colony.user.submit(colony.spec('echo', { args: [1, 'two'], kwargs: { three: 3 } }))
  const thrown = await colony.user.submit(colony.spec('bad'))
  const unknown = await colony.user.submit(colony.spec('nosuch'))
  const streamed = await colony.user.submit(colony.spec('progress', { channels: ['progress'] }))
  const entries = colony.user.subscribeChannel(streamed.processid, 'progress')
  const several = await colony.user.submit(colony.spec('listed'))
  const exact = await colony.user.submit(colony.spec('strict'))

  const executor = new Executor(colony.executor, colony.colonyname, { pollMs: 1000 })
    .function('echo', async (ctx, ...args) => ({ args, kwargs: ctx.kwargs }))
    .function('listed', async () => new Output('a', 2))
    .function('strict', async () => {
      throw new ProcessFailed('first', 'second')
    })
    .function('bad', async () => {
      throw new RangeError('bad input')
    })
    .function('progress', async (ctx) => {
      const channel = ctx.channel('progress')
      for (let step = 1; step <= 20; step++) await channel.send(`step ${step}`)
      await ctx.log('streamed')
      return 'done'
    })
  const stop = new AbortController()
  const run = executor.run({ signal: stop.signal })

  let done = await final(colony.user, several.processid)
  assert.deepEqual(done.output, ['a', 2], 'Output is the whole list')
  done = await final(colony.user, exact.processid)
  assert.equal(done.state, 'FAILED')
  assert.deepEqual(done.errors, ['first', 'second'])

  done = await final(colony.user, echoed.processid)
  assert.equal(done.state, 'SUCCESS')
  assert.deepEqual(done.output, [{ args: [1, 'two'], kwargs: { three: 3 } }])

  done = await final(colony.user, thrown.processid)
  assert.equal(done.state, 'FAILED')
  assert.deepEqual(done.errors, ['RangeError: bad input'])
  const logs = await colony.user.getLogs(colony.colonyname, thrown.processid, 10)
  assert.ok(logs.some((l) => l.message.includes('RangeError: bad input\n    at ')), 'the stack goes to the log')

  done = await final(colony.user, unknown.processid)
  assert.equal(done.state, 'FAILED')
  assert.match(done.errors[0], /unknown function "nosuch"/)

  done = await final(colony.user, streamed.processid)
  assert.equal(done.state, 'SUCCESS')
  assert.deepEqual(done.output, ['done'])
  const seen = []
  for await (const entry of entries) {
    if (entry.kind !== 'data') {
      assert.equal(entry.kind, 'end')
      break
    }
    seen.push(entry.payload.toString())
  }
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => `step ${i + 1}`))

  const functions = await colony.user.getFunctions(colony.colonyname, colony.executorname)
  assert.deepEqual(functions.map((f) => f.funcname).sort(), ['bad', 'echo', 'listed', 'progress', 'strict'])

  stop.abort()
  await run
})

test('concurrency bounds the processes running at once', async (t) => {
  const colony = await freshColony(t)
  const n = 5
  const k = 2
  const pids = []
  for (let i = 0; i < n; i++) pids.push((await colony.user.submit(colony.spec('slow'))).processid)
  const spans = []
  const executor = new Executor(colony.executor, colony.colonyname, { concurrency: k, pollMs: 1000 })
    .function('slow', async () => {
      const start = performance.now()
      await sleep(700)
      spans.push([start, performance.now()])
    })
  const stop = new AbortController()
  const run = executor.run({ signal: stop.signal })
  for (const pid of pids) assert.equal((await final(colony.user, pid)).state, 'SUCCESS')
  stop.abort()
  await run

  spans.sort((a, b) => a[0] - b[0])
  assert.equal(spans.length, n)
  const most = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length))
  assert.equal(most, k)
  // Rounds: the longest chain of handlers each starting after the previous one ended.
  const rounds = spans.map(() => 1)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) if (spans[j][1] <= spans[i][0]) rounds[i] = Math.max(rounds[i], rounds[j] + 1)
  }
  assert.equal(Math.max(...rounds), Math.ceil(n / k), JSON.stringify(spans))
})

/**
 * Runs a handler that waits for its signal (after `interrupt(processid)` once it runs); resolves
 * to the reason it saw, the time it had left at its start, and the process at the end.
 */
async function stopped(colony, spec, interrupt) {
  const submitted = await colony.user.submit(spec)
  let seen
  const aborted = new Promise((resolve) => (seen = resolve))
  const executor = new Executor(colony.executor, colony.colonyname, { pollMs: 1000 }).function(spec.funcname, async (ctx) => {
    const remainingMs = ctx.remainingMs
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    seen({ reason: ctx.cancelReason, remainingMs })
    throw ctx.signal.reason
  })
  const stop = new AbortController()
  const run = executor.run({ signal: stop.signal })
  if (interrupt) {
    await untilState(colony.user, submitted.processid, 'RUNNING')
    await interrupt(submitted.processid)
  }
  const { reason, remainingMs } = await aborted
  const done = await final(colony.user, submitted.processid)
  stop.abort()
  await run
  return { reason, remainingMs, done }
}

test('the submitter cancels and ctx.signal aborts', async (t) => {
  const colony = await freshColony(t)
  const { reason, remainingMs, done } = await stopped(colony, colony.spec('wait'), (pid) => colony.user.cancel(pid))
  assert.equal(reason, 'cancelled')
  assert.equal(remainingMs, null)
  assert.equal(done.state, 'CANCELLED')
})

test('a process past its deadline fails and its signal aborts', async (t) => {
  const colony = await freshColony(t)
  const { reason, remainingMs, done } = await stopped(colony, colony.spec('forever', { maxexectime: 2 }))
  assert.equal(reason, 'deadline')
  assert.ok(remainingMs > 0 && remainingMs <= 2000)
  assert.equal(done.state, 'FAILED')
})

test('with the colony key it registers and removes its own executor', async (t) => {
  const colony = await freshColony(t)
  const executortype = uniqueName('own')
  const submitted = await colony.user.submit({ funcname: 'echo', executortype, colonyname: colony.colonyname, args: ['hi'] })
  const executor = new Executor(colony.owner, colony.colonyname, { executorType: executortype, name: 'own', pollMs: 1000 })
    .function('echo', async (ctx, ...args) => args)
  const stop = new AbortController()
  const run = executor.run({ signal: stop.signal })
  const done = await final(colony.user, submitted.processid)
  assert.equal(done.state, 'SUCCESS')
  assert.deepEqual(done.output, [['hi']])
  assert.equal((await colony.user.getExecutor(colony.colonyname, 'own')).state, 'APPROVED')
  stop.abort()
  await run
  assert.equal((await colony.user.getExecutor(colony.colonyname, 'own')).state, 'UNREGISTERED')
})

const CHILD = `
import { Client } from 'colonykit'
import { Executor, Output, ProcessFailed } from 'colonykit/executor'
import { setTimeout as sleep } from 'node:timers/promises'

const client = new Client({ server: process.env.T_SERVER, prvkey: process.env.T_KEY })
const executor = new Executor(client, process.env.T_COLONY, { concurrency: 2, graceMs: 1000, pollMs: 1000 })
  .function('quick', async () => {
    await sleep(1000)
    return 'finished in the grace period'
  })
  .function('stuck', async (ctx) => {
    // A handler that honours its signal; one that ignores it keeps Node's loop alive.
    await sleep(600_000, undefined, { signal: ctx.signal })
  })
await executor.run()
console.log('executor stopped')
`

test('SIGTERM lets running work finish, then fails the rest', async (t) => {
  const colony = await freshColony(t)
  const quick = await colony.user.submit(colony.spec('quick'))
  const stuck = await colony.user.submit(colony.spec('stuck'))
  // Next to the tests, so that the script resolves 'colonykit' like they do.
  const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.executor-'))
  t.after(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })))
  const script = join(dir, 'executor.mjs')
  writeFileSync(script, CHILD)
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, T_SERVER: SERVER, T_KEY: colony.keys.executor, T_COLONY: colony.colonyname },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    for (const pid of [quick.processid, stuck.processid]) await untilState(colony.user, pid, 'RUNNING')
    child.kill('SIGTERM')
    const { code } = await Promise.race([exited, sleep(WAIT).then(() => ({ code: 'timeout' }))])
    assert.equal(code, 0, output)
  } finally {
    child.kill('SIGKILL')
  }
  assert.match(output, /executor stopped/)
  assert.equal((await colony.user.getProcess(quick.processid)).state, 'SUCCESS')
  const failed = await colony.user.getProcess(stuck.processid)
  assert.equal(failed.state, 'FAILED')
  assert.deepEqual(failed.errors, ['executor shutting down'])
})

test('bad registrations are refused', async () => {
  const client = new Client({ server: SERVER })
  assert.throws(() => new Executor({}, 'c'), TypeError)
  const executor = new Executor(client, 'c').function('f', async () => null)
  assert.throws(() => executor.function('f', async () => null), /twice/)
  assert.throws(() => executor.function('g', 'not a function'), TypeError)
})
