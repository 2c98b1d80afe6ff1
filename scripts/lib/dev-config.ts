/** @module Settings of the local dev stack (`bun run dev|status|stop`), read once through parseEnv. */
import { join } from 'node:path'
import { type EnvSource, field, parseEnv } from '../../packages/config/src/index.ts'

const port = (fallback: number) => field.int({ default: fallback, min: 1, max: 65535 })

const spec = {
  /** A real vLLM to front instead of the simulator. */
  VLLM_URL: field.optionalString(),
  HOST: field.string({ default: '127.0.0.1' }),
  SIM_PORT: port(8000),
  GATEWAY_PORT: port(8080),
  EXPORTER_PORT: port(9101),
  GATEWAY_API_KEYS: field.optionalString(),
  SIM_MODEL: field.string({ default: 'Qwen/Qwen2.5-0.5B-Instruct' }),
  /** Extra simulator flags, comma-separated in --flag=value form, e.g. `--sim-ttft-ms=50,--sim-itl-ms=5`. */
  SIM_ARGS: field.list(),
  RUN_DIR: field.optionalString(),
  DEV_READY_TIMEOUT_MS: field.int({ default: 60_000, min: 1 }),
  DEV_STOP_GRACE_MS: field.int({ default: 10_000, min: 0 }),
}

export interface DevConfig {
  readonly vllmUrl: string | undefined
  readonly host: string
  readonly simPort: number
  readonly gatewayPort: number
  readonly exporterPort: number
  readonly gatewayApiKeys: string | undefined
  readonly simModel: string
  readonly simArgs: readonly string[]
  readonly runDir: string
  readonly readyTimeoutMs: number
  readonly stopGraceMs: number
}

/** The repository root, from this file's location, so scripts work from any working directory. */
export const REPO_ROOT = join(import.meta.dir, '..', '..')

/** @throws ConfigError naming every bad variable. */
export function loadDevConfig(env: EnvSource): DevConfig {
  const raw = parseEnv(
    env,
    { ...spec, VLLM_URL: env.VLLM_URL ? field.httpUrl() : spec.VLLM_URL },
    'dev stack configuration',
  )
  return {
    vllmUrl: raw.VLLM_URL,
    host: raw.HOST,
    simPort: raw.SIM_PORT,
    gatewayPort: raw.GATEWAY_PORT,
    exporterPort: raw.EXPORTER_PORT,
    gatewayApiKeys: raw.GATEWAY_API_KEYS,
    simModel: raw.SIM_MODEL,
    simArgs: raw.SIM_ARGS,
    runDir: raw.RUN_DIR ?? join(REPO_ROOT, '.run'),
    readyTimeoutMs: raw.DEV_READY_TIMEOUT_MS,
    stopGraceMs: raw.DEV_STOP_GRACE_MS,
  }
}
