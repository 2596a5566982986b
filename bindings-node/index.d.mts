// Types of the ES module entry point (index.mjs): the same as the CommonJS entry's.
export * from './index.js'
import * as colonykit from './index.js'
export default colonykit
