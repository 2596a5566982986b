// An installed colonykit, checked without a server (the release workflow runs it on every
// platform): it loads its platform's addon, makes keys, and a call that cannot connect rejects
// with a colonykit error. Run it where colonykit is installed (node smoke.mjs).
import { createRequire } from 'node:module'

import { Client, ColonyError, generateKey, keyId, version } from 'colonykit'

const require = createRequire(import.meta.url)
if (require('colonykit').version !== version) throw new Error('CommonJS and ESM disagree')

const key = generateKey()
if (keyId(key).length !== 64) throw new Error('bad key ID')
const client = new Client({ server: 'http://127.0.0.1:9', prvkey: key })
try {
  await client.serverInfo()
  throw new Error('a call to a closed port succeeded')
} catch (error) {
  if (!(error instanceof ColonyError)) throw error
  console.log(`the call failed as expected: ${error.name}`)
}
console.log(`colonykit ${version} on Node ${process.version} (${process.platform}-${process.arch}): ok`)
