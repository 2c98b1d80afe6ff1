/** @module The gateway's whole configuration, read once from the environment; no other file reads process.env. */
import { ConfigError, type EnvSource, field, parseEnv } from '@infergate/config'

const MIB = 1024 * 1024

const spec = {
  PORT: field.int({ default: 8080, min: 0, max: 65535 }),
  HOST: field.string({ default: '0.0.0.0' }),
  VLLM_URL: field.httpUrlList({ default: ['http://127.0.0.1:8000'] }),
  VLLM_API_KEY: field.optionalString(),
  GATEWAY_API_KEYS: field.list(),
  GATEWAY_AUTH: field.oneOf(['enabled', 'disabled'], { default: 'enabled' }),
  // A long prompt on a busy vLLM can take minutes to its first token: the default is generous on purpose.
  UPSTREAM_TIMEOUT_MS: field.int({ default: 600_000, min: 1 }),
  STREAM_IDLE_TIMEOUT_MS: field.int({ default: 120_000, min: 1 }),
  MAX_BODY_BYTES: field.int({ default: 10 * MIB, min: 1024 }),
  SHUTDOWN_GRACE_MS: field.int({ default: 30_000, min: 0 }),
  UPSTREAM_RETRIES: field.int({ default: 2, min: 0, max: 10 }),
  RETRY_BACKOFF_MS: field.int({ default: 50, min: 0 }),
  MODEL_ALIASES: field.pairs(),
  DISCOVERY_INTERVAL_MS: field.int({ default: 5_000, min: 100 }),
  HEALTH_TIMEOUT_MS: field.int({ default: 2_000, min: 10 }),
  WARMUP: field.bool({ default: false }),
  LOG_LEVEL: field.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { default: 'info' }),
  LOG_REQUESTS: field.bool({ default: true }),
}

export type RawConfig = ReturnType<typeof parseEnv<typeof spec>>

export interface GatewayConfig {
  port: number
  host: string
  upstreamUrls: string[]
  upstreamApiKey: string | undefined
  apiKeys: string[]
  authEnabled: boolean
  upstreamTimeoutMs: number
  streamIdleTimeoutMs: number
  maxBodyBytes: number
  shutdownGraceMs: number
  upstreamRetries: number
  retryBackoffMs: number
  modelAliases: Record<string, string>
  discoveryIntervalMs: number
  healthTimeoutMs: number
  warmup: boolean
  logLevel: RawConfig['LOG_LEVEL']
  logRequests: boolean
}

/**
 * Parses and cross-checks the environment.
 * @throws ConfigError naming every bad variable, so start-up fails once with the full list.
 */
export function loadConfig(env: EnvSource): GatewayConfig {
  const problems: string[] = []
  let raw: RawConfig | undefined
  try {
    raw = parseEnv(env, spec)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems.push(...error.problems)
  }
  const authDisabled = (env.GATEWAY_AUTH ?? '').trim() === 'disabled'
  const keys = field.list().parse(env.GATEWAY_API_KEYS || undefined)
  if (!authDisabled && keys.length === 0) {
    problems.push(
      'GATEWAY_API_KEYS="": is required unless GATEWAY_AUTH=disabled (expected comma-separated client keys)',
    )
  }
  if (problems.length > 0 || raw === undefined) throw new ConfigError(problems, 'gateway configuration')
  return {
    port: raw.PORT,
    host: raw.HOST,
    upstreamUrls: raw.VLLM_URL,
    upstreamApiKey: raw.VLLM_API_KEY,
    apiKeys: raw.GATEWAY_API_KEYS,
    authEnabled: raw.GATEWAY_AUTH === 'enabled',
    upstreamTimeoutMs: raw.UPSTREAM_TIMEOUT_MS,
    streamIdleTimeoutMs: raw.STREAM_IDLE_TIMEOUT_MS,
    maxBodyBytes: raw.MAX_BODY_BYTES,
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    upstreamRetries: raw.UPSTREAM_RETRIES,
    retryBackoffMs: raw.RETRY_BACKOFF_MS,
    modelAliases: raw.MODEL_ALIASES,
    discoveryIntervalMs: raw.DISCOVERY_INTERVAL_MS,
    healthTimeoutMs: raw.HEALTH_TIMEOUT_MS,
    warmup: raw.WARMUP,
    logLevel: raw.LOG_LEVEL,
    logRequests: raw.LOG_REQUESTS,
  }
}
