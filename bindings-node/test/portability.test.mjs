// A client in a forked child process and in a worker thread (each with a client of its own, while
// the parent goes on with its own), and results as plain data (structuredClone, JSON).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import { freshColony, runningProcess, SERVER } from './helper.mjs'

const STREAMER = new URL('./fixtures/stream-channel.mjs', import.meta.url)

/** The parent's share of the work: entries 1..5 then end, with calls of its own in between. */
async function produce(colony, processid) {
  for (let sequence = 1; sequence <= 5; sequence++) {
    await colony.executor.append(processid, 'c', sequence, `entry ${sequence}`)
    assert.equal((await colony.user.getProcess(processid)).processid, processid)
  }
  await colony.executor.append(processid, 'c', 6, '', { kind: 'end' })
}

const EXPECTED = {
  state: 'RUNNING',
  entries: [
    [1, 'data', 'entry 1'],
    [2, 'data', 'entry 2'],
    [3, 'data', 'entry 3'],
    [4, 'data', 'entry 4'],
    [5, 'data', 'entry 5'],
    [6, 'end', ''],
  ],
}

test('child_process.fork: a child streams with its own client while the parent works', async (t) => {
  const colony = await freshColony(t)
  const processes = [await runningProcess(colony, 'f', ['c']), await runningProcess(colony, 'f', ['c'])]
  const children = processes.map((process) => {
    const child = fork(fileURLToPath(STREAMER), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.send({ server: SERVER, prvkey: colony.keys.user, processid: process.processid, channel: 'c' })
    return once(child, 'message')
  })
  await Promise.all(processes.map((process) => produce(colony, process.processid)))
  for (const [result] of await Promise.all(children)) {
    assert.deepEqual(result, EXPECTED)
  }
})

test('worker_threads: a worker streams with its own client while the main thread works', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'f', ['c'])
  const worker = new Worker(STREAMER, {
    workerData: { server: SERVER, prvkey: colony.keys.user, processid: process.processid, channel: 'c' },
  })
  const exited = once(worker, 'exit')
  // A worker that exits without a report fails the test with its exit code (13: its event loop
  // ended while its stream was pending) rather than leaving it waiting.
  const reported = new Promise((resolve, reject) => {
    worker.once('message', resolve)
    // `exited` rejects on the worker's 'error' event.
    exited.then(
      ([code]) => reject(new Error(`the worker exited with code ${code} before reporting`)),
      reject,
    )
  })
  await produce(colony, process.processid)
  assert.deepEqual(await reported, EXPECTED)
  await exited
  // The main thread's client is untouched by the worker's.
  assert.equal((await colony.user.getProcess(process.processid)).processid, process.processid)
})

/** JSON text back to the value, with Buffers (channel payloads) revived. */
function fromJson(text) {
  return JSON.parse(text, (_key, value) =>
    value && value.type === 'Buffer' && Array.isArray(value.data) ? Buffer.from(value.data) : value,
  )
}

/** JSON text of a value whose Buffers and Uint8Arrays are written as arrays of bytes. */
function withBytes(value) {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) return [...v]
    return v && v.type === 'Buffer' && Array.isArray(v.data) ? v.data : v
  })
}

test('results are plain objects: structuredClone and JSON round-trip them', async (t) => {
  const colony = await freshColony(t)
  const process = await runningProcess(colony, 'f', ['c'])
  await colony.executor.append(process.processid, 'c', 1, Buffer.from([0, 255, 104, 105]))
  await colony.executor.addLog(process.processid, 'a log line')
  const results = {
    process,
    submitted: await colony.user.submit(colony.spec('g', { args: ['a', 2], kwargs: { n: 1 } })),
    entries: await colony.user.readChannel(process.processid, 'c'),
    colony: await colony.user.getColony(colony.colonyname),
    users: await colony.user.getUsers(colony.colonyname),
    executors: await colony.user.getExecutors(colony.colonyname),
    statistics: await colony.user.getColonyStatistics(colony.colonyname),
    logs: await colony.executor.getLogs(colony.colonyname, process.processid),
    version: await colony.server.serverVersion(),
  }
  for (const [name, value] of Object.entries(results)) {
    for (const record of [value].flat()) {
      assert.equal(Object.getPrototypeOf(record), Object.prototype, `${name} is a plain object`)
    }
    // structuredClone turns a Buffer into a Uint8Array with the same bytes.
    assert.equal(withBytes(structuredClone(value)), withBytes(value), name)
    assert.deepEqual(fromJson(JSON.stringify(value)), value, name)
  }
  assert.deepEqual(structuredClone(results.process), results.process)
  const [entry] = structuredClone(results.entries)
  assert.deepEqual([...entry.payload], [0, 255, 104, 105])
})
