// The matrix's Node roles, on colonykit: `node roles.mjs client|executor <scenario>`.
//
// Both read the scenario from scenarios.json (MATRIX_SCENARIOS, default ../scenarios.json next to
// this file) and the server and identity from the environment: COLONIES_SERVER_HOST,
// COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_PRVKEY (the role's key), MATRIX_COLONY and
// MATRIX_EXECUTOR_TYPE. Each prints one line of JSON: the client its verdict, the executor its
// status. A scenario is data (a transcript and what follows it), so adding one needs no code.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'

import { Client, ColonyError } from 'colonykit'
import { Executor, Output, ProcessFailed } from 'colonykit/executor'

const here = dirname(fileURLToPath(import.meta.url))

// --- The scenario file ----------------------------------------------------------------------

function load(name) {
  const path = process.env.MATRIX_SCENARIOS || join(here, '..', 'scenarios.json')
  const data = JSON.parse(readFileSync(path, 'utf8'))
  const scenario = data.scenarios.find((s) => s.name === name)
  if (!scenario) throw new Error(`no scenario ${JSON.stringify(name)} in ${path}`)
  return { timeouts: data.timeouts, scenario }
}

/** The bytes a payload description stands for (see the file's `about`). */
function payloadBytes(description) {
  if (description == null) return Buffer.alloc(0)
  if ('utf8' in description) return Buffer.from(description.utf8, 'utf8')
  if ('hex' in description) {
    const digits = description.hex.replace(/\s+/g, '')
    if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex ${description.hex}`)
    return Buffer.from(digits, 'hex')
  }
  if ('repeat' in description) {
    const pattern = payloadBytes(description.repeat)
    const out = Buffer.alloc(description.length)
    for (let i = 0; i < out.length; i += pattern.length) pattern.copy(out, i)
    return out
  }
  throw new Error(`unknown payload description ${JSON.stringify(description)}`)
}

function stepEntry(step) {
  return {
    sequence: step.sequence,
    inreplyto: step.inreplyto ?? 0,
    kind: step.kind ?? 'data',
    payload: payloadBytes(step.payload),
  }
}

function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

function makeClient() {
  const client = Client.fromEnv()
  if (client.id === null) throw new Error('COLONIES_PRVKEY is not set')
  return client
}

// --- Comparing what was seen with what was expected ------------------------------------------

function showBytes(bytes) {
  return bytes.length <= 32 ? `[${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]` : `${bytes.length} bytes`
}

function entryDifferences(index, entry, step, sender) {
  const want = stepEntry(step)
  const out = []
  const differ = (what) => out.push(`entry ${index + 1} (sequence ${step.sequence}): ${what}`)
  if (entry.sequence !== want.sequence) differ(`sequence ${entry.sequence} instead of ${want.sequence}`)
  if (entry.inreplyto !== want.inreplyto) differ(`inreplyto ${entry.inreplyto} instead of ${want.inreplyto}`)
  if (entry.kind !== want.kind) differ(`kind ${JSON.stringify(entry.kind)} instead of ${JSON.stringify(want.kind)}`)
  const got = Buffer.from(entry.payload)
  if (!got.equals(want.payload)) {
    let at = 0
    while (at < got.length && at < want.payload.length && got[at] === want.payload[at]) at++
    differ(`payload: got ${showBytes(got)}, expected ${showBytes(want.payload)} (first difference at byte ${at})`)
  }
  if (sender !== step.from) differ(`sent by the ${sender}, expected the ${step.from}`)
  return out
}

/** The next entry, null at the end of the stream; throws on failure or timeout. */
async function nextEntry(entries, waitMs) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no entry within ${waitMs} ms`)), waitMs)
  })
  try {
    const { value, done } = await Promise.race([entries.next(), timeout])
    return done ? null : value
  } finally {
    clearTimeout(timer)
  }
}

// --- Client ----------------------------------------------------------------------------------

