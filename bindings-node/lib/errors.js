'use strict'

/**
 * Error classes, and the conversion of the addon's errors into them.
 *
 * The addon raises errors whose message is `\u0001colonykit|<kind>|<status>|<progress>|<message>`
 * (`progress`: a channel writer's progress as JSON, or empty); they are
 * turned into the `ColonyError` subclass of that kind here and never reach users as such.
 */

const TAG = '\u0001colonykit|'

/** Every error colonykit raises: `code` is the core's error kind, `status` the HTTP status. */
class ColonyError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, status?: number, cause?: unknown }} [options]
   */
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    /** The core's error kind, e.g. `'NotFound'`. */
    this.code = new.target.code ?? options.code ?? 'Unknown'
    /** The HTTP status the server answered with, when it answered. */
    this.status = options.status
    /** For a channel writer that gave up: `{ accepted, notAccepted }` (see index.d.ts). */
    this.writeProgress = undefined
  }
}
Object.defineProperty(ColonyError.prototype, 'name', {
  value: 'ColonyError',
  writable: true,
  configurable: true,
})

/** One subclass per core error kind: `[class name, kind]`. */
const KINDS = [
  ['InvalidArgumentError', 'InvalidArgument'],
  ['NotFoundError', 'NotFound'],
  ['UnauthorizedError', 'Unauthorized'],
  ['InvalidRequestError', 'InvalidRequest'],
  ['ConflictError', 'Conflict'],
  ['RateLimitedError', 'RateLimited'],
  ['TimeoutError', 'Timeout'],
  ['ConnectionError', 'Connection'],
  ['ProtocolError', 'Protocol'],
  ['ServerError', 'Server'],
  ['ProcessClosedError', 'ProcessClosed'],
  ['TlsError', 'Tls'],
  ['OutcomeUnknownError', 'OutcomeUnknown'],
  ['ChannelLostError', 'ChannelLost'],
]

const classes = { ColonyError }
const byKind = new Map()
for (const [name, kind] of KINDS) {
  // A named class expression, so that stacks and `util.inspect` show the right name.
  const cls = {
    [name]: class extends ColonyError {},
  }[name]
  Object.defineProperty(cls, 'code', { value: kind })
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
  classes[name] = cls
  byKind.set(kind, cls)
}

/** napi's own argument-conversion statuses: a JS value of the wrong type. */
const TYPE_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'ArrayBufferExpected',
])

function abortError(signal) {
  if (signal && signal.aborted) return signal.reason
  return new DOMException('The operation was aborted', 'AbortError')
}

/**
 * The JS error for an error thrown or rejected by the addon.
 * @param {unknown} error
 * @param {AbortSignal} [signal] the signal whose reason an aborted call rejects with
 * @returns {unknown}
 */
function convertError(error, signal) {
  if (!(error instanceof Error) || error instanceof ColonyError) return error
  const text = error.message
  if (typeof text === 'string' && text.startsWith(TAG)) {
    const rest = text.slice(TAG.length)
    const first = rest.indexOf('|')
    const second = rest.indexOf('|', first + 1)
    const third = rest.indexOf('|', second + 1)
    if (first < 0 || second < 0 || third < 0) return new ColonyError(rest, { code: 'Internal' })
    const kind = rest.slice(0, first)
    const statusText = rest.slice(first + 1, second)
    const progressText = rest.slice(second + 1, third)
    const message = rest.slice(third + 1)
    if (kind === 'Aborted') return abortError(signal)
    const status = statusText === '' ? undefined : Number(statusText)
    const cls = byKind.get(kind)
    const converted = cls ? new cls(message, { status }) : new ColonyError(message, { code: kind, status })
    if (progressText !== '') converted.writeProgress = JSON.parse(progressText)
    Error.captureStackTrace(converted, convertError)
    return converted
  }
  if (TYPE_STATUSES.has(error.code)) return new TypeError(text)
  // napi's own report of a contained panic in a synchronous call (the addon tags all others).
  if (error.code === 'GenericFailure') {
    return new ColonyError(`colonykit panicked (a bug, please report it): ${text}`, { code: 'Internal', cause: error })
  }
  return error
}

module.exports = { ...classes, convertError }
