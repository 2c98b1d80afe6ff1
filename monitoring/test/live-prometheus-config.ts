/** @module Derives the live test's Prometheus config from the shipped prometheus.yml: same jobs and relabelling, local targets, fast intervals. */

interface ScrapeConfig {
  job_name: string
  scrape_timeout?: string
  static_configs?: { targets: string[] }[]
  [key: string]: unknown
}

export interface PrometheusConfig {
  global?: Record<string, unknown>
  rule_files?: string[]
  alerting?: unknown
  scrape_configs: ScrapeConfig[]
}

export interface LiveConfigOptions {
  /** host:port per job name; jobs not listed are dropped (their services are not running in the test). */
  addresses: ReadonlyMap<string, string>
  /** Rule file globs Prometheus loads (absolute paths). */
  ruleFiles: string[]
  /** Scrape and evaluation interval, e.g. '1s'. */
  interval: string
}

/**
 * Keeps the shipped config's jobs (names, paths, metric relabelling) for the live targets only, points each at its
 * local address and drops alerting (no Alertmanager in tests).
 * @throws Error when a live job is not in the shipped config: the test would otherwise scrape it under a job name
 * the rules do not know.
 */
export function liveConfig(shipped: PrometheusConfig, options: LiveConfigOptions): PrometheusConfig {
  const jobs = new Set(shipped.scrape_configs.map((job) => job.job_name))
  const unknown = [...options.addresses.keys()].filter((job) => !jobs.has(job))
  if (unknown.length > 0) throw new Error(`jobs not in prometheus.yml: ${unknown.join(', ')}`)
  return {
    global: {
      ...shipped.global,
      scrape_interval: options.interval,
      scrape_timeout: options.interval,
      evaluation_interval: options.interval,
    },
    rule_files: options.ruleFiles,
    scrape_configs: shipped.scrape_configs.flatMap((job) => {
      const address = options.addresses.get(job.job_name)
      if (address === undefined) return []
      const { scrape_timeout: _timeout, ...rest } = job
      return [{ ...rest, static_configs: [{ targets: [address] }] }]
    }),
  }
}