async function runClient(timeouts, scenario, verdict) {
  const waitMs = timeouts.wait_seconds * 1000
  const client = makeClient()
  const me = client.id
  const submitted = await client.submit({
    funcname: scenario.funcname,
    executortype: env('MATRIX_EXECUTOR_TYPE'),
    colonyname: env('MATRIX_COLONY'),
    channels: scenario.channels,
  })
  const pid = submitted.processid
  verdict.processid = pid
  const { channel, transcript } = scenario
  const mismatches = []
  const executorSenders = []
  // Subscribed right after submitting, before the process is assigned.
  const entries = client.subscribeChannel(pid, channel, { idleTimeoutMs: waitMs })
  // Tells the runner that the process exists (it starts the executor then).
  console.log(JSON.stringify({ submitted: pid }))
  try {
    let complete = true
    for (const [index, step] of transcript.entries()) {
      if (step.from === 'client') {
        const e = stepEntry(step)
        await client.append(pid, channel, e.sequence, e.payload, { kind: e.kind, inreplyto: e.inreplyto })
      }
      let entry
      try {
        entry = await nextEntry(entries, waitMs)
      } catch (error) {
        mismatches.push(`entry ${index + 1}: the subscription failed: ${describe(error)}`)
        complete = false
        break
      }
      if (entry === null) {
        mismatches.push(`the stream ended after ${index} entries; expected ${transcript.length}`)
        complete = false
        break
      }
      if (entry.senderid !== me) executorSenders.push(entry.senderid)
      mismatches.push(...entryDifferences(index, entry, step, entry.senderid === me ? 'client' : 'executor'))
    }
    verdict.entries = transcript.length
    if (complete) {
      // The last entry ends the stream: nothing may follow.
      try {
        const extra = await nextEntry(entries, waitMs)
        if (extra !== null) mismatches.push(`an entry after the last one: sequence ${extra.sequence} kind ${extra.kind}`)
      } catch (error) {
        mismatches.push(`after the last entry: ${describe(error)}`)
      }
    }
  } finally {
    entries.close()
  }
  const { finish, expect } = scenario
  if (finish.after === 'ack') await client.acknowledge(pid, finish.sync_channel)
  let waited
  try {
    const done = await client.waitForState(pid, 'SUCCESS', { timeoutMs: waitMs })
    waited = { state: done.state }
  } catch (error) {
    if (!(error instanceof ColonyError)) throw error
    waited = { error: { kind: error.code, message: error.message.replaceAll(pid, '<pid>') } }
  }
  if (!isDeepStrictEqual(waited, expect.wait_for_success)) {
    mismatches.push(`waiting for SUCCESS gave ${JSON.stringify(waited)}, expected ${JSON.stringify(expect.wait_for_success)}`)
  }
  let done = await client.getProcess(pid)
  // Server v1.9.12 stores a failed process's state before its errors (two UPDATEs): a client as
  // quick as the executor can read FAILED with no errors yet (docs/server-findings.md).
  for (let i = 0; i < 20 && done.state === 'FAILED' && !done.errors?.length && expect.errors.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    done = await client.getProcess(pid)
  }
  if (done.state !== expect.state) mismatches.push(`state ${done.state} instead of ${expect.state}`)
  if (!isDeepStrictEqual(done.output, expect.output)) {
    mismatches.push(`output ${JSON.stringify(done.output)} instead of ${JSON.stringify(expect.output)}`)
  }
  if (!isDeepStrictEqual(done.errors, expect.errors)) {
    mismatches.push(`errors ${JSON.stringify(done.errors)} instead of ${JSON.stringify(expect.errors)}`)
  }
  const other = executorSenders.find((id) => id !== done.assignedexecutorid)
  if (other !== undefined) {
    mismatches.push(`an entry came from ${other}, not from the assigned executor ${done.assignedexecutorid}`)
  }
  verdict.final = { state: done.state, output: done.output, errors: done.errors }
  verdict.wait_for_success = waited
  verdict.verdict = mismatches.length === 0 ? 'pass' : 'fail'
  verdict.mismatches = mismatches
}

// --- Executor --------------------------------------------------------------------------------
// On colonykit's executor framework: the role registers the scenario's function and serves one
// process with it; the framework takes the process, winds up the writer and closes or fails it.

/** The first sequence and step that number executor entries as the transcript does. */
function writerSequences(scenario) {
  const sequences = scenario.transcript
    .filter((s) => s.from === 'executor' && (s.kind ?? 'data') === 'data')
    .map((s) => s.sequence)
  const first = sequences[0] ?? 1
  const step = sequences.length > 1 ? sequences[1] - first : 1
  if (sequences.some((s, i) => i > 0 && s - sequences[i - 1] !== step)) {
    throw new Error('a writer needs evenly spaced executor sequences')
  }
  return { firstSequence: first, step }
}

/**
 * One executor entry: raw appends, or the framework's writer (whose `end` the framework sends
 * itself when the handler returns, so it must be the transcript's last entry).
 */
