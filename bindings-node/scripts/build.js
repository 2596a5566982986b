#!/usr/bin/env node
'use strict'

// `npm install` in a checkout (the package's `prepare` script): builds the native addon from
// source (colonykit.node in the package folder, `napi build --release`) when it is missing or
// older than the Rust sources. npm does not run `prepare` when it installs the published package
// (that one takes the prebuilt addon of its platform package), and `npm pack --ignore-scripts`
// skips it too.
//
// npm installs this package's dependencies first, except when the package is linked from outside
// the installing project (`npm install /path/to/colonykit/bindings-node`): npm then leaves the
// link's dependencies alone, so this script installs them itself before building.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const addon = path.join(root, 'colonykit.node')

function fail(message) {
  console.error(`colonykit: ${message}`)
  process.exit(1)
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`)
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(' ')} failed (exit ${result.status})`)
}

/** The newest modification time of the files under `paths` (0 for none). */
function newest(paths) {
  let latest = 0
  for (const item of paths) {
    let stat
    try {
      stat = fs.statSync(item)
    } catch {
      continue
    }
    if (stat.isDirectory()) {
      const entries = fs.readdirSync(item).map((entry) => path.join(item, entry))
      latest = Math.max(latest, newest(entries))
    } else {
      latest = Math.max(latest, stat.mtimeMs)
    }
  }
  return latest
}

function findCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [root] })
  } catch {
    return null
  }
}

const workspace = path.join(root, '..')
if (!fs.existsSync(path.join(workspace, 'core', 'Cargo.toml'))) {
  fail('the Rust core (../core) is not next to this package: build it from a colonykit checkout.')
}

const sources = [
  path.join(workspace, 'core', 'src'),
  path.join(workspace, 'core', 'Cargo.toml'),
  path.join(workspace, 'Cargo.toml'),
  path.join(workspace, 'Cargo.lock'),
  path.join(root, 'src'),
  path.join(root, 'Cargo.toml'),
  path.join(root, 'build.rs'),
]
if (fs.existsSync(addon) && fs.statSync(addon).mtimeMs >= newest(sources)) {
  console.log('colonykit: colonykit.node is up to date with the Rust sources')
  process.exit(0)
}

const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' })
if (cargo.error || cargo.status !== 0) {
  fail('building the native addon from source needs Rust and cargo (https://rustup.rs) on the PATH.')
}

let cli = findCli()
if (!cli) {
  const npm = process.env.npm_execpath
  const [command, prefix] =
    npm && npm.endsWith('.js') ? [process.execPath, [npm]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
  run(command, [
    ...prefix,
    'install',
    '--no-save',
    '--ignore-scripts',
    '--include=dev',
    '--no-audit',
    '--no-fund',
    '--install-links=false',
  ])
  cli = findCli()
  if (!cli) fail('@napi-rs/cli could not be installed; run `npm install` in ' + root)
}

const bin = path.join(path.dirname(cli), require(cli).bin.napi)
run(process.execPath, [bin, 'build', '--release', '--dts', 'native.d.ts'])
