/** @module Asks the vLLM executable for its version (`<bin> --version`), bounded in time. */
import { parseVllmVersion, type VllmVersion } from './vllm-version.ts'

export interface DetectedVersion {
  readonly version: VllmVersion | undefined
  /** Why no version was found, for the warning. */
  readonly reason: string | undefined
}

/** Never throws: a missing binary or unparseable output gives `version: undefined` and the reason. */
export async function detectVllmVersion(bin: readonly string[], timeoutMs: number): Promise<DetectedVersion> {
  try {
    const proc = Bun.spawn([...bin, '--version'], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    })
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
    if (proc.signalCode)
      return { version: undefined, reason: `\`--version\` did not answer within ${timeoutMs} ms` }
    // vLLM may print warnings before the version; the version is the last line.
    const last = stdout.trim().split('\n').at(-1) ?? ''
    const version = code === 0 ? parseVllmVersion(last) : undefined
    return version
      ? { version, reason: undefined }
      : { version, reason: `\`--version\` exited ${code} without a version` }
  } catch (error) {
    return { version: undefined, reason: error instanceof Error ? error.message : String(error) }
  }
}
