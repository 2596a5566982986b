// index.d.ts: complete (type-checks a user's code, ESM and CommonJS, under `strict`), and no
// `any` in the public surface.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { runNode } from './helper.mjs'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('../', import.meta.url))

test('index.d.ts has no `any`', () => {
  for (const file of ['index.d.ts', 'index.d.mts']) {
    const code = readFileSync(`${root}${file}`, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
    assert.doesNotMatch(code, /\bany\b/, file)
  }
})

test('index.d.ts type-checks ESM and CommonJS usage (tsc --strict)', async () => {
  let tsc
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] })
  } catch {
    assert.fail('typescript is not installed: run npm install in bindings-node')
  }
  const run = await runNode([tsc, '-p', `${root}test/types/tsconfig.json`], { timeoutMs: 120_000 })
  assert.equal(run.code, 0, run.stdout + run.stderr)
})
