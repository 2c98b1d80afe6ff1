/** @module Settings of `bun run loadtest`, from environment variables overlaid with command-line flags. */
import { type EnvSource, type Field, field, parseEnv } from '@infergate/config'
import { parseDuration } from './duration.ts'
import { type PromptClass, parsePromptMix } from './prompt-mix.ts'

const duration = (fallback: string): Field<number> => ({
  expected: 'a duration such as 500ms, 30s or 2m',
  parse: (raw) => parseDuration(raw ?? fallback),
})

const optionalRate: Field<number | undefined> = {
  expected: 'requests per second above 0 (open loop), or unset for a closed loop',
  parse(raw) {
    if (raw === undefined) return undefined
    const value = Number(raw.trim())
    if (!(value > 0) || !Number.isFinite(value)) throw new Error('is not a positive number')
    return value
  },
}

const promptMix: Field<PromptClass[]> = {
  expected: 'NAME[=TOKENS]:WEIGHT items, e.g. short:70,long:30 (short=64, medium=512, long=2048 tokens)',
  parse: (raw) => parsePromptMix(raw ?? 'short'),
}

export const LOADTEST_SPEC = {
  TARGET_URL: field.httpUrl({ default: 'http://127.0.0.1:8080' }),
  CONCURRENCY: field.int({ default: 8, min: 1, max: 10_000 }),
  DURATION: duration('30s'),
  RATE: optionalRate,
  STREAM: field.bool({ default: true }),
  PROMPT_MIX: promptMix,
  MAX_TOKENS: field.int({ default: 64, min: 1, max: 1_000_000 }),
  API_KEY: field.optionalString(),
  MODEL: field.optionalString(),
  TIMEOUT: duration('60s'),
}

export type LoadtestConfig = ReturnType<typeof readLoadtestConfig>

/** @throws ConfigError listing every bad setting at once. */
export function readLoadtestConfig(env: EnvSource) {
  return parseEnv(env, LOADTEST_SPEC, 'loadtest settings')
}

export interface ParsedFlags {
  /** Flag values under their environment names (`--max-tokens 5` → MAX_TOKENS). */
  readonly env: Record<string, string>
  readonly json: boolean
  readonly help: boolean
}

const BOOLEAN_FLAGS = new Set(['json', 'help', 'stream', 'no-stream'])

/**
 * Reads `--name value`, `--name=value`, `--json`, `--help`, `--stream` / `--no-stream`. Every value flag is a
 * setting name in kebab case, so one table (LOADTEST_SPEC) documents both spellings.
 * @throws Error naming every unknown flag or missing value.
 */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const names = new Set(Object.keys(LOADTEST_SPEC))
  const env: Record<string, string> = {}
  const problems: string[] = []
  let json = false
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg)
    if (!match) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}`)
      continue
    }
    const flag = match[1] ?? ''
    if (BOOLEAN_FLAGS.has(flag)) {
      if (flag === 'json') json = true
      else if (flag === 'help') help = true
      else env.STREAM = flag === 'stream' ? (match[2] ?? '1') : '0'
      continue
    }
    const name = flag.toUpperCase().replaceAll('-', '_')
    if (!names.has(name)) {
      problems.push(`unknown flag --${flag}`)
      continue
    }
    const value = match[2] ?? argv[i + 1]
    if (value === undefined || (match[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${flag} needs a value`)
      continue
    }
    if (match[2] === undefined) i += 1
    env[name] = value
  }
  if (problems.length > 0) throw new Error(problems.join('; '))
  return { env, json, help }
}
