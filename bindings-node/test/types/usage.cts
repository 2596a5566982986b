// Type-checked by types.test.mjs (tsc --noEmit): the public surface as a CommonJS user sees it.
import colonykit = require('colonykit')

export async function demo(): Promise<void> {
  const client = new colonykit.Client({ server: 'http://localhost:50080' })
  const version: { buildversion: string; buildtime: string } = await client.serverVersion()
  const entries: colonykit.ChannelEntry[] = await client.readChannel('pid', 'channel', { after: 1, limit: 10 })
  const error: colonykit.ColonyError = new colonykit.TimeoutError('late')
  const stats: colonykit.Statistics = await client.getColonyStatistics('dev')
  const work: colonykit.Subscription<colonykit.Process> = client.assignments('dev', { pollMs: 2000 })
  work.close()
  void version
  void stats
  void entries
  void error
}
