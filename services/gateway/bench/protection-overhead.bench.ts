/**
 * @module End-to-end cost of the protection stack (per-IP limit, key RPM/TPM, daily quota, admission queue) on one
 * request: the same gateway app with the protections on (limits far above the load) and off, handling the same
 * chat request against a stubbed upstream, alternating batches in one process; CPU µs per request, paired.
 * Run: `bun run bench protection-overhead`.
 */
import { inProcessGateway, median, stubUpstreamFetch } from './lib/in-process.ts'

stubUpstreamFetch()
const off = await inProcessGateway()
const on = await inProcessGateway({
  RATE_LIMIT_RPS: '1000000',
  KEY_RPM: '60000000',
  KEY_TPM: '60000000',
  DAILY_TOKEN_QUOTA: '1000000000000',
  MAX_CONCURRENT_REQUESTS: '1000',
})
await off.cpuPerRequest(3000)
await on.cpuPerRequest(3000)
const withoutProtection: number[] = []
const withProtection: number[] = []
const paired: number[] = []
for (let round = 0; round < 11; round++) {
  const x = await off.cpuPerRequest(2000)
  const y = await on.cpuPerRequest(2000)
  withoutProtection.push(x)
  withProtection.push(y)
  paired.push(y - x)
}
console.log(
  `protection off ${median(withoutProtection).toFixed(1)} µs/req, on ${median(withProtection).toFixed(1)} µs/req, paired difference median ${median(paired).toFixed(1)} µs`,
)
process.exit(0)
