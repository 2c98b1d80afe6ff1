import { describe, expect, test } from 'bun:test'
import { createLauncherMetrics, createMetricsHandler } from './metrics.ts'
import { type InstanceState, initialState } from './supervisor/transition.ts'

const at = (phase: InstanceState['phase']): InstanceState => ({ ...initialState, phase })
const scrape = async (metrics: ReturnType<typeof createLauncherMetrics>) => metrics.registry.metrics()

describe('createLauncherMetrics', () => {
  test('every series exists at zero before anything happens', async () => {
    const text = await scrape(createLauncherMetrics(['gen', 'embed']))
    expect(text).toContain('vllm_launcher_instance_up{instance="gen"} 0')
    expect(text).toContain('vllm_launcher_instance_state{instance="embed",state="stopped"} 1')
    expect(text).toContain('vllm_launcher_instance_state{instance="embed",state="ready"} 0')
    expect(text).toContain('vllm_launcher_restarts_total{instance="gen",reason="hang"} 0')
    expect(text).toContain('vllm_launcher_health_check_failures_total{instance="gen"} 0')
    expect(text).toContain('vllm_launcher_gave_up{instance="embed"} 0')
  })

  test('follows notes: ready sets up and start-up time, restarts and failures count, give-up flags', async () => {
    const metrics = createLauncherMetrics(['gen'])
    metrics.record('gen', { kind: 'ready', startupMs: 2500 }, at('ready'))
    let text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_instance_up{instance="gen"} 1')
    expect(text).toContain('vllm_launcher_startup_seconds{instance="gen"} 2.5')
    expect(text).toContain('vllm_launcher_instance_state{instance="gen",state="ready"} 1')
    expect(text).toContain('vllm_launcher_instance_state{instance="gen",state="stopped"} 0')

    metrics.record('gen', { kind: 'health-failure', failures: 1, detail: 'timeout' }, at('unhealthy'))
    metrics.record(
      'gen',
      { kind: 'restart', reason: 'hang', delayMs: 1, exit: { code: 0, signal: null } },
      at('backoff'),
    )
    metrics.record(
      'gen',
      { kind: 'restart', reason: 'crash', delayMs: 1, exit: { code: 1, signal: null } },
      at('backoff'),
    )
    metrics.record(
      'gen',
      { kind: 'gave-up', restarts: 2, windowMs: 1, exit: { code: 1, signal: null } },
      at('failed'),
    )
    text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_instance_up{instance="gen"} 0')
    expect(text).toContain('vllm_launcher_health_check_failures_total{instance="gen"} 1')
    expect(text).toContain('vllm_launcher_restarts_total{instance="gen",reason="hang"} 1')
    expect(text).toContain('vllm_launcher_restarts_total{instance="gen",reason="crash"} 1')
    expect(text).toContain('vllm_launcher_gave_up{instance="gen"} 1')
    expect(text).toContain('vllm_launcher_instance_state{instance="gen",state="failed"} 1')
  })
})

describe('createMetricsHandler', () => {
  const metrics = createLauncherMetrics(['gen'])
  const get = (handler: (r: Request) => Promise<Response>, path: string) =>
    handler(new Request(`http://x${path}`))

  test('serves Prometheus text on /metrics and 404 elsewhere', async () => {
    const handler = createMetricsHandler(metrics, () => ({ gen: 'ready' }))
    const response = await get(handler, '/metrics')
    expect(response.headers.get('content-type')).toContain('text/plain')
    expect(await response.text()).toContain('vllm_launcher_instance_up')
    expect((await get(handler, '/nope')).status).toBe(404)
  })

  test('/health is 200 with instance states, 503 once an instance was given up on', async () => {
    const healthy = await get(
      createMetricsHandler(metrics, () => ({ gen: 'starting' })),
      '/health',
    )
    expect(healthy.status).toBe(200)
    expect(await healthy.json()).toEqual({ status: 'ok', instances: { gen: 'starting' } })
    const failed = await get(
      createMetricsHandler(metrics, () => ({ gen: 'failed', embed: 'ready' })),
      '/health',
    )
    expect(failed.status).toBe(503)
  })
})
