/** @module vLLM version parsing and the flag differences between versions that a launcher must respect. */

export interface VllmVersion {
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly text: string
}

/**
 * Finds the first `X.Y[.Z]` in text such as `0.11.0`, `vllm 0.9.2.dev12+g1a2b`, or a log line
 * `vLLM API server version 0.10.1`. Returns undefined when there is none.
 */
export function parseVllmVersion(text: string): VllmVersion | undefined {
  const match = /(?:^|[^\d.])(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  if (!match) return undefined
  const [, major, minor, patch] = match
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch ?? 0),
    text: match[0].replace(/^[^\d]/, ''),
  }
}

/** Negative, zero or positive, like a sort comparator. */
export function compareVersion(a: VllmVersion, b: Pick<VllmVersion, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

const atLeast = (version: VllmVersion | undefined, major: number, minor: number): boolean =>
  version === undefined || compareVersion(version, { major, minor, patch: 0 }) >= 0

/**
 * What the flags look like for a version. An unknown version is treated as current: passing a removed flag kills
 * start-up ("unrecognized arguments"), while omitting an optional one only loses a setting.
 */
export interface VersionTraits {
  /** `--swap-space` was removed from EngineArgs in 0.18.0 (PR #36216). */
  readonly swapSpace: boolean
  /** `--runner pooling` exists from 0.10; `--task embed` was removed in 0.13, so below 0.10 only `--task` works. */
  readonly embeddingFlags: readonly string[]
}

export function versionTraits(version: VllmVersion | undefined): VersionTraits {
  return {
    swapSpace: !atLeast(version, 0, 18),
    embeddingFlags: atLeast(version, 0, 10) ? ['--runner', 'pooling'] : ['--task', 'embed'],
  }
}
