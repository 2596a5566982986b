// What the examples share: settings from the environment.
//
// `make bootstrap` writes the settings to examples/run/colony.env:
// COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_COLONY_NAME,
// COLONIES_EXECUTOR_TYPE, COLONIES_USER_PRVKEY (clients) and COLONIES_EXECUTOR_PRVKEY (executors).

import { Client } from 'colonykit'

/** The value of environment variable `name`; exits with a hint when it is missing. */
export function required(name) {
  const value = (process.env[name] ?? '').trim()
  if (!value) {
    console.error(`${name} is not set (run \`make bootstrap\` and source examples/run/colony.env)`)
    process.exit(2)
  }
  return value
}

/** The colony's name and the executor type the examples use. */
export function colony() {
  return { colonyname: required('COLONIES_COLONY_NAME'), executortype: required('COLONIES_EXECUTOR_TYPE') }
}

/** A client signing as the colony's user (who submits). */
export function user() {
  return Client.fromEnv().withKey(required('COLONIES_USER_PRVKEY'))
}

/** A client signing as the colony's executor (who runs). */
export function executor() {
  return Client.fromEnv().withKey(required('COLONIES_EXECUTOR_PRVKEY'))
}

/** A spec for `funcname` with `channels`, for this colony's executor type. */
export function spec(funcname, channels) {
  const { colonyname, executortype } = colony()
  return { funcname, executortype, colonyname, channels }
}
