// ES module entry point: the same objects as the CommonJS entry (index.js).
import colonykit from './index.js'

export const {
  Client,
  Subscription,
  ChannelSubscription,
  ProcessSubscription,
  ChannelWriter,
  ProcessState,
  ExecutorState,
  generateKey,
  keyId,
  ColonyError,
  InvalidArgumentError,
  NotFoundError,
  UnauthorizedError,
  InvalidRequestError,
  ConflictError,
  RateLimitedError,
  TimeoutError,
  ConnectionError,
  ProtocolError,
  ServerError,
  ProcessClosedError,
  TlsError,
  OutcomeUnknownError,
  ChannelLostError,
  version,
} = colonykit

export default colonykit
