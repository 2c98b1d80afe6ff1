import { describe, expect, test } from 'bun:test'
import { compareVersion, parseVllmVersion, versionTraits } from './vllm-version.ts'

describe('parseVllmVersion', () => {
  test('reads plain, dev-build and log-line forms', () => {
    expect(parseVllmVersion('0.11.0\n')).toMatchObject({ major: 0, minor: 11, patch: 0, text: '0.11.0' })
    expect(parseVllmVersion('0.9.2.dev12+g1a2b')).toMatchObject({ major: 0, minor: 9, patch: 2 })
    expect(parseVllmVersion('INFO vLLM API server version 0.10.1')).toMatchObject({ minor: 10, patch: 1 })
    expect(parseVllmVersion('1.2')).toMatchObject({ major: 1, minor: 2, patch: 0, text: '1.2' })
  })

  test('returns undefined when no version is present', () => {
    expect(parseVllmVersion('command not found')).toBeUndefined()
    expect(parseVllmVersion('')).toBeUndefined()
  })
})

describe('versionTraits', () => {
  const at = (text: string) => versionTraits(parseVllmVersion(text))

  test('passes --swap-space only below 0.18', () => {
    expect(at('0.17.9').swapSpace).toBe(true)
    expect(at('0.18.0').swapSpace).toBe(false)
    expect(at('1.0.0').swapSpace).toBe(false)
  })

  test('uses --task embed below 0.10 and --runner pooling from 0.10', () => {
    expect(at('0.9.2').embeddingFlags).toEqual(['--task', 'embed'])
    expect(at('0.10.0').embeddingFlags).toEqual(['--runner', 'pooling'])
    expect(at('0.13.0').embeddingFlags).toEqual(['--runner', 'pooling'])
  })

  test('treats an unknown version as current, so no removed flag is passed', () => {
    expect(versionTraits(undefined)).toEqual({ swapSpace: false, embeddingFlags: ['--runner', 'pooling'] })
  })

  test('compareVersion orders by major, minor, patch', () => {
    const v = (text: string) => parseVllmVersion(text) ?? parseVllmVersion('0.0.0')
    const sorted = ['0.10.0', '0.9.9', '1.0.0', '0.10.1'].sort((a, b) => {
      const va = v(a)
      const vb = v(b)
      return va && vb ? compareVersion(va, vb) : 0
    })
    expect(sorted).toEqual(['0.9.9', '0.10.0', '0.10.1', '1.0.0'])
  })
})
