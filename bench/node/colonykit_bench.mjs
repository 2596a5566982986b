// colonykit from Node, on the benchmark workload. Mirrors bench/rust/colonykit and
// bench/py/colonykit_bench.py: `node colonykit_bench.mjs <mode> <setup.json> [key=value ...]`,
// the result as one JSON line on stdout (a subscriber prints READY first).

import fs from 'node:fs'
import colonykit from 'colonykit'

import { processUsage } from './usage.mjs'

const { Client } = colonykit
const CHANNEL = 'bench'
const ENTRY_BYTES = 100
const FIRST_CALLS = 5

function die(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

function parseArgs() {
  const [mode, setupPath, ...rest] = process.argv.slice(2)
  if (!mode || !setupPath) die('usage: <mode> <setup.json> [key=value ...]')
  const params = Object.fromEntries(rest.filter((a) => a.includes('=')).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]))
  return {
    mode,
    setup: JSON.parse(fs.readFileSync(setupPath, 'utf8')),
    get: (key, def) => (params[key] === undefined ? def : typeof def === 'number' ? Number(params[key]) : params[key]),
  }
}

// Wall-clock ns (shared with the other processes on this machine) with hrtime's resolution.
const origin = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) - process.hrtime.bigint()
const wallNs = () => process.hrtime.bigint() + origin

function stampedPayload(ts) {
  const head = `${ts.toString().padStart(20, '0')}:`
  return Buffer.from(head + 'x'.repeat(ENTRY_BYTES - head.length))
}

function payloadStamp(payload) {
  if (payload.length < 21 || payload[20] !== 0x3a) return null
  const text = payload.subarray(0, 20).toString()
  return /^\d{20}$/.test(text) ? BigInt(text) : null
}

function percentile(values, p) {
  if (!values.length) return NaN
  const s = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * s.length)
  return s[Math.min(Math.max(rank, 1), s.length) - 1]
}

function statusKb(field) {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(field + ':'))
  return line ? Number(line.split(/\s+/)[1]) : 0
}

function resetPeakRss() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5')
  } catch {}
}

function printReport(report) {
  report.peak_rss_kb = statusKb('VmHWM')
  process.stdout.write(JSON.stringify(report) + '\n')
}

class Roles {
  constructor(setup) {
    this.setup = setup
    // Over TLS the driver gives the TLS address and the CA to trust.
    this.server = setup.server_url ?? `http://${setup.host}:${setup.port}`
    this.tls = setup.ca_file ? { caFile: setup.ca_file } : {}
    this.user = new Client({ server: this.server, prvkey: setup.user_key, ...this.tls })
    this.exec = this.user.withKey(setup.exec_key)
  }
  spec(channels) {
    const s = { funcname: 'bench', executortype: this.setup.exec_type, colonyname: this.setup.colony }
    return channels ? { ...s, channels: [CHANNEL] } : s
  }
  async assign() {
    const process = await this.exec.assign(this.setup.colony, { timeoutMs: 10000 })
    if (!process) die('assign: no process')
    return process.processid
  }
  async running() {
    await this.user.submit(this.spec(true))
    return this.assign()
  }
  append(pid, sequence) {
    return this.exec.append(pid, CHANNEL, sequence, stampedPayload(wallNs()))
  }
  async roundTrip() {
    await this.user.submit(this.spec(false))
    const pid = await this.assign()
    await this.exec.close(pid, [])
  }
}

const perf = () => performance.now()

