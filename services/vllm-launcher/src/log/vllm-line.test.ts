import { describe, expect, test } from 'bun:test'
import { parseVllmLine } from './vllm-line.ts'

describe('parseVllmLine', () => {
  test('reads the newer format with process and pid', () => {
    expect(
      parseVllmLine(
        '(APIServer pid=123) INFO 05-01 12:00:00 [api_server.py:1895] vLLM API server version 0.11.0',
        'info',
      ),
    ).toEqual({
      level: 'info',
      text: 'vLLM API server version 0.11.0',
      source: 'api_server.py:1895',
      process: 'APIServer',
      pid: 123,
    })
  })

  test('reads the older format and maps WARNING and CRITICAL', () => {
    expect(parseVllmLine('WARNING 05-01 12:00:00 config.py:12] slow tokenizer', 'info')).toEqual({
      level: 'warn',
      text: 'slow tokenizer',
      source: 'config.py:12',
    })
    expect(
      parseVllmLine('(EngineCore_DP0 pid=7) CRITICAL 05-01 12:00:00.123 [core.py:9] dead', 'info').level,
    ).toBe('fatal')
  })

  test('reads uvicorn lines and strips colour codes', () => {
    expect(parseVllmLine('\u001b[32mINFO\u001b[0m:     Application startup complete.', 'warn')).toEqual({
      level: 'info',
      text: 'Application startup complete.',
    })
  })

  test('keeps unrecognised lines whole at the fallback level', () => {
    expect(parseVllmLine('Traceback (most recent call last):  ', 'error')).toEqual({
      level: 'error',
      text: 'Traceback (most recent call last):',
    })
  })
})
