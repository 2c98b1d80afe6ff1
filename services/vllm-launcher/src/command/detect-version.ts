/** @module Asks the vLLM executable for its version (`<bin> --version`), bounded in time and never left running. */
import { createLineSplitter } from '../log/forward-log.ts'
import { classifyVersionLine } from './version-output.ts'
import type { VllmVersion } from './vllm-version.ts'

export interface DetectedVersion {
  readonly version: VllmVersion | undefined
  /** Why no version was found, for the warning. */
  readonly reason: string | undefined
}

/**
 * Never throws. A binary that ignores `--version` and starts serving (it prints the API server banner) is
 * killed at once, its version taken from the banner, so that it never holds the port the real launch needs.
 */
export async function detectVllmVersion(bin: readonly string[], timeoutMs: number): Promise<DetectedVersion> {
  let proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  try {
    proc = Bun.spawn([...bin, '--version'], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      detached: true,
    })
  } catch (error) {
    return { version: undefined, reason: error instanceof Error ? error.message : String(error) }
  }
  const kill = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  let found: VllmVersion | undefined
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const splitter = createLineSplitter()
    const decoder = new TextDecoder()
    for await (const chunk of stream)
      for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) {
        const seen = classifyVersionLine(line)
        if (seen.kind === 'other') continue
        found = seen.version
        if (seen.kind === 'serving') kill()
      }
    for (const line of splitter.end()) {
      const seen = classifyVersionLine(line)
      if (seen.kind !== 'other') found = seen.version
    }
  }
  const timer = setTimeout(kill, timeoutMs)
  await Promise.all([read(proc.stdout), read(proc.stderr), proc.exited])
  clearTimeout(timer)
  kill()
  if (found) return { version: found, reason: undefined }
  return {
    version: undefined,
    reason: proc.signalCode
      ? `\`--version\` gave no version within ${timeoutMs} ms`
      : `\`--version\` exited ${proc.exitCode} without a version`,
  }
}
