#!/usr/bin/env node
'use strict'

// Builds the native addon (colonykit.node) when the package is installed, with @napi-rs/cli:
// `napi build --release`, which runs cargo in this crate of the colonykit workspace.
//
// npm installs this package's dependencies first, except when the package is linked from outside
// the installing project (`npm install /path/to/colonykit/bindings-node`): npm then leaves the
// link's dependencies alone, so this script installs them itself before building.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

function fail(message) {
  console.error(`colonykit: ${message}`)
  process.exit(1)
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`)
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(' ')} failed (exit ${result.status})`)
}

function findCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [root] })
  } catch {
    return null
  }
}

if (!fs.existsSync(path.join(root, '..', 'core', 'Cargo.toml'))) {
  fail(
    'the Rust core (../core) is not next to this package. Install colonykit from a checkout of ' +
      'the colonykit repository, as a link: `npm install /path/to/colonykit/bindings-node` ' +
      '(not with --install-links, which copies the package without the core).',
  )
}

const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' })
if (cargo.error || cargo.status !== 0) {
  fail('building the native addon needs Rust and cargo (https://rustup.rs) on the PATH.')
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
    '--no-package-lock',
    '--ignore-scripts',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--install-links=false',
  ])
  cli = findCli()
  if (!cli) fail('@napi-rs/cli could not be installed; run `npm install` in ' + root)
}

const bin = path.join(path.dirname(cli), require(cli).bin.napi)
run(process.execPath, [bin, 'build', '--release', '--dts', 'native.d.ts'])
