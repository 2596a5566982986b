'use strict'

// Loads the native addon, built into the package folder by `napi build` at install time.
let native
try {
  native = require('../colonykit.node')
} catch (cause) {
  throw new Error(
    'colonykit: the native addon (colonykit.node) is missing or cannot be loaded. ' +
      'It is built when the package is installed; rebuild it with `npm run build` in the ' +
      'package folder (this needs Rust and cargo). Cause: ' +
      (cause && cause.message),
    { cause },
  )
}

module.exports = native
