/** @module Runs Debian's promtool and checks PromQL syntax offline by wrapping expressions as recording rules. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PROMTOOL_BIN } from './start-prometheus.ts'

export interface PromtoolRun {
  exitCode: number
  output: string
}

/** Runs `promtool <args>` and returns its exit code with stdout and stderr together. */
export async function runPromtool(args: string[], cwd?: string): Promise<PromtoolRun> {
  const proc = Bun.spawn([PROMTOOL_BIN, ...args], { cwd, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { exitCode, output: `${stdout}${stderr}` }
}

/**
 * Parses every expression with Prometheus's own parser (`promtool check rules` on a generated rule file, one
 * recording rule per expression). The output names the failing rule, `check_<index>`.
 */
export async function checkPromqlSyntax(exprs: readonly string[]): Promise<PromtoolRun> {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-promql-'))
  try {
    const rules = exprs.map((expr, index) => ({ record: `check_${index}`, expr }))
    const file = join(dir, 'syntax.yml')
    await Bun.write(file, JSON.stringify({ groups: [{ name: 'syntax', rules }] }))
    return await runPromtool(['check', 'rules', file])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