async function work(a) {
  const roles = new Roles(a.setup)
  const nSeq = a.get('n_seq', 450), nFlight = a.get('n_flight', 450), inflight = a.get('inflight', 16)
  const rtSeq = a.get('rt_seq', 100), rtFlight = a.get('rt_flight', 320)
  const report = { rss_start_kb: statusKb('VmRSS') }
  const sign = colonykit.sign ?? colonykit.signMessage
  if (typeof sign === 'function') {
    const n = a.get('sign_n', 2000)
    for (let i = 0; i < n / 10; i++) sign(a.setup.exec_key, 'warm-up')
    const t = perf()
    for (let i = 0; i < n; i++) sign(a.setup.exec_key, 'eyJwcm9jZXNzaWQiOiJmZmZm')
    report.sign_us = ((perf() - t) * 1e3) / n
  }

  let pid = await roles.running()
  const samples = []
  const [cpu, switches] = processUsage()
  let began = perf()
  for (let sequence = 1; sequence <= nSeq; sequence++) {
    const t = perf()
    await roles.append(pid, sequence)
    samples.push(perf() - t)
  }
  report.seq_appends_per_s = nSeq / ((perf() - began) / 1e3)
  const [cpuAfter, switchesAfter] = processUsage()
  report.cpu_per_append_us = (cpuAfter - cpu) / 1e3 / nSeq
  report.switches_per_append = (switchesAfter - switches) / nSeq
  report.append_p50_ms = percentile(samples, 50)
  report.append_p99_ms = percentile(samples, 99)
  report.hwm_after_seq_kb = statusKb('VmHWM')
  // Time to first call: a fresh client (its own connections) appends once; the median of 5.
  const firsts = []
  for (let i = 1; i <= FIRST_CALLS; i++) {
    const t = perf()
    const fresh = new Client({ server: roles.server, prvkey: a.setup.exec_key, ...roles.tls })
    await fresh.append(pid, CHANNEL, nSeq + i, stampedPayload(wallNs()))
    firsts.push(perf() - t)
  }
  report.first_call_ms = percentile(firsts, 50)
  await roles.exec.close(pid, [])

  pid = await roles.running()
  let next = 1
  began = perf()
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      for (let sequence = next++; sequence <= nFlight; sequence = next++) await roles.append(pid, sequence)
    }),
  )
  report.flight_appends_per_s = nFlight / ((perf() - began) / 1e3)
  report.hwm_after_flight_kb = statusKb('VmHWM')
  await roles.exec.close(pid, [])

  began = perf()
  for (let i = 0; i < rtSeq; i++) await roles.roundTrip()
  report.rt_seq_per_s = rtSeq / ((perf() - began) / 1e3)
  report.hwm_after_rt_seq_kb = statusKb('VmHWM')
  const perTask = Math.floor(rtFlight / inflight)
  began = perf()
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      for (let i = 0; i < perTask; i++) await roles.roundTrip()
    }),
  )
  report.rt_flight_per_s = (perTask * inflight) / ((perf() - began) / 1e3)
  printReport(report)
}

async function publish(a) {
  const roles = new Roles(a.setup)
  const pid = a.get('pid', ''), n = a.get('n', 200), interval = a.get('interval_ms', 5)
  const began = perf()
  for (let sequence = 1; sequence <= n; sequence++) {
    const wait = began + interval * sequence - perf()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    await roles.append(pid, sequence)
  }
  printReport({ published: n })
}

async function subscribe(a) {
  const roles = new Roles(a.setup)
  const pid = a.get('pid', ''), n = a.get('n', 200)
  const latencies = []
  for await (const entry of roles.user.subscribeChannel(pid, CHANNEL)) {
    const received = wallNs()
    const sent = payloadStamp(entry.payload)
    if (sent === null) process.stdout.write('READY\n')
    else {
      latencies.push(Number(received - sent) / 1e6)
      if (latencies.length >= n) break
    }
  }
  if (latencies.length < n) die('subscription ended early')
  printReport({ delivery_p50_ms: percentile(latencies, 50), delivery_p99_ms: percentile(latencies, 99) })
}

async function stream(a) {
  const roles = new Roles(a.setup)
  const pid = a.get('pid', ''), n = a.get('n', 10000), live = a.get('live', 0)
  const report = {}
  // Warm the client up, so that the baseline holds all but this stream: a call (on the JS
  // thread) and a stream left at its first entry (streams run on the runtime's thread).
  await roles.user.getProcess(pid)
  for await (const _entry of roles.user.subscribeChannel(pid, CHANNEL)) break
  let baseline = 0
  if (!live) {
    resetPeakRss()
    baseline = statusKb('VmRSS')
  }
  const began = perf()
  let count = 0
  for await (const _entry of roles.user.subscribeChannel(pid, CHANNEL)) {
    count++
    if (count === 1 && live) {
      process.stdout.write('READY\n')
      resetPeakRss()
      baseline = statusKb('VmRSS')
    }
    if (count >= n) break
  }
  if (count < n) die('subscription ended early')
  report.stream_seconds = (perf() - began) / 1e3
  report.stream_entries = count
  report.stream_base_kb = baseline
  report.stream_growth_kb = Math.max(statusKb('VmHWM') - baseline, 0)
  printReport(report)
}

// Memory per idle channel subscription: `n` open (each has read one entry, so each is
// connected), RSS growth divided by `n`.
async function idleSubs(a) {
  const roles = new Roles(a.setup)
  const pid = a.get('pid', ''), n = a.get('n', 1000)
  await roles.user.getProcess(pid) // warm the client up
  const base = statusKb('VmRSS')
  const subs = Array.from({ length: n }, () => roles.user.subscribeChannel(pid, CHANNEL))
  // Every subscription reads from the start, so the entry reaches the late ones too.
  const reads = subs.map(async (sub) => {
    const { done } = await sub.next()
    if (done) die('subscription ended early')
  })
  await Promise.all([roles.append(pid, 1), ...reads])
  const grown = statusKb('VmRSS') - base
  printReport({ idle_sub_kb: grown / n, idle_subs: n })
  for (const sub of subs) sub.close()
}

const modes = { work, pub: publish, sub: subscribe, stream, 'idle-subs': idleSubs }
const a = parseArgs()
if (!modes[a.mode]) die(`unknown mode ${a.mode}`)
modes[a.mode](a).catch((e) => die(`${e?.code ?? ''} ${e?.stack ?? e}`))
