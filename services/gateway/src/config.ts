/** @module The gateway's whole configuration, read once from the environment; no other file reads process.env. */
import { availableParallelism } from 'node:os'
import { ConfigError, type EnvSource, field, parseEnv } from '@infergate/config'

const MIB = 1024 * 1024
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number]

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
  ADMIN_API_KEY: field.optionalString(),
  // Limits are opt-in: 0 turns a limit off.
  RATE_LIMIT_RPS: field.float({ default: 0, min: 0 }),
  RATE_LIMIT_BURST: field.int({ default: 0, min: 0 }),
  TRUSTED_PROXIES: field.list(),
  // One unit per microsecond is GCRA's resolution: 60M per minute.
  KEY_RPM: field.int({ default: 0, min: 0, max: 60_000_000 }),
  KEY_TPM: field.int({ default: 0, min: 0, max: 60_000_000 }),
  DAILY_TOKEN_QUOTA: field.int({ default: 0, min: 0 }),
  QUOTA_DEFAULT_RESERVE: field.int({ default: 1024, min: 1 }),
  QUOTA_HARD_CAP: field.bool({ default: false }),
  QUOTA_DB: field.string({ default: './data/gateway.db' }),
  QUOTA_FLUSH_MS: field.int({ default: 10_000, min: 10 }),
  MODEL_PRICES: field.pairs(),
  CB_FAILURE_THRESHOLD: field.int({ default: 5, min: 1 }),
  CB_COOLDOWN_MS: field.int({ default: 10_000, min: 1 }),
  MAX_CONCURRENT_REQUESTS: field.int({ default: 0, min: 0 }),
  MAX_QUEUE: field.int({ default: 1_000, min: 0 }),
  QUEUE_TIMEOUT_MS: field.int({ default: 30_000, min: 1 }),
  OTEL_EXPORTER_OTLP_ENDPOINT: field.optionalString(),
  OTEL_EXPORTER_OTLP_PROTOCOL: field.oneOf(OTLP_PROTOCOLS, { default: 'http/protobuf' }),
  // The per-signal setting wins over the general one, as in the OpenTelemetry specification.
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: field.optionalOneOf(OTLP_PROTOCOLS),
  OTEL_SERVICE_NAME: field.string({ default: 'infergate-gateway' }),
  OTEL_TRACES_SAMPLER_ARG: field.float({ default: 1, min: 0, max: 1 }),
  TRACE_SLOW_MS: field.int({ default: 5_000, min: 0 }),
  REDIS_URL: field.optionalString(),
  // Every Redis call has this deadline: a dead or stalled Redis costs a request at most this much.
  REDIS_TIMEOUT_MS: field.int({ default: 75, min: 1, max: 10_000 }),
  REDIS_PROBE_MS: field.int({ default: 1_000, min: 10 }),
  LIMITER_FAIL_MODE: field.oneOf(['open', 'closed'], { default: 'open' }),
  DATABASE_URL: field.optionalString(),
  GATEWAY_WORKERS: field.string({ default: '1' }),
}

export type RawConfig = ReturnType<typeof parseEnv<typeof spec>>

/** Per-key settings, written after the key in GATEWAY_API_KEYS: `sk-abc;rpm=60;tpm=90000;quota=1000000;tier=1`. */
export interface ApiKeyPolicy {
  key: string
  rpm?: number
  tpm?: number
  quota?: number
  /** Queue priority: higher tiers are served first when requests wait for an upstream slot. */
  tier: number
}

export interface ModelPrice {
  /** Price per prompt token. */
  prompt: number
  /** Price per completion token. */
  completion: number
}

export interface GatewayConfig {
  port: number
  host: string
  upstreamUrls: string[]
  upstreamApiKey: string | undefined
  /**
   * HTTP_PROXY (or http_proxy) is set: upstream requests then go through fetch, which honours it (with NO_PROXY),
   * instead of the gateway's own HTTP/1.1 pool, so health checks and requests take the same route.
   */
  upstreamHttpProxy: boolean
  apiKeys: ApiKeyPolicy[]
  adminApiKey: string | undefined
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
  rateLimitRps: number
  rateLimitBurst: number
  trustedProxies: string[]
  keyRpm: number
  keyTpm: number
  dailyTokenQuota: number
  quotaDefaultReserve: number
  quotaHardCap: boolean
  quotaDb: string
  quotaFlushMs: number
  modelPrices: Record<string, ModelPrice>
  breakerFailureThreshold: number
  breakerCooldownMs: number
  maxConcurrentRequests: number
  maxQueue: number
  queueTimeoutMs: number
  tracing:
    | {
        endpoint: string
        protocol: OtlpProtocol
        serviceName: string
        sampleRatio: number
        slowMs: number
      }
    | undefined
  /** Shared limiter and quota state (scale-out); absent: everything is in this process. */
  redis: { url: string; timeoutMs: number; probeMs: number } | undefined
  limiterFailMode: 'open' | 'closed'
  /** postgres:// URL of the usage store; absent: SQLite at quotaDb. */
  databaseUrl: string | undefined
  /** Worker threads serving the port (GATEWAY_WORKERS; `auto` = available cores). */
  workers: number
}

/** GATEWAY_WORKERS: a count from 1 to 256, or `auto` for every available core. */
function parseWorkers(value: string, cores: number, problems: string[]): number {
  const text = value.trim()
  if (text === 'auto') return Math.max(1, cores)
  const count = Number(text)
  if (!/^\d+$/.test(text) || count < 1 || count > 256) {
    problems.push(`GATEWAY_WORKERS="${value}": expected a count from 1 to 256 or "auto"`)
    return 1
  }
  return count
}

