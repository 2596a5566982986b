// The README's quick start, pasted into a file, runs as written against a colony and exits by
// itself.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { freshColony, runNode } from './helper.mjs'

test('README quick start runs as written and exits by itself', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Quick start'))
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(code, 'no js block in the quick start')
  // Inside the package folder, so that `import ... from 'colonykit'` resolves to it.
  const file = fileURLToPath(new URL('./.quickstart.mjs', import.meta.url))
  writeFileSync(file, code)
  t.after(() => rmSync(file, { force: true }))

  const colony = await freshColony(t)
  const run = await runNode([file], { env: colony.env(), timeoutMs: 30_000 })
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stdout, "1 data step 1/3\n2 data step 2/3\n3 data step 3/3\n4 end \nSUCCESS [ 'done' ]\n")
  assert.ok(run.ms < 10_000, `took ${run.ms} ms`)
})
