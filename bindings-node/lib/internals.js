'use strict'

// What index.js shares with the package's other modules (lib/executor.js) and nobody else:
// `client.nativeOf(client)` gives a Client's native client, `client.wrap(native)` a Client
// around a native client. Set by the Client class of index.js when it is defined.
module.exports = { client: null }
