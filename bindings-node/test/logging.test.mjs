// With COLONYKIT_LOG set, the core's log lines (here: a resumed stream) go to stderr, naming the
// process and never a key or a payload. Without it, nothing is written.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'

import { SERVER, freshColony } from './helper.mjs'

function run(env) {
  const script = new URL('./fixtures/logged-resume.mjs', import.meta.url)
  const child = spawn(process.execPath, [script.pathname], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

async function runningProcess(t) {
  const colony = await freshColony(t)
  const submitted = await colony.user.submit(colony.spec('logged', { channels: ['data'] }))
  const process = await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
  assert.equal(process.processid, submitted.processid)
  return { colony, pid: process.processid }
}

test('COLONYKIT_LOG=info logs a resumed stream to stderr, without keys or payloads', async (t) => {
  const { colony, pid } = await runningProcess(t)
  const env = { SERVER, PID: pid, USER_KEY: colony.keys.user, EXECUTOR_KEY: colony.keys.executor }
  const logged = await run({ ...env, COLONYKIT_LOG: 'info' })
  assert.equal(logged.code, 0, logged.stderr)
  assert.deepEqual(JSON.parse(logged.stdout), [1, 2, 3])
  const lines = logged.stderr.split('\n').filter((line) => line.includes(pid))
  assert.ok(lines.some((line) => /^colonykit INFO colonykit::channel: .*reconnected/.test(line)), logged.stderr)
  for (const secret of [colony.keys.user, colony.keys.executor, 'secret payload']) {
    assert.ok(!logged.stderr.includes(secret))
  }
})

test('without COLONYKIT_LOG nothing is logged', async (t) => {
  const { colony, pid } = await runningProcess(t)
  const env = { SERVER, PID: pid, USER_KEY: colony.keys.user, EXECUTOR_KEY: colony.keys.executor }
  const quiet = await run({ ...env, COLONYKIT_LOG: '' })
  assert.equal(quiet.code, 0, quiet.stderr)
  assert.equal(quiet.stderr, '')
})
