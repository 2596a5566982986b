#!/usr/bin/env node
'use strict'

// One version for the crate, the Python package and the npm packages: the Cargo workspace's
// (Cargo.toml, [workspace.package] version). maturin gives it to the Python package; the npm
// manifests must spell it out, so this script checks them (and the LICENSE copies):
//   node bindings-node/scripts/version.js check       fails, naming each file that differs
//   node bindings-node/scripts/version.js set 0.2.0   writes the version everywhere

const fs = require('node:fs')
const path = require('node:path')

const node = path.resolve(__dirname, '..')
const root = path.resolve(node, '..')
const workspaceToml = path.join(root, 'Cargo.toml')

function cargoVersion() {
  const text = fs.readFileSync(workspaceToml, 'utf8')
  const section = /^\[workspace\.package\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)
  const version = section && /^version\s*=\s*"([^"]+)"/m.exec(section[1])
  if (!version) throw new Error(`no version in [workspace.package] of ${workspaceToml}`)
  return version[1]
}

/** Every npm manifest of the project: the main package and each platform package. */
function manifests() {
  const platforms = fs
    .readdirSync(path.join(node, 'npm'))
    .map((name) => path.join(node, 'npm', name, 'package.json'))
  return [path.join(node, 'package.json'), ...platforms]
}

/** [file, what, found] for every version in the npm manifests. */
function npmVersions() {
  const found = []
  for (const file of manifests()) {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
    found.push([file, 'version', manifest.version])
    for (const [dep, spec] of Object.entries(manifest.optionalDependencies || {})) {
      found.push([file, `optionalDependencies["${dep}"]`, spec])
    }
  }
  return found
}

function check() {
  const version = cargoVersion()
  const problems = []
  for (const [file, what, found] of npmVersions()) {
    if (found !== version) problems.push(`${path.relative(root, file)}: ${what} is ${found}, not ${version}`)
  }
  const main = JSON.parse(fs.readFileSync(path.join(node, 'package.json'), 'utf8'))
  const platforms = fs.readdirSync(path.join(node, 'npm')).map((name) => `@colonykit/${name}`)
  const optional = Object.keys(main.optionalDependencies || {})
  for (const name of platforms.filter((p) => !optional.includes(p))) {
    problems.push(`bindings-node/package.json: ${name} is not an optional dependency`)
  }
  for (const name of optional.filter((p) => !platforms.includes(p))) {
    problems.push(`bindings-node/package.json: optional dependency ${name} has no npm/ folder`)
  }
  const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')
  for (const dir of ['core', 'bindings-python', 'bindings-node']) {
    const file = path.join(root, dir, 'LICENSE')
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== license) {
      problems.push(`${dir}/LICENSE is not a copy of LICENSE`)
    }
  }
  if (problems.length) {
    console.error(`version check: the version is ${version} (Cargo.toml [workspace.package]), but`)
    for (const problem of problems) console.error(`  ${problem}`)
    console.error('fix: node bindings-node/scripts/version.js set ' + version)
    process.exit(1)
  }
  console.log(`version check: ${version} everywhere`)
}

function set(version) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    console.error(`version.js set: ${version} is not a version such as 1.2.3`)
    process.exit(2)
  }
  const text = fs.readFileSync(workspaceToml, 'utf8')
  const updated = text.replace(
    /(^\[workspace\.package\][\s\S]*?^version\s*=\s*")[^"]+(")/m,
    (_, before, after) => before + version + after,
  )
  fs.writeFileSync(workspaceToml, updated)
  for (const file of manifests()) {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
    manifest.version = version
    for (const dep of Object.keys(manifest.optionalDependencies || {})) {
      manifest.optionalDependencies[dep] = version
    }
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n')
  }
  for (const dir of ['core', 'bindings-python', 'bindings-node']) {
    fs.copyFileSync(path.join(root, 'LICENSE'), path.join(root, dir, 'LICENSE'))
  }
  console.log(`version ${version} set; Cargo.lock follows at the next cargo build`)
}

const [command, value] = process.argv.slice(2)
if (command === 'check') check()
else if (command === 'set' && value) set(value)
else {
  console.error('usage: node bindings-node/scripts/version.js check | set VERSION')
  process.exit(2)
}
