import { describe, expect, test } from 'bun:test'
import { Http1ProtocolError, Http1ResponseParser, type ResponseHead } from './http1-response.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** A parser whose sink records what came out. */
function recording(options: ConstructorParameters<typeof Http1ResponseParser>[1] = {}) {
  const seen = { heads: [] as ResponseHead[], body: [] as Uint8Array[], ends: 0 }
  const parser = new Http1ResponseParser(
    {
      head: (head) => seen.heads.push(head),
      body: (bytes) => seen.body.push(bytes),
      end: () => seen.ends++,
    },
    options,
  )
  const text = () => seen.body.map((part) => dec.decode(part)).join('')
  return { parser, seen, text }
}

/** Feeds `message` cut at `cuts` (byte offsets). */
function feedCut(parser: Http1ResponseParser, message: string, cuts: number[]) {
  const bytes = enc.encode(message)
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    parser.feed(bytes.subarray(from, cut))
    from = cut
  }
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  'f\r\ndata: {"a":1}\n\n\r\n' +
  'e;ext=1\r\ndata: [DONE]\n\n\r\n' +
  '0\r\nx-trailer: yes\r\n\r\n'

describe('Http1ResponseParser', () => {
  test('a content-length response: head fields, the body, the end, and keep-alive', () => {
    const { parser, seen, text } = recording()
    parser.feed(
      enc.encode(
        'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      ),
    )
    expect(seen.heads).toEqual([
      {
        status: 201,
        statusText: 'Created',
        headers: [
          ['content-type', 'application/json'],
          ['content-length', '7'],
        ],
        keepAlive: true,
        framing: 'length',
        contentLength: 7,
      },
    ])
    expect(text()).toBe('{"a":1}')
    expect(seen.ends).toBe(1)
    expect(parser.done).toBe(true)
  })

  test('a chunked stream decodes identically however the bytes are cut', () => {
    const whole = recording()
    whole.parser.feed(enc.encode(CHUNKED))
    expect(whole.text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n')
    expect(whole.seen.ends).toBe(1)
    const length = enc.encode(CHUNKED).length
    for (let cut = 1; cut < length; cut++) {
      for (const second of [cut + 1, cut + 7]) {
        const split = recording()
        feedCut(split.parser, CHUNKED, second < length ? [cut, second] : [cut])
        expect(split.text()).toBe(whole.text())
        expect(split.seen.ends).toBe(1)
        expect(split.seen.heads[0]?.framing).toBe('chunked')
      }
    }
  })

  test('body pieces are views of the input, not copies, when a read holds one whole chunk', () => {
    const { parser, seen } = recording()
    parser.feed(enc.encode('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'))
    const read = enc.encode('5\r\nhello\r\n')
    parser.feed(read)
    expect(seen.body[0]?.buffer).toBe(read.buffer)
  })

  test('1xx heads are skipped; 204, 304 and a HEAD request have no body', () => {
    const early = recording()
    early.parser.feed(
      enc.encode(
        'HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      ),
    )
    expect(early.seen.heads.map((head) => head.status)).toEqual([200])
    expect(early.text()).toBe('ok')
    for (const status of [204, 304]) {
      const empty = recording()
      empty.parser.feed(enc.encode(`HTTP/1.1 ${status} X\r\ncontent-length: 10\r\n\r\n`))
      expect(empty.seen.ends).toBe(1)
      expect(empty.seen.heads[0]?.framing).toBe('none')
    }
    const head = recording({ headRequest: true })
    head.parser.feed(enc.encode('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n'))
    expect(head.seen.ends).toBe(1)
  })

  test('no length and no chunking: the body runs until the connection closes, which is then not reusable', () => {
    const { parser, seen, text } = recording()
    parser.feed(enc.encode('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome '))
    parser.feed(enc.encode('text'))
    expect(seen.ends).toBe(0)
    parser.closed()
    expect(text()).toBe('some text')
    expect(seen.ends).toBe(1)
    expect(seen.heads[0]?.keepAlive).toBe(false)
  })

  test('keep-alive follows HTTP version and Connection', () => {
    const keep = (head: string) => {
      const { parser, seen } = recording()
      parser.feed(enc.encode(`${head}\r\ncontent-length: 0\r\n\r\n`))
      return seen.heads[0]?.keepAlive
    }
    expect(keep('HTTP/1.1 200 OK')).toBe(true)
    expect(keep('HTTP/1.1 200 OK\r\nconnection: close')).toBe(false)
    expect(keep('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close')).toBe(false)
    expect(keep('HTTP/1.0 200 OK')).toBe(false)
    expect(keep('HTTP/1.0 200 OK\r\nconnection: keep-alive')).toBe(true)
  })

  test('a close before the response completes is an error, and says whether anything had arrived', () => {
    const nothing = recording()
    expect(() => nothing.parser.closed()).toThrow('without a response')
    expect(nothing.parser.started).toBe(false)
    const partial = recording()
    partial.parser.feed(enc.encode('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'))
    expect(() => partial.parser.closed()).toThrow('before the response completed')
    const midChunk = recording()
    midChunk.parser.feed(enc.encode('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhe'))
    expect(() => midChunk.parser.closed()).toThrow(Http1ProtocolError)
    expect(midChunk.seen.ends).toBe(0)
  })

  test('bytes after the end of a response mark the connection as out of step', () => {
    const { parser } = recording()
    parser.feed(enc.encode('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'))
    expect(parser.done).toBe(true)
    expect(parser.extraBytes).toBe(true)
  })

  test('malformed responses are protocol errors, never a hang or a silent truncation', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'hello world\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcX',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffff\r\n',
    ]
    for (const message of bad) {
      const { parser } = recording()
      expect(() => parser.feed(enc.encode(message))).toThrow(Http1ProtocolError)
    }
  })

  test('a head that never ends is cut at the size limit instead of buffered without bound', () => {
    const { parser } = recording({ maxHeadBytes: 1024 })
    parser.feed(enc.encode('HTTP/1.1 200 OK\r\n'))
    expect(() => parser.feed(enc.encode(`x-big: ${'a'.repeat(2000)}`))).toThrow('too large')
  })

  test('transfer-encoding chunked wins over content-length; a non-final chunked coding runs until close', () => {
    const both = recording()
    both.parser.feed(
      enc.encode(
        'HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      ),
    )
    expect(both.text()).toBe('ok')
    expect(both.seen.ends).toBe(1)
    const gzipOnly = recording()
    gzipOnly.parser.feed(enc.encode('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nraw'))
    expect(gzipOnly.seen.heads[0]?.framing).toBe('close')
  })
  test('a status that cannot be handed on and a header name that is not a token are protocol errors', () => {
    const bad = [
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n',
      'HTTP/1.1 600 Weird\r\ncontent-length: 2\r\n\r\nok',
      'HTTP/1.1 099 Low\r\ncontent-length: 2\r\n\r\nok',
      // A space before the colon would hide a framing header under another name.
      'HTTP/1.1 200 OK\r\ncontent-length : 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nbad name: 1\r\ncontent-length: 2\r\n\r\nok',
    ]
    for (const message of bad) {
      const { parser, seen } = recording()
      expect(() => parser.feed(enc.encode(message))).toThrow(Http1ProtocolError)
      expect(seen.heads).toHaveLength(0)
    }
  })

  test('transfer-encoding overrides content-length in either order; with both, the connection is not reused', () => {
    const gzipFirst = recording()
    gzipFirst.parser.feed(
      enc.encode('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\ncontent-length: 2\r\n\r\nokmore'),
    )
    expect(gzipFirst.seen.heads[0]?.framing).toBe('close')
    expect(gzipFirst.text()).toBe('okmore')
    const both = recording()
    both.parser.feed(
      enc.encode(
        'HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      ),
    )
    expect(both.seen.heads[0]?.framing).toBe('chunked')
    expect(both.seen.heads[0]?.keepAlive).toBe(false)
  })

  test('bytes after the end in the same read are known when end is called, so the connection is not released', () => {
    for (const message of [
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokX',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nX',
      'HTTP/1.1 204 No Content\r\n\r\nX',
    ]) {
      const atEnd: boolean[] = []
      const parser: Http1ResponseParser = new Http1ResponseParser({
        head: () => {},
        body: () => {},
        end: () => atEnd.push(parser.extraBytes),
      })
      parser.feed(enc.encode(message))
      expect(atEnd).toEqual([true])
    }
    const exact = recording()
    exact.parser.feed(enc.encode('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'))
    expect(exact.parser.extraBytes).toBe(false)
  })
})
