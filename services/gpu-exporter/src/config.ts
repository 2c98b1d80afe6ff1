/** @module gpu-exporter configuration, read once from the environment. */
import { type EnvSource, field, parseEnv } from '@infergate/config'

const SPEC = {
  PORT: field.int({ default: 9101, min: 0, max: 65535 }),
  HOST: field.string({ default: '0.0.0.0' }),
  GPU_POLL_MS: field.int({ default: 5000, min: 100, max: 3_600_000 }),
  NVIDIA_SMI_PATH: field.string({ default: 'nvidia-smi' }),
  NVIDIA_SMI_TIMEOUT_MS: field.int({ default: 10_000, min: 100, max: 600_000 }),
  NVIDIA_SMI_SOURCE: field.oneOf(['xml', 'csv'] as const, { default: 'xml' }),
  HOST_METRICS: field.bool({ default: true }),
  GPU_EXPORTER_HOSTNAME: field.optionalString(),
  LOG_LEVEL: field.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, {
    default: 'info',
  }),
}

export interface GpuExporterConfig {
  readonly port: number
  readonly host: string
  readonly pollMs: number
  readonly smiPath: string
  readonly smiTimeoutMs: number
  readonly smiSource: 'xml' | 'csv'
  readonly hostMetrics: boolean
  /** The `Hostname` label; the machine's hostname when unset. */
  readonly hostname?: string
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'
}

/** @throws ConfigError listing every bad variable. */
export function loadConfig(env: EnvSource): GpuExporterConfig {
  const raw = parseEnv(env, SPEC, 'gpu-exporter configuration')
  return {
    port: raw.PORT,
    host: raw.HOST,
    pollMs: raw.GPU_POLL_MS,
    smiPath: raw.NVIDIA_SMI_PATH,
    smiTimeoutMs: raw.NVIDIA_SMI_TIMEOUT_MS,
    smiSource: raw.NVIDIA_SMI_SOURCE,
    hostMetrics: raw.HOST_METRICS,
    hostname: raw.GPU_EXPORTER_HOSTNAME,
    logLevel: raw.LOG_LEVEL,
  }
}
