// Type-checked by types.test.mjs (tsc --noEmit): the public surface as a CommonJS user sees it.
import colonykit = require('colonykit')

export async function demo(): Promise<void> {
  const client = new colonykit.Client({ server: 'http://localhost:50080' })
  const version: { buildversion: string; buildtime: string } = await client.serverVersion()
  const entries: colonykit.ChannelEntry[] = await client.readChannel('pid', 'channel', { after: 1, limit: 10 })
  const error: colonykit.ColonyError = new colonykit.TimeoutError('late')
  void version
  void entries
  void error
}
