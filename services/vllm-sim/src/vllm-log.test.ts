import { describe, expect, test } from 'bun:test'
import { resolveOptions } from './config.ts'
import { listeningLines, startupMilestones, statsLine } from './startup-log.ts'
import { createVllmLog, formatLogLine } from './vllm-log.ts'

describe('vLLM log format', () => {
  test('lines carry the process prefix, level, timestamp and source like vLLM', () => {
    const date = new Date(2026, 0, 5, 7, 8, 9)
    expect(formatLogLine('INFO', 'api_server.py:1', 'hello', date, 42)).toBe(
      '(APIServer pid=42) INFO 01-05 07:08:09 [api_server.py:1] hello',
    )
    expect(formatLogLine('INFO', 'uvicorn', 'Application startup complete.', date, 42)).toBe(
      '(APIServer pid=42) INFO:     Application startup complete.',
    )
    const lines: string[] = []
    createVllmLog(
      (line) => lines.push(line),
      7,
      () => date,
    )('WARNING', 'x.py:1', 'w')
    expect(lines).toEqual(['(APIServer pid=7) WARNING 01-05 07:08:09 [x.py:1] w'])
  })

  test('milestones are ordered over the delay and mention ignored flags and the task', () => {
    const options = resolveOptions({ startupDelayMs: 1000, runner: 'pooling' })
    const milestones = startupMilestones(options, 4096, ['--enforce-eager'])
    const fractions = milestones.map((milestone) => milestone.at)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    const text = milestones.map((milestone) => milestone.message).join('\n')
    expect(text).toContain('vLLM API server version 0.11.0')
    expect(text).toContain('--enforce-eager')
    expect(text).toContain("Supported tasks: ['embed']")
    expect(text).toContain('GPU KV cache size: 4096 tokens')
  })

  test('the listening lines end with Application startup complete.', () => {
    const lines = listeningLines('0.0.0.0', 8000, 1)
    expect(lines[0]?.message).toBe('Starting vLLM API server 0 on http://0.0.0.0:8000')
    expect(lines.at(-1)?.message).toBe('Application startup complete.')
    expect(lines.some((line) => line.message === 'Route: /v1/chat/completions, Methods: POST')).toBe(true)
  })

  test('the stats line matches vLLM wording', () => {
    expect(statsLine(10, 20.55, 3, 1, 0.125)).toBe(
      'Engine 000: Avg prompt throughput: 10.0 tokens/s, Avg generation throughput: 20.6 tokens/s, Running: 3 reqs, Waiting: 1 reqs, GPU KV cache usage: 12.5%, Prefix cache hit rate: 0.0%',
    )
  })
})
