import { describe, expect, test } from 'bun:test'
import { createSseParser } from './sse-parser.ts'

describe('createSseParser', () => {
  test('returns one payload per event and joins multi-line data with LF', () => {
    const parser = createSseParser()
    expect(parser.push('data: {"a":1}\n\ndata: x\ndata: y\n\n')).toEqual(['{"a":1}', 'x\ny'])
    expect(parser.pending).toBe(false)
  })

  test('reassembles events split at any byte, including between CR and LF', () => {
    const text = 'data: first\r\n\r\ndata: second\r\n\r\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = createSseParser()
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))]
      expect(events).toEqual(['first', 'second'])
    }
  })

  test('accepts bare CR line endings and data without a space after the colon', () => {
    const parser = createSseParser()
    expect(parser.push('data:one\r\rdata:  two\r\r')).toEqual(['one', ' two'])
  })

  test('ignores comments, other fields and blank lines with no data', () => {
    const parser = createSseParser()
    expect(parser.push(': keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: z\n\n\n\n')).toEqual(['z'])
  })

  test('a bare "data" line contributes an empty line', () => {
    const parser = createSseParser()
    expect(parser.push('data\ndata: b\n\n')).toEqual(['\nb'])
  })

  test('reports an unfinished event as pending and returns it at end', () => {
    const parser = createSseParser()
    expect(parser.push('data: [DONE]')).toEqual([])
    expect(parser.pending).toBe(true)
    expect(parser.end()).toEqual(['[DONE]'])
    expect(parser.pending).toBe(false)
    expect(parser.end()).toEqual([])
  })
})
