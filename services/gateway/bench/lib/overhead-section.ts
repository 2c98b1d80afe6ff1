/** @module The "gateway overhead" section of BENCHMARKS.md: how the figures were taken, then the tables. */
import type { BenchPlan } from './bench-config.ts'
import { ADDED_FLOOR_MS, COLLAPSE_ERROR_RATE } from './overhead-report.ts'

export interface SectionFacts {
  readonly plan: BenchPlan
  readonly loadBefore: string
  readonly loadAfter: string
  /** ISO timestamp of the run. */
  readonly date: string
  readonly throughputTool: string
  readonly fetchLimit: string
  readonly incidents: readonly string[]
  readonly tables: string
}

export function renderSection(facts: SectionFacts): string {
  const { plan } = facts
  return [
    '- Command: `bun run bench overhead` (services/gateway/bench/overhead.bench.ts, also part of `bun run bench gateway`; `BENCH_QUICK=1` for a ~1 min smoke run that leaves this file alone).',
    `- Machine: 2 cores, shared with other engineers' test runs while measured (load average ${facts.loadBefore} at the start, ${facts.loadAfter} at the end), so the figures are noisy: re-run on a quiet machine before drawing conclusions. Load generator pinned to core ${plan.clientCpu}, simulator and the proxy under test to core ${plan.serverCpu} (\`taskset\`). Date: ${facts.date.slice(0, 16).replace('T', ' ')} UTC.`,
    `- Latency (ms, from the intended send time): open loop at fixed arrival rates, ${plan.rateSlices} slices of ${plan.sliceMs / 1000} s per target, the four targets taking turns slice by slice (rotating order) so that all see the same background load; in brackets the added latency over direct-to-sim.`,
    `- Max throughput: ${facts.throughputTool} (1 thread on the client core, ${plan.connections} connections, ${plan.maxThroughputS} s).`,
    `- Streaming: ${plan.streamRounds} round(s) of ${plan.streams} concurrent streams of ${plan.streamChunks} chunks ${plan.streamItlMs} ms apart (simulator directives \`[[sim:tokens=${plan.streamChunks}]] [[sim:itl-ms=${plan.streamItlMs}]]\`), targets taking turns round by round; peak RSS of the proxy's process tree (nginx: master + worker) sampled every 100 ms.`,
    `- RSS growth: ${plan.rssRequests} requests from the JS closed loop (${plan.connections} workers) through the gateway, RSS read before, at the middle and after.`,
    `- Every Bun process (load generator, bare proxy, gateway) runs with BUN_CONFIG_MAX_HTTP_REQUESTS=${facts.fetchLimit}: Bun's fetch otherwise keeps at most 256 requests in flight per process, which would queue the ${plan.streams} streams in the client and in both Bun proxies.`,
    '- Simulator: its own process, zero latency for non-streaming (`--sim-ttft-ms 0 --sim-itl-ms 0`). Gateway: auth on (one bench key), rate limit, per-key RPM/TPM, daily token quota (SQLite in a temp dir) and admission control all on with limits far above the load, so every check runs and none rejects; other settings default.',
    `- Ratios of added latency clamp both sides to at least ${ADDED_FLOOR_MS} ms (below that is noise); a phase where over ${COLLAPSE_ERROR_RATE * 100}% of requests fail is "not measured", never a pass.`,
    '- Reading it: on this VM a Bun client talking straight to a Bun server often measures slower at a fixed rate than through one more proxy hop (reproduced with a trivial `Bun.serve`: p50 0.8–1.1 ms direct vs 0.43 ms through the bare proxy at 1,000 req/s), so small added latencies can come out negative. The gateway vs bare-proxy comparison is the robust one: both pay the same extra hop.',
    ...facts.incidents.map((line) => `- **Incident:** ${line.replaceAll('|', '/')}`),
    '',
    facts.tables,
  ].join('\n')
}
