import { describe, expect, test } from 'bun:test'
import { createApp } from './app.ts'
import { createCollectorRegistry } from './collectors/registry.ts'

const quiet = { info() {}, warn() {}, error() {} }

async function app() {
  const registry = createCollectorRegistry({
    collectors: [
      {
        name: 'gpu',
        collect: async () => ({
          ok: true as const,
          warnings: [],
          families: [
            {
              name: 'DCGM_FI_DEV_GPU_TEMP',
              help: 'h',
              type: 'gauge' as const,
              samples: [{ labels: [], value: 40 }],
            },
          ],
        }),
      },
      { name: 'host', collect: async () => ({ ok: false as const, error: 'no /proc' }) },
    ],
    logger: quiet,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  })
  await registry.pollAll()
  return createApp(registry)
}

describe('createApp', () => {
  test('GET /metrics serves the cached exposition with the Prometheus content type', async () => {
    const response = (await app())(new Request('http://x/metrics'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    expect(text).toContain('DCGM_FI_DEV_GPU_TEMP 40\n')
    expect(text).toContain('gpu_exporter_collector_success{collector="host"} 0\n')
  })

  test('GET /health is 200 with each collector’s status, even when one fails', async () => {
    const response = (await app())(new Request('http://x/health'))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      status: 'ok',
      collectors: [
        { name: 'gpu', success: true, polls: 1, lastSuccessAt: '2026-01-01T00:00:00.000Z' },
        { name: 'host', success: false, polls: 1, error: 'no /proc' },
      ],
    })
  })

  test('unknown paths are 404 and other methods 405', async () => {
    const handler = await app()
    expect(handler(new Request('http://x/')).status).toBe(404)
    expect(handler(new Request('http://x/metrics', { method: 'POST' })).status).toBe(405)
  })
})
