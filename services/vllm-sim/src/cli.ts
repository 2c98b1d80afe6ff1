/**
 * @module argv → simulator options, like `vllm serve <model> [flags]`. Pure: returns the options, the vLLM flags
 * it ignores (main logs them) and every problem found, never exits. Accepted forms: `serve <model>`, `<model>`,
 * `--model <model>`, `--flag value` and `--flag=value`.
 */
import type { Runner, SimOptions } from './config.ts'

type Kind = 'string' | 'int' | 'float' | 'bool' | 'names' | 'statuses'

interface FlagSpec {
  key: keyof SimOptions
  kind: Kind
}

/** vLLM's own flags that the simulator honours, then the simulator's `--sim-*` flags. */
const FLAGS: Readonly<Record<string, FlagSpec>> = {
  '--model': { key: 'model', kind: 'string' },
  '--served-model-name': { key: 'servedModelNames', kind: 'names' },
  '--host': { key: 'host', kind: 'string' },
  '--port': { key: 'port', kind: 'int' },
  '--api-key': { key: 'apiKey', kind: 'string' },
  '--max-num-seqs': { key: 'maxNumSeqs', kind: 'int' },
  '--max-model-len': { key: 'maxModelLen', kind: 'int' },
  '--block-size': { key: 'blockSize', kind: 'int' },
  '--num-gpu-blocks-override': { key: 'numGpuBlocks', kind: 'int' },
  '--enable-force-include-usage': { key: 'forceIncludeUsage', kind: 'bool' },
  '--sim-ttft-ms': { key: 'ttftMs', kind: 'float' },
  '--sim-ttft-per-token-us': { key: 'ttftPerTokenUs', kind: 'float' },
  '--sim-itl-ms': { key: 'itlMs', kind: 'float' },
  '--sim-jitter': { key: 'jitter', kind: 'float' },
  '--sim-load-factor': { key: 'loadFactor', kind: 'float' },
  '--sim-mode': { key: 'mode', kind: 'string' },
  '--sim-output-tokens': { key: 'outputTokens', kind: 'int' },
  '--sim-random-max-tokens': { key: 'randomMaxTokens', kind: 'int' },
  '--sim-embedding-dim': { key: 'embeddingDim', kind: 'int' },
  '--sim-failure-rate': { key: 'failureRate', kind: 'float' },
  '--sim-failure-status': { key: 'failureStatus', kind: 'statuses' },
  '--sim-startup-delay-ms': { key: 'startupDelayMs', kind: 'float' },
  '--sim-crash-after-ms': { key: 'crashAfterMs', kind: 'float' },
  '--sim-hang-after-ms': { key: 'hangAfterMs', kind: 'float' },
  '--sim-dead-after-ms': { key: 'deadAfterMs', kind: 'float' },
  '--sim-max-waiting': { key: 'maxWaiting', kind: 'int' },
  '--sim-vllm-version': { key: 'vllmVersion', kind: 'string' },
  '--sim-record-requests': { key: 'recordRequests', kind: 'bool' },
  '--sim-stats-interval-ms': { key: 'statsIntervalMs', kind: 'float' },
}

/** vLLM flags that take no value: an unknown flag in this set never swallows the next argument. */
const VALUELESS_VLLM_FLAGS = new Set([
  '--enforce-eager',
  '--trust-remote-code',
  '--enable-prefix-caching',
  '--no-enable-prefix-caching',
  '--enable-chunked-prefill',
  '--no-enable-chunked-prefill',
  '--disable-log-stats',
  '--disable-log-requests',
  '--enable-log-requests',
  '--enable-prompt-tokens-details',
  '--enable-server-load-tracking',
  '--enable-auto-tool-choice',
  '--disable-custom-all-reduce',
  '--disable-frontend-multiprocessing',
  '--disable-fastapi-docs',
  '--enable-lora',
  '--headless',
  '--async-scheduling',
  '--enable-expert-parallel',
  '--self-signed-certs',
])

export interface CliResult {
  options: Partial<SimOptions>
  /** Flags accepted for vLLM compatibility and ignored, as typed (with their value when they had one). */
  ignored: string[]
  problems: string[]
  /** `--help` / `-h` was given. */
  help: boolean
}

const isFlag = (arg: string | undefined): boolean => arg !== undefined && /^-./.test(arg)