function checkUrl(name: string, value: string | undefined, protocols: string[], problems: string[]): void {
  if (value === undefined) return
  let protocol = ''
  try {
    protocol = new URL(value).protocol
  } catch {}
  if (!protocols.includes(protocol))
    problems.push(`${name}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL`)
}

const KEY_ATTRIBUTES = new Set(['rpm', 'tpm', 'quota', 'tier'])

/** Parses `key;rpm=60;tier=1` entries; problems name the entry by position, never by the secret itself. */
function parseKeyPolicies(entries: readonly string[], problems: string[]): ApiKeyPolicy[] {
  return entries.map((entry, index) => {
    const [key = '', ...attributes] = entry.split(';').map((part) => part.trim())
    const policy: ApiKeyPolicy = { key, tier: 0 }
    for (const attribute of attributes) {
      const [name = '', value = ''] = attribute.split('=').map((part) => part.trim())
      const number = Number(value)
      if (!KEY_ATTRIBUTES.has(name) || !/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
        problems.push(
          `GATEWAY_API_KEYS: entry #${index + 1} has a bad attribute "${name}" (expected rpm|tpm|quota|tier=<integer>)`,
        )
        continue
      }
      policy[name as 'rpm' | 'tpm' | 'quota' | 'tier'] = number
    }
    if (key === '') problems.push(`GATEWAY_API_KEYS: entry #${index + 1} has an empty key`)
    return policy
  })
}

/** `model=prompt:completion` prices per token, e.g. MODEL_PRICES=gpt-oss-20b=0.0000001:0.0000004. */
function parsePrices(pairs: Record<string, string>, problems: string[]): Record<string, ModelPrice> {
  const prices: Record<string, ModelPrice> = {}
  for (const [model, value] of Object.entries(pairs)) {
    const [prompt, completion] = value.split(':').map(Number)
    if (prompt === undefined || completion === undefined || !(prompt >= 0) || !(completion >= 0)) {
      problems.push(`MODEL_PRICES: "${model}=${value}" is not model=promptPrice:completionPrice`)
      continue
    }
    prices[model] = { prompt, completion }
  }
  return prices
}

/**
 * Parses and cross-checks the environment.
 * @throws ConfigError naming every bad variable, so start-up fails once with the full list.
 */
export function loadConfig(env: EnvSource, cores = availableParallelism()): GatewayConfig {
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
  const apiKeys = parseKeyPolicies(raw?.GATEWAY_API_KEYS ?? [], problems)
  const modelPrices = parsePrices(raw?.MODEL_PRICES ?? {}, problems)
  // Read from env as well, so these are checked even when another variable already failed parseEnv.
  const optional = (name: string) => env[name]?.trim() || undefined
  const workers = parseWorkers(optional('GATEWAY_WORKERS') ?? '1', cores, problems)
  // The URLs may carry passwords: problems name the variable, never the value.
  checkUrl('REDIS_URL', optional('REDIS_URL'), ['redis:', 'rediss:', 'valkey:'], problems)
  checkUrl('DATABASE_URL', optional('DATABASE_URL'), ['postgres:', 'postgresql:'], problems)
  if (problems.length > 0 || raw === undefined) throw new ConfigError(problems, 'gateway configuration')
  return {
    port: raw.PORT,
    host: raw.HOST,
    upstreamUrls: raw.VLLM_URL,
    upstreamApiKey: raw.VLLM_API_KEY,
    upstreamHttpProxy: Boolean(optional('HTTP_PROXY') ?? optional('http_proxy')),
    apiKeys,
    adminApiKey: raw.ADMIN_API_KEY,
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
    rateLimitRps: raw.RATE_LIMIT_RPS,
    // A burst of 0 means "one second's worth", the least surprising reading of an unset burst.
    rateLimitBurst: raw.RATE_LIMIT_BURST || Math.max(1, Math.ceil(raw.RATE_LIMIT_RPS)),
    trustedProxies: raw.TRUSTED_PROXIES,
    keyRpm: raw.KEY_RPM,
    keyTpm: raw.KEY_TPM,
    dailyTokenQuota: raw.DAILY_TOKEN_QUOTA,
    quotaDefaultReserve: raw.QUOTA_DEFAULT_RESERVE,
    quotaHardCap: raw.QUOTA_HARD_CAP,
    quotaDb: raw.QUOTA_DB,
    quotaFlushMs: raw.QUOTA_FLUSH_MS,
    modelPrices,
    breakerFailureThreshold: raw.CB_FAILURE_THRESHOLD,
    breakerCooldownMs: raw.CB_COOLDOWN_MS,
    maxConcurrentRequests: raw.MAX_CONCURRENT_REQUESTS,
    maxQueue: raw.MAX_QUEUE,
    queueTimeoutMs: raw.QUEUE_TIMEOUT_MS,
    tracing: raw.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          endpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
          protocol: raw.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? raw.OTEL_EXPORTER_OTLP_PROTOCOL,
          serviceName: raw.OTEL_SERVICE_NAME,
          sampleRatio: raw.OTEL_TRACES_SAMPLER_ARG,
          slowMs: raw.TRACE_SLOW_MS,
        }
      : undefined,
    redis: raw.REDIS_URL
      ? { url: raw.REDIS_URL, timeoutMs: raw.REDIS_TIMEOUT_MS, probeMs: raw.REDIS_PROBE_MS }
      : undefined,
    limiterFailMode: raw.LIMITER_FAIL_MODE,
    databaseUrl: raw.DATABASE_URL,
    workers,
  }
}
