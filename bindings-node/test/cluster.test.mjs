// A client of a three-node cluster (`make test-cluster` runs this file with COLONYKIT_SERVER_ENV
// naming the cluster's settings; elsewhere it is skipped): channels meet on their home node
// whatever order each side was given the nodes in, and a lost home is a ChannelLostError.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'

import { ChannelLostError, Client } from 'colonykit'
import { freshColony, REPO, serverEnv } from './helper.mjs'

const settings = serverEnv()
const NODES = (settings.COLONIES_SERVERS ?? '').split(',').filter(Boolean).map((n) => `http://${n}`)
const NAMES = (settings.COLONYKIT_NODES ?? '').split(',')
const skip = NODES.length < 3 && 'needs the cluster: make test-cluster'

/** `tests/server/node ACTION NAME` on the cluster instance. */
function node(action, name) {
  execFileSync(`${REPO}tests/server/node`, [action, name], {
    env: { ...process.env, COLONYKIT_INSTANCE: 'cluster' },
    stdio: 'inherit',
  })
}

test('a client and an executor given the nodes in other orders meet', { skip }, async (t) => {
  const colony = await freshColony(t)
  const user = new Client({ server: NODES, prvkey: colony.keys.user })
  const executor = new Client({ server: [...NODES].reverse(), prvkey: colony.keys.executor })
  const process = await user.submit(colony.spec('f', { channels: ['out'] }))
  const assigned = await executor.assign(colony.colonyname, { timeoutMs: 10_000 })
  assert.equal(assigned?.processid, process.processid)
  const writer = await executor.channelWriter(process.processid, 'out')
  for (let n = 0; n < 3; n++) await writer.send(`entry ${n}`)
  await writer.end()
  const payloads = []
  for await (const entry of user.subscribeChannel(process.processid, 'out')) {
    payloads.push(Buffer.from(entry.payload).toString())
  }
  assert.deepEqual(payloads, ['entry 0', 'entry 1', 'entry 2', ''])
  await executor.close(process.processid)
})

test('losing the node of a channel rejects with ChannelLostError', { skip }, async (t) => {
  const colony = await freshColony(t)
  const user = new Client({ server: [...NODES.slice(2), ...NODES.slice(0, 2)], prvkey: colony.keys.user })
  const executor = new Client({ server: NODES, prvkey: colony.keys.executor })
  const process = await user.submit(colony.spec('f', { channels: ['out'] }))
  assert.ok(await executor.assign(colony.colonyname, { timeoutMs: 10_000 }))
  await executor.append(process.processid, 'out', 1, 'before')
  const stream = user.subscribeChannel(process.processid, 'out')[Symbol.asyncIterator]()
  assert.equal(Buffer.from((await stream.next()).value.payload).toString(), 'before')
  // The home is the node whose own copy of the channel holds the entry.
  let home
  for (const [i, address] of NODES.entries()) {
    const alone = new Client({ server: address, prvkey: colony.keys.user })
    if ((await alone.readChannel(process.processid, 'out')).length > 0) home = NAMES[i]
  }
  assert.ok(home)
  node('kill', home)
  try {
    await assert.rejects(stream.next(), (error) => error instanceof ChannelLostError && /is lost: the cluster node/.test(error.message))
    await assert.rejects(executor.append(process.processid, 'out', 2, 'after'), ChannelLostError)
    await executor.close(process.processid)
  } finally {
    node('start', home)
  }
})