function convert(spec: FlagSpec, flag: string, value: string): { value?: unknown; problem?: string } {
  switch (spec.kind) {
    case 'string':
      if (spec.key === 'mode' && value !== 'echo' && value !== 'random')
        return { problem: `${flag}: expected echo or random, got ${JSON.stringify(value)}` }
      return { value }
    case 'int':
      return /^[+-]?\d+$/.test(value)
        ? { value: Number(value) }
        : { problem: `${flag}: expected an integer, got ${JSON.stringify(value)}` }
    case 'float': {
      const number = Number(value)
      return value.trim() !== '' && Number.isFinite(number)
        ? { value: number }
        : { problem: `${flag}: expected a number, got ${JSON.stringify(value)}` }
    }
    case 'bool': {
      const lower = value.toLowerCase()
      if (['true', '1', 'yes', 'on'].includes(lower)) return { value: true }
      if (['false', '0', 'no', 'off'].includes(lower)) return { value: false }
      return { problem: `${flag}: expected true or false, got ${JSON.stringify(value)}` }
    }
    case 'statuses': {
      const statuses = value.split(',').map((item) => Number(item.trim()))
      return statuses.every((status) => Number.isInteger(status))
        ? { value: statuses }
        : { problem: `${flag}: expected comma-separated status codes, got ${JSON.stringify(value)}` }
    }
    case 'names':
      return { value: value.split(',').filter(Boolean) }
  }
}

function setRunner(value: string, flag: string, result: CliResult): void {
  const runners: Readonly<Record<string, Runner>> = {
    pooling: 'pooling',
    embed: 'pooling',
    embedding: 'pooling',
    generate: 'generate',
    auto: 'generate',
  }
  const runner = runners[value]
  if (runner === undefined) result.problems.push(`${flag}: unsupported value ${JSON.stringify(value)}`)
  else result.options.runner = runner
}

/** Parses the arguments after the executable and script (process.argv.slice(2)). */
export function parseArgs(argv: readonly string[]): CliResult {
  const result: CliResult = { options: {}, ignored: [], problems: [], help: false }
  const args = [...argv]
  if (args[0] === 'serve') args.shift()
  if (args[0] !== undefined && !isFlag(args[0])) result.options.model = args.shift()
  const options = result.options as Record<string, unknown>

  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string
    if (!isFlag(arg)) {
      result.problems.push(`unexpected argument ${JSON.stringify(arg)}`)
      continue
    }
    if (arg === '--help' || arg === '-h') {
      result.help = true
      continue
    }
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const spec = FLAGS[flag]
    const takesValue = spec !== undefined ? spec.kind !== 'bool' : !VALUELESS_VLLM_FLAGS.has(flag)
    // Values never start with "--"; a lone "-5" style value is still read as a value for known numeric flags.
    const next = args[i + 1]
    const nextIsValue =
      next !== undefined && (!next.startsWith('--') || (spec !== undefined && /^-\d/.test(next)))
    let value = inline
    if (value === undefined && takesValue && nextIsValue) {
      value = next
      i += 1
    }

    if (flag === '--runner' || flag === '--task') {
      if (value === undefined) result.problems.push(`${flag}: expected a value`)
      else setRunner(value, flag, result)
      continue
    }
    if (spec === undefined) {
      result.ignored.push(value === undefined ? flag : `${flag} ${value}`)
      continue
    }
    if (spec.kind === 'names') {
      // --served-model-name takes one or more names, like vLLM's nargs="+".
      const names = value === undefined ? [] : value.split(',').filter(Boolean)
      while (inline === undefined && args[i + 1] !== undefined && !isFlag(args[i + 1])) {
        names.push(args[i + 1] as string)
        i += 1
      }
      if (names.length === 0) result.problems.push(`${flag}: expected at least one name`)
      else options[spec.key] = names
      continue
    }
    if (spec.kind === 'bool' && value === undefined) {
      options[spec.key] = true
      continue
    }
    if (value === undefined) {
      result.problems.push(`${flag}: expected a value`)
      continue
    }
    const converted = convert(spec, flag, value)
    if (converted.problem !== undefined) result.problems.push(converted.problem)
    else options[spec.key] = converted.value
  }
  return result
}

export const USAGE = `Usage: vllm-sim serve <model> [flags]   (also: --model <model>)

vLLM flags honoured: --served-model-name NAME [NAME ...], --host, --port, --api-key (or VLLM_API_KEY),
  --max-num-seqs, --max-model-len, --runner pooling|generate, --task embed, --block-size,
  --num-gpu-blocks-override, --enable-force-include-usage. Other vLLM flags are accepted and ignored.
Simulator flags: ${Object.keys(FLAGS)
  .filter((flag) => flag.startsWith('--sim-'))
  .join(', ')}`
