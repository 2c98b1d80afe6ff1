import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { freePort, startNginx, startServer } from './servers.ts'

const template = await Bun.file(new URL('../nginx.conf.template', import.meta.url)).text()
let dir: string
let upstream: ReturnType<typeof Bun.serve>
let release: () => void = () => {}

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/servers-test-`)
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      if (new URL(request.url).pathname !== '/stream') return new Response('ok')
      // The first event goes out at once, the second only when the test says so: a buffering proxy would hold both.
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const body = new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('data: one\n\n'))
          await gate
          controller.enqueue(new TextEncoder().encode('data: two\n\n'))
          controller.close()
        },
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    },
  })
})
afterAll(async () => {
  await upstream.stop(true)
  await rm(dir, { recursive: true, force: true })
})

describe('startServer', () => {
  test('reports a server that exits during start-up with its stderr', async () => {
    await expect(
      startServer({
        name: 'broken',
        cmd: ['sh', '-c', 'echo boom >&2; exit 3'],
        cpu: '0',
        readyUrl: 'http://127.0.0.1:9/',
        url: '',
        cwd: dir,
        logPath: `${dir}/broken`,
      }),
    ).rejects.toThrow('broken exited with code 3: boom')
  })

  test('gives up on a server that never becomes ready, and stops it', async () => {
    const port = await freePort()
    await expect(
      startServer({
        name: 'silent',
        cmd: ['sleep', '30'],
        cpu: '0',
        readyUrl: `http://127.0.0.1:${port}/`,
        url: '',
        cwd: dir,
        readyTimeoutMs: 300,
        logPath: `${dir}/silent`,
      }),
    ).rejects.toThrow(/silent not ready .* within 300 ms/)
  })

  test('a server that dies after start-up reports its exit code and last output', async () => {
    const port = await freePort()
    const script = `Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch() {
      setTimeout(() => { console.error('crashed on purpose'); process.exit(7) }, 50)
      return new Response('ok')
    } })`
    const server = await startServer({
      name: 'fragile',
      cmd: [process.execPath, '-e', script],
      cpu: '1',
      readyUrl: `http://127.0.0.1:${port}/`,
      url: `http://127.0.0.1:${port}`,
      cwd: dir,
      logPath: `${dir}/fragile`,
    })
    let report: string | undefined
    for (let i = 0; i < 100 && report === undefined; i++) {
      await Bun.sleep(20)
      report = await server.exitReport()
    }
    expect(report).toBe('exited with code 7: crashed on purpose')
    await server.stop()
  })
})

describe('startNginx', () => {
  test('proxies to the upstream and passes SSE events on without buffering', async () => {
    const nginx = await startNginx({
      dir: `${dir}/nginx`,
      template,
      port: await freePort(),
      upstreamPort: upstream.port ?? 0,
      cpu: '1',
      cwd: dir,
      logPath: `${dir}/nginx-log`,
    })
    try {
      expect(await nginx.exitReport()).toBeUndefined()
      expect(await (await fetch(`${nginx.url}/health`)).text()).toBe('ok')
      const response = await fetch(`${nginx.url}/stream`)
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const first = await reader.read()
      expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n')
      release()
      let rest = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        rest += new TextDecoder().decode(value)
      }
      expect(rest).toBe('data: two\n\n')
    } finally {
      await nginx.stop()
    }
    expect(Bun.spawnSync(['kill', '-0', String(nginx.pid)]).exitCode).not.toBe(0)
  })
})
