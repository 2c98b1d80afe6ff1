import { describe, expect, test } from 'bun:test'

const MAIN = new URL('../src/main.ts', import.meta.url).pathname

interface Running {
  child: ReturnType<typeof Bun.spawn>
  lines: string[]
  url: string
  startedAt: number
  readyAt: number
}

/** Spawns the CLI and reads its stdout until "Application startup complete." (bounded). */
async function spawnSim(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const startedAt = performance.now()
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...env },
  })
  const lines: string[] = []
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  let buffer = ''
  const deadline = startedAt + 10_000
  while (performance.now() < deadline) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += new TextDecoder().decode(value)
    const parts = buffer.split('\n')
    buffer = parts.pop() ?? ''
    lines.push(...parts)
    if (lines.some((line) => line.endsWith('Application startup complete.'))) break
  }
  reader.releaseLock()
  const starting = lines.find((line) => line.includes('Starting vLLM API server 0 on '))
  const port = /:(\d+)$/.exec(starting ?? '')?.[1]
  if (port === undefined) throw new Error(`simulator did not start:\n${lines.join('\n')}`)
  return { child, lines, url: `http://127.0.0.1:${port}`, startedAt, readyAt: performance.now() }
}

describe('the CLI', () => {
  test('starts like vllm serve: milestones, ignored flags logged, served names, SIGTERM exits 0', async () => {
    const sim = await spawnSim([
      'serve',
      'org/model',
      '--served-model-name',
      'a',
      'b',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--enforce-eager',
      '--swap-space',
      '4',
      '--sim-startup-delay-ms',
      '300',
    ])
    try {
      expect(sim.readyAt - sim.startedAt).toBeGreaterThanOrEqual(300)
      const order = [
        'vLLM API server version',
        'Loading weights took',
        'Starting vLLM API server 0',
        'Application startup complete.',
      ]
      const positions = order.map((text) => sim.lines.findIndex((line) => line.includes(text)))
      expect(positions.every((position) => position >= 0)).toBe(true)
      expect(positions).toEqual([...positions].sort((a, b) => a - b))
      expect(sim.lines.at(-1)).toMatch(/^\(APIServer pid=\d+\) INFO: {5}Application startup complete\.$/)
      expect(sim.lines.some((line) => line.includes('WARNING') && line.includes('--swap-space 4'))).toBe(true)
      const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as {
        data: { id: string; root: string }[]
      }
      expect(models.data.map((model) => model.id)).toEqual(['a', 'b'])
      expect(models.data[0]?.root).toBe('org/model')
    } finally {
      sim.child.kill('SIGTERM')
    }
    expect(await sim.child.exited).toBe(0)
  })

  test('VLLM_API_KEY protects /v1 and SIGINT also exits 0', async () => {
    const sim = await spawnSim(['--model', 'm', '--host', '127.0.0.1', '--port', '0'], {
      VLLM_API_KEY: 'envkey',
    })
    try {
      expect((await fetch(`${sim.url}/v1/models`)).status).toBe(401)
      expect(
        (await fetch(`${sim.url}/v1/models`, { headers: { authorization: 'Bearer envkey' } })).status,
      ).toBe(200)
    } finally {
      sim.child.kill('SIGINT')
    }
    expect(await sim.child.exited).toBe(0)
  })

  test('--sim-crash-after-ms exits non-zero', async () => {
    const sim = await spawnSim(['m', '--host', '127.0.0.1', '--port', '0', '--sim-crash-after-ms', '100'])
    expect(await sim.child.exited).not.toBe(0)
  })

  test('a bad flag value exits 2 with the problem on stderr', async () => {
    const child = Bun.spawn([process.execPath, MAIN, 'serve', 'm', '--port', 'abc'], {
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await child.exited).toBe(2)
    expect(await new Response(child.stderr as ReadableStream).text()).toContain('--port: expected an integer')
    const range = Bun.spawn([process.execPath, MAIN, 'serve', 'm', '--sim-jitter', '3'], {
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await range.exited).toBe(2)
    expect(await new Response(range.stderr as ReadableStream).text()).toContain('jitter=3')
  })

  test('--runner pooling serves embeddings', async () => {
    const sim = await spawnSim([
      'm',
      '--runner',
      'pooling',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--sim-embedding-dim',
      '5',
    ])
    try {
      expect(sim.lines.some((line) => line.includes("Supported tasks: ['embed']"))).toBe(true)
      const response = await fetch(`${sim.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'x' }),
      })
      expect(
        ((await response.json()) as { data: { embedding: number[] }[] }).data[0]?.embedding,
      ).toHaveLength(5)
    } finally {
      sim.child.kill('SIGTERM')
      await sim.child.exited
    }
  })
})

describe('the CLI when the port is taken', () => {
  test('logs an ERROR line and exits 1', async () => {
    const blocker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') })
    try {
      const child = Bun.spawn(
        [process.execPath, MAIN, 'm', '--host', '127.0.0.1', '--port', String(blocker.port)],
        {
          stdout: 'pipe',
          stderr: 'pipe',
        },
      )
      expect(await child.exited).toBe(1)
      expect(await new Response(child.stdout as ReadableStream).text()).toContain('ERROR')
    } finally {
      await blocker.stop(true)
    }
  })
})
