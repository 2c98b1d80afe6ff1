import { describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { parseWrkOutput, runWrk, wrkScript } from './wrk.ts'

const SAMPLE = `Running 8s test @ http://127.0.0.1:4000/v1/chat/completions
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.52ms    1.10ms  22.31ms   90.12%
    Req/Sec    14.21k     0.90k   15.80k    77.50%
  113120 requests in 8.00s, 61.23MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 10
Requests/sec:  14139.01
Transfer/sec:      7.65MB
`

describe('wrk', () => {
  test('reads throughput, request count and every kind of error', () => {
    expect(parseWrkOutput(SAMPLE)).toEqual({ requestsPerS: 14139.01, requests: 113120, errors: 16 })
  })

  test('a clean run has zero errors', () => {
    const clean = SAMPLE.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '')
    expect(parseWrkOutput(clean).errors).toBe(0)
  })

  test('output without a summary (wrk failed) is an error that shows the output', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      'Connection refused',
    )
  })

  test('the Lua script posts the body with the headers, quoting safely', () => {
    const script = wrkScript('{"a":"b\\n"}', {
      'content-type': 'application/json',
      authorization: 'Bearer k',
    })
    expect(script).toBe(
      'wrk.method = "POST"\nwrk.body = "{\\"a\\":\\"b\\\\n\\"}"\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer k"\n',
    )
  })
})

describe('runWrk', () => {
  test('runs wrk pinned with one thread, the connections, duration and Lua script, and parses its summary', async () => {
    const dir = await mkdtemp(`${tmpdir()}/wrk-test-`)
    const fake = `${dir}/fake-wrk`
    await Bun.write(fake, `#!/bin/sh\necho "$@" > ${dir}/args\ncat <<'OUT'\n${SAMPLE}OUT\n`)
    Bun.spawnSync(['chmod', '+x', fake])
    const result = await runWrk({
      url: 'http://127.0.0.1:9/v1/chat/completions',
      connections: 64,
      durationS: 3,
      body: '{}',
      headers: { authorization: 'Bearer k' },
      scriptPath: `${dir}/post.lua`,
      cpu: '0',
      command: fake,
    })
    expect(result).toEqual({ requestsPerS: 14139.01, requests: 113120, errors: 16 })
    const args = (await Bun.file(`${dir}/args`).text()).trim()
    expect(args).toBe(`-t1 -c64 -d3s --timeout 5s -s ${dir}/post.lua http://127.0.0.1:9/v1/chat/completions`)
    expect(await Bun.file(`${dir}/post.lua`).text()).toContain('wrk.headers["authorization"] = "Bearer k"')
    await rm(dir, { recursive: true, force: true })
  })
})
