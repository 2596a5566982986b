// Per-thread cost of sequential appends from Node: CPU µs and context switches per append, for
// each thread of the process by name (the JS thread, libuv's and the runtime's workers) apart.
// The Node counterpart of bench/py/thread_cost.py.
//
//     node bench/node/thread_cost.mjs <setup.json> <pid>[,<pid>...]
//
// Each process (`bench/rust/target/release/raw mkproc <setup.json>`) takes 449 appends (inside
// the server's burst). A tool for finding causes, not part of the table; see bench/README.md.

import { readFileSync } from 'node:fs'
import { Client } from 'colonykit'

import { threadUsage } from './usage.mjs'

const CHANNEL = 'bench'
const PAYLOAD = Buffer.alloc(100, 'x')

if (process.argv.length !== 4) {
  console.error('usage: node bench/node/thread_cost.mjs <setup.json> <pid>[,<pid>...]')
  process.exit(2)
}
const setup = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const pids = process.argv[3].split(',')
const client = new Client({ server: `http://${setup.host}:${setup.port}`, prvkey: setup.exec_key })
await client.append(pids[0], CHANNEL, 1, PAYLOAD) // warm up: the connection is open
const before = threadUsage()
let n = 0
for (const pid of pids) {
  for (let sequence = 2; sequence <= 450; sequence++) {
    await client.append(pid, CHANNEL, sequence, PAYLOAD)
    n++
  }
}
const result = {}
for (const [name, [cpu, switches]] of Object.entries(threadUsage())) {
  const [cpu0, switches0] = before[name] ?? [0, 0]
  result[name] = {
    cpu_us: Math.round((cpu - cpu0) / 1e2 / n) / 10,
    switches: Math.round(((switches - switches0) / n) * 100) / 100,
  }
}
console.log(JSON.stringify(result))
