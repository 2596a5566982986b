#!/usr/bin/env node
'use strict'

// Packs one platform package (npm/<platform>) with its prebuilt addon, without touching the
// package folder: the manifest, README and LICENSE are copied with the addon into a staging
// folder, and `npm pack` writes the tarball into <out-dir>.
//   node bindings-node/scripts/pack.js <platform> <addon.node> <out-dir>
// The release workflow uses the same script for every platform.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const node = path.resolve(__dirname, '..')
const [platform, addon, outDir] = process.argv.slice(2)
if (!platform || !addon || !outDir) {
  console.error('usage: node bindings-node/scripts/pack.js <platform> <addon.node> <out-dir>')
  process.exit(2)
}
const source = path.join(node, 'npm', platform)
if (!fs.existsSync(path.join(source, 'package.json'))) {
  console.error(`pack.js: no platform package ${platform} (bindings-node/npm/${platform})`)
  process.exit(2)
}
if (!fs.existsSync(addon)) {
  console.error(`pack.js: no addon at ${addon}`)
  process.exit(2)
}

const manifest = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'))
const stage = fs.mkdtempSync(path.join(os.tmpdir(), `colonykit-${platform}-`))
try {
  for (const file of fs.readdirSync(source)) fs.copyFileSync(path.join(source, file), path.join(stage, file))
  fs.copyFileSync(path.join(node, 'LICENSE'), path.join(stage, 'LICENSE'))
  fs.copyFileSync(addon, path.join(stage, manifest.main))
  fs.mkdirSync(outDir, { recursive: true })
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', path.resolve(outDir)], {
    cwd: stage,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  })
  const [packed] = JSON.parse(out)
  console.log(`${packed.filename}: ${packed.entryCount} files, ${packed.size} bytes (${packed.unpackedSize} unpacked)`)
} finally {
  fs.rmSync(stage, { recursive: true, force: true })
}
