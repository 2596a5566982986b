'use strict'

// Loads the native addon (the Rust core, through napi-rs):
// - `colonykit.node` in the package folder when there is one: the addon built from source in a
//   checkout (`npm run build`);
// - otherwise the prebuilt addon of this platform's package, `@colonykit/<platform>`, which npm
//   installs as an optional dependency of colonykit (only the one whose os, cpu and libc fit).

const { existsSync, readFileSync } = require('node:fs')
const path = require('node:path')

/** The platform packages that are published, by `${process.platform}-${process.arch}[-abi]`. */
const PLATFORMS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
]

function isMusl() {
  // Node reports the glibc it runs on; musl builds (e.g. Alpine) report none.
  try {
    const { header } = process.report.getReport()
    if (header && header.glibcVersionRuntime) return false
  } catch {
    // No report: look at the dynamic loader's name below.
  }
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    return existsSync('/lib/ld-musl-x86_64.so.1') || existsSync('/lib/ld-musl-aarch64.so.1')
  }
}

/** This platform's name, as the platform packages are named. */
function platformName() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function load() {
  const local = path.join(__dirname, '..', 'colonykit.node')
  if (existsSync(local)) {
    try {
      return require(local)
    } catch (cause) {
      throw new Error(
        `colonykit: the addon built from source (${local}) cannot be loaded: ${cause.message}. ` +
          'Rebuild it with `npm run build` in the package folder (this needs Rust and cargo), ' +
          'or delete it to use the prebuilt platform package.',
        { cause },
      )
    }
  }
  const name = platformName()
  const pkg = `@colonykit/${name}`
  if (!PLATFORMS.includes(name)) {
    throw new Error(
      `colonykit: there is no prebuilt native addon for ${name} (there is one for ` +
        `${PLATFORMS.join(', ')}). Build it from source: see "Building from source" in ` +
        "colonykit's README.",
    )
  }
  try {
    return require(pkg)
  } catch (cause) {
    if (cause && cause.code === 'MODULE_NOT_FOUND' && String(cause.message).includes(pkg)) {
      throw new Error(
        `colonykit: the native addon of this platform is missing: the package ${pkg} is not ` +
          'installed. npm installs it with colonykit (an optional dependency) unless optional ' +
          'dependencies are left out (--omit=optional, --no-optional) or the lockfile was made ' +
          `on another platform: then run \`npm install ${pkg}@${require('../package.json').version}\`, ` +
          'or delete node_modules and the lockfile and install again.',
        { cause },
      )
    }
    throw new Error(`colonykit: ${pkg} is installed but its addon cannot be loaded: ${cause.message}`, {
      cause,
    })
  }
}

module.exports = load()