async function send(ctx, scenario, index, step) {
  const e = stepEntry(step)
  if (scenario.executor_writes_with !== 'writer') {
    await ctx.client.append(ctx.processid, scenario.channel, e.sequence, e.payload, { kind: e.kind, inreplyto: e.inreplyto })
    return
  }
  if (e.kind === 'data') {
    const writer = ctx.channel(scenario.channel, writerSequences(scenario))
    const sequence = e.inreplyto ? await writer.reply(e.inreplyto, e.payload) : await writer.send(e.payload)
    if (sequence !== e.sequence) throw new Error(`the writer numbered an entry ${sequence}, the transcript ${e.sequence}`)
    return
  }
  if (e.kind === 'end' && index + 1 === scenario.transcript.length) return
  throw new Error(`the framework's writer cannot send ${JSON.stringify(e.kind)} at entry ${index + 1} (only end, last)`)
}

async function serve(ctx, scenario, waitMs) {
  const me = ctx.client.id
  const { transcript } = scenario
  const reads = transcript.some((s) => s.from === 'client')
  const entries = reads ? ctx.client.subscribeChannel(ctx.processid, scenario.channel, { idleTimeoutMs: waitMs }) : null
  try {
    for (const [index, step] of transcript.entries()) {
      if (step.from === 'executor') {
        await send(ctx, scenario, index, step)
        continue
      }
      let entry
      do {
        entry = await nextEntry(entries, waitMs)
        if (entry === null) throw new Error("the channel ended before the client's entry")
      } while (entry.senderid === me)
      // The client's entries are the ones not from this executor.
      const differences = entryDifferences(index, entry, step, 'client')
      if (differences.length > 0) throw new Error(`unexpected client entry: ${differences.join('; ')}`)
    }
  } finally {
    entries?.close()
  }
  const { finish } = scenario
  const how = `${finish.after}/${finish.then}`
  // After "ack" the framework waits for the acknowledgement ({ sync }).
  if (how === 'ack/close' || how === 'end/close') return new Output(...finish.output)
  if (how === 'ack/fail') {
    await ctx.client.waitForAck(ctx.processid, finish.sync_channel, { timeoutMs: waitMs })
    throw new ProcessFailed(...finish.errors)
  }
  if (how === 'end/fail') throw new ProcessFailed(...finish.errors)
  throw new Error(`unknown finish: ${how}`)
}

async function runExecutor(timeouts, scenario, status) {
  const waitMs = timeouts.wait_seconds * 1000
  const { finish } = scenario
  const sync = finish.after === 'ack' && finish.then === 'close' ? { sync: finish.sync_channel, syncTimeoutMs: waitMs } : {}
  const stop = new AbortController()
  let failure = null
  // No process within assign_seconds: stop (once one runs, run until it is done).
  const giveUp = setTimeout(() => stop.abort(), timeouts.assign_seconds * 1000)
  const executor = new Executor(makeClient(), env('MATRIX_COLONY'), { maxProcesses: 1, pollMs: 2000 }).function(
    scenario.funcname,
    async (ctx) => {
      clearTimeout(giveUp)
      status.processid = ctx.processid
      try {
        return await serve(ctx, scenario, waitMs)
      } catch (error) {
        if (error instanceof ProcessFailed) throw error
        failure = error
        // The framework fails the process: the client is never left waiting.
        throw new Error(`matrix executor (node): ${describe(error)}`)
      }
    },
    sync,
  )
  try {
    await executor.run({ signal: stop.signal, signals: false })
  } finally {
    clearTimeout(giveUp)
  }
  if (stop.signal.aborted) throw new Error(`no process within ${timeouts.assign_seconds}s`)
  if (failure) throw failure
}

// --- Main ------------------------------------------------------------------------------------

function describe(error) {
  return error instanceof ColonyError ? `${error.name} (${error.code}): ${error.message}` : String(error?.message ?? error)
}

async function main(role, name) {
  const began = Date.now()
  const report = { role, lang: 'node', scenario: name }
  let code = 0
  try {
    const { timeouts, scenario } = load(name)
    if (role === 'client') {
      await runClient(timeouts, scenario, report)
      code = report.verdict === 'pass' ? 0 : 1
    } else {
      await runExecutor(timeouts, scenario, report)
      report.status = 'ok'
    }
  } catch (error) {
    const message = describe(error)
    if (message.includes('Not authorized to write to channel')) report.server_race = true
    report.status = 'error'
    if (role === 'client') report.verdict = 'fail'
    report.error = message
    code = 1
  }
  report.elapsed_ms = Date.now() - began
  console.log(JSON.stringify(report))
  return code
}

const [role, name] = process.argv.slice(2)
if (!['client', 'executor'].includes(role) || !name) {
  console.error('usage: node roles.mjs client|executor <scenario>')
  process.exit(2)
}
process.exitCode = await main(role, name)
