/** @module The launcher's own argv: `--dry-run`, `--help`; everything else (and all after `--`) goes to vLLM. Pure. */

export interface CliArgs {
  readonly dryRun: boolean
  readonly help: boolean
  readonly extraArgs: readonly string[]
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const separator = argv.indexOf('--')
  const own = separator === -1 ? argv : argv.slice(0, separator)
  const passed = separator === -1 ? [] : argv.slice(separator + 1)
  return {
    dryRun: own.includes('--dry-run'),
    help: own.includes('--help') || own.includes('-h'),
    extraArgs: [...own.filter((arg) => !['--dry-run', '--help', '-h'].includes(arg)), ...passed],
  }
}

export const USAGE = `usage: bun run vllm [--dry-run] [extra vLLM args...] [-- more vLLM args]

Starts vLLM (VLLM_BIN, default "vllm") from the environment and keeps it alive.
  --dry-run   print the exact command and environment of each instance (secrets masked) and exit
Extra arguments are appended to every instance's command. See services/vllm-launcher/README.md for variables.`
