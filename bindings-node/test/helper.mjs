// Test helpers: the real server's settings, and a fresh colony (with an approved executor and a
// user) per test, made with the server key from tests/server/run/server.env.

import { readFileSync } from 'node:fs'
import net from 'node:net'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

import { Client, generateKey, keyId, RateLimitedError } from 'colonykit'

/** The repository's root folder (bindings-node/test/../..). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The server's settings (KEY=VALUE lines written by tests/server/up): the file named by
 * COLONYKIT_SERVER_ENV (e.g. the TLS instance's tests/server/run-tls/server.env), else the
 * default instance's.
 */
export function serverEnv() {
  const file = process.env.COLONYKIT_SERVER_ENV || new URL('../../tests/server/run/server.env', import.meta.url)
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new Error(`no server settings at ${file instanceof URL ? fileURLToPath(file) : file}: start the server with tests/server/up`, { cause })
  }
  const env = {}
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line)
    if (match) env[match[1]] = match[2].trim().replace(/^"(.*)"$/, '$1')
  }
  return env
}

const settings = serverEnv()

/** The server's address. */
export const SERVER = `${settings.COLONIES_TLS === 'true' ? 'https' : 'http'}://${settings.COLONIES_SERVER_HOST ?? '127.0.0.1'}:${settings.COLONIES_SERVER_PORT ?? '50080'}`

/** The client options that make the test server trusted (its CA, for the TLS instance). */
export const TLS = settings.COLONIES_CA_FILE ? { caFile: settings.COLONIES_CA_FILE } : {}

/** The server owner's key. */
export const SERVER_KEY = settings.COLONIES_SERVER_PRVKEY

/** A unique name with a readable prefix. */
export function uniqueName(prefix) {
  return `${prefix}-${randomUUID().slice(0, 12)}`
}

/**
 * A fresh colony with an approved executor and a user, removed when the test ends.
 * @param {import('node:test').TestContext} [t]
 */
export async function freshColony(t) {
  const server = new Client({ server: SERVER, prvkey: SERVER_KEY, ...TLS })
  const colonyKey = generateKey()
  const colonyname = uniqueName('node')
  await server.addColony(keyId(colonyKey), colonyname)
  const owner = server.withKey(colonyKey)

  // Unique: the server wakes one listener per event for a type across all colonies.
  const executortype = uniqueName('node-type')
  const executorKey = generateKey()
  const executorname = uniqueName('executor')
  await owner.addExecutor({ executorid: keyId(executorKey), executortype, executorname, colonyname })
  await owner.approveExecutor(colonyname, executorname)

  const userKey = generateKey()
  const username = uniqueName('user')
  await owner.addUser({ colonyname, userid: keyId(userKey), name: username })

  const colony = {
    colonyname,
    executortype,
    executorname,
    username,
    keys: { server: SERVER_KEY, colony: colonyKey, executor: executorKey, user: userKey },
    server,
    owner,
    executor: server.withKey(executorKey),
    user: server.withKey(userKey),
    /** A spec for this colony's executor type. */
    spec(funcname, extra = {}) {
      return { funcname, executortype, colonyname, ...extra }
    },
    /** The environment the examples read. */
    env() {
      const url = new URL(SERVER)
      return {
        COLONIES_SERVER_HOST: url.hostname,
        COLONIES_SERVER_PORT: url.port,
        COLONIES_TLS: url.protocol === 'https:' ? 'true' : 'false',
        ...(TLS.caFile ? { COLONIES_CA_FILE: TLS.caFile } : {}),
        COLONIES_COLONY_NAME: colonyname,
        COLONIES_EXECUTOR_TYPE: executortype,
        COLONIES_USER_PRVKEY: userKey,
        COLONIES_EXECUTOR_PRVKEY: executorKey,
      }
    },
    async remove() {
      await server.removeColony(colonyname).catch(() => {})
    },
  }
  if (t) t.after(() => colony.remove())
  return colony
}

/** Submits a process with `channels` and has the colony's executor take it. */
export async function runningProcess(colony, funcname, channels) {
  const submitted = await colony.user.submit(colony.spec(funcname, { channels }))
  const assigned = await colony.executor.assign(colony.colonyname, { timeoutMs: 10_000 })
  if (!assigned || assigned.processid !== submitted.processid) {
    throw new Error(`expected to be assigned ${submitted.processid}`)
  }
  return assigned
}

/** Appends, retrying while the server's rate limit says so. */
export async function appendRetrying(client, processid, channel, sequence, payload, options) {
  for (;;) {
    try {
      return await client.append(processid, channel, sequence, payload, options)
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error
      await sleep(20)
    }
  }
}

/**
 * Runs a Node script; resolves to { code, signal, stdout, stderr, ms } (rejects after `timeoutMs`,
 * killing the child).
 */
export function runNode(args, { env = {}, timeoutMs = 30_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** Resolves with how long `promise` took to settle (ms), and its outcome. */
export async function timed(promise) {
  const started = performance.now()
  try {
    const value = await promise
    return { ms: performance.now() - started, value }
  } catch (error) {
    return { ms: performance.now() - started, error }
  }
}

/** Forwards connections to the server; `dropAll` cuts every open one. */
export async function startProxy() {
  const upstream = new URL(SERVER)
  const sockets = new Set()
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(upstream.port), upstream.hostname)
    for (const socket of [inbound, outbound]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    inbound.pipe(outbound).pipe(inbound)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    address: `${upstream.protocol}//127.0.0.1:${server.address().port}`,
    dropAll() {
      for (const socket of sockets) socket.destroy()
    },
    close() {
      this.dropAll()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}
