import { describe, expect, test } from 'bun:test'
import { classifyVersionLine } from './version-output.ts'

describe('classifyVersionLine', () => {
  test('a bare version line is the answer, including dev builds', () => {
    expect(classifyVersionLine('0.11.0')).toMatchObject({ kind: 'version', version: { minor: 11 } })
    expect(classifyVersionLine('0.9.2.dev12+g1a2b3c\n')).toMatchObject({
      kind: 'version',
      version: { minor: 9 },
    })
  })

  test('a server start-up banner means --version was ignored, and still tells the version', () => {
    expect(
      classifyVersionLine(
        '(APIServer pid=1) INFO 11-22 21:31:49 [api_server.py:1839] vLLM API server version 0.18.1',
      ),
    ).toMatchObject({ kind: 'serving', version: { minor: 18, patch: 1 } })
  })

  test('log lines with numbers in them are not versions', () => {
    expect(
      classifyVersionLine('INFO 05-01 12:00:00 [__init__.py:239] Automatically detected platform cuda.'),
    ).toEqual({
      kind: 'other',
    })
    expect(classifyVersionLine('torch 2.8.0 detected')).toEqual({ kind: 'other' })
  })
})
