// The pass-through methods come from the core's table of operations: the addon describes it
// (`operations()`), index.js makes one Client method per row, and index.d.ts declares them
// (generated from the same table). This checks the three agree: every row is a Client method,
// and its declaration has the row's arguments, in order, optional where the row's are.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { Client } from 'colonykit'

const require = createRequire(import.meta.url)
const native = require('../lib/native.js')
const root = fileURLToPath(new URL('../', import.meta.url))

const camelCase = (snake) => snake.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

/** The Client declarations of index.d.ts: method name -> [[argument, optional]]. */
function declarations() {
  const text = readFileSync(`${root}index.d.ts`, 'utf8')
  const client = text.slice(text.indexOf('export declare class Client {'))
  const methods = new Map()
  for (const match of client.slice(0, client.indexOf('\n}')).matchAll(/^ {2}(\w+)\(([^)]*)\):/gm)) {
    const args = match[2]
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf(':')).replace('?', ''), a.slice(0, a.indexOf(':')).endsWith('?')])
    methods.set(match[1], args)
  }
  return methods
}

test('every row of the table is a Client method, declared with its arguments', () => {
  const rows = JSON.parse(native.operations())
  assert.ok(rows.length > 80, `only ${rows.length} rows`)
  const declared = declarations()
  for (const { name, args } of rows) {
    const method = camelCase(name)
    assert.equal(typeof Client.prototype[method], 'function', `Client.${method}`)
    const want = args.map((a) => [a.name === 'function' ? 'func' : camelCase(a.name), a.optional])
    assert.deepEqual(declared.get(method), want, `index.d.ts: ${method}`)
  }
})

test('getProcessHistory takes (colonyname, state, seconds, executorid?), as in Rust and Python', () => {
  const row = JSON.parse(native.operations()).find((r) => r.name === 'get_process_history')
  assert.deepEqual(
    row.args.map((a) => [a.name, a.optional]),
    [
      ['colonyname', false],
      ['state', false],
      ['seconds', false],
      ['executorid', true],
    ],
  )
})
