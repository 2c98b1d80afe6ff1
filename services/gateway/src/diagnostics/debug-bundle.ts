/** @module One JSON document to attach to a bug report: versions, redacted config, live state, recent errors. */
import { REDACTED, redactUrl } from '@infergate/logger'
import type { GatewayConfig } from '../config.ts'
import { digestKey, keyIdOf } from '../core/api-key.ts'
import type { RecordedError } from './recent-errors.ts'

/** The configuration with every secret replaced: keys appear as their ids, URLs lose their credentials. */
export function redactedConfig(config: GatewayConfig): Record<string, unknown> {
  return {
    ...config,
    upstreamUrls: config.upstreamUrls.map(redactUrl),
    upstreamApiKey: config.upstreamApiKey ? REDACTED : null,
    adminApiKey: config.adminApiKey ? REDACTED : null,
    apiKeys: config.apiKeys.map(({ key, ...policy }) => ({ keyId: keyIdOf(digestKey(key)), ...policy })),
    tracing: config.tracing ? { ...config.tracing, endpoint: redactUrl(config.tracing.endpoint) } : null,
  }
}

export interface DebugBundleInput {
  config: GatewayConfig
  status: unknown
  recentErrors: RecordedError[]
  versions: Record<string, string>
  startedAt: Date
}

export function debugBundle(input: DebugBundleInput) {
  return {
    generated_at: new Date().toISOString(),
    started_at: input.startedAt.toISOString(),
    uptime_seconds: Math.round(process.uptime()),
    versions: input.versions,
    process: {
      pid: process.pid,
      platform: process.platform,
      arch: process.arch,
      memory: process.memoryUsage(),
    },
    config: redactedConfig(input.config),
    state: input.status,
    recent_errors: input.recentErrors,
  }
}
