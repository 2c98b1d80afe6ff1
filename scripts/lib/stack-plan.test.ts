import { describe, expect, test } from 'bun:test'
import { ConfigError } from '../../packages/config/src/index.ts'
import { loadDevConfig, REPO_ROOT } from './dev-config.ts'
import { planStack } from './stack-plan.ts'

describe('loadDevConfig', () => {
  test('defaults: loopback, standard ports, .run under the repository', () => {
    expect(loadDevConfig({})).toMatchObject({
      vllmUrl: undefined,
      host: '127.0.0.1',
      simPort: 8000,
      gatewayPort: 8080,
      exporterPort: 9101,
      runDir: `${REPO_ROOT}/.run`,
    })
  })

  test('names every bad variable', () => {
    let problems: readonly string[] = []
    try {
      loadDevConfig({ VLLM_URL: 'ftp://x', SIM_PORT: '0', GATEWAY_PORT: 'web' })
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems
    }
    expect(problems.map((p) => p.split('=')[0])).toEqual(['VLLM_URL', 'SIM_PORT', 'GATEWAY_PORT'])
  })
})

describe('planStack', () => {
  test('with no VLLM_URL: simulator first, the gateway pointed at it, ports and key passed by env', () => {
    const config = loadDevConfig({ SIM_PORT: '18000', GATEWAY_PORT: '18080', SIM_ARGS: '--sim-ttft-ms=5' })
    const plan = planStack(config, 'k1', '/bin/bun', '/repo')
    expect(plan.usesSimulator).toBe(true)
    expect(plan.services.map((s) => s.name)).toEqual(['vllm-sim', 'gpu-exporter', 'gateway'])
    expect(plan.services[0]?.argv).toEqual([
      '/bin/bun',
      '/repo/services/vllm-sim/src/main.ts',
      'serve',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--host',
      '127.0.0.1',
      '--port',
      '18000',
      '--sim-ttft-ms=5',
    ])
    expect(plan.services[2]?.env).toEqual({
      PORT: '18080',
      HOST: '127.0.0.1',
      VLLM_URL: 'http://127.0.0.1:18000',
      GATEWAY_API_KEYS: 'k1',
      BUN_CONFIG_MAX_HTTP_REQUESTS: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? '65535',
    })
    expect(plan.gatewayUrl).toBe('http://127.0.0.1:18080')
  })

  test('with VLLM_URL: no simulator, the gateway fronts that URL; wildcard binds are probed on loopback', () => {
    const config = loadDevConfig({ VLLM_URL: 'http://gpu-box:8000/', HOST: '0.0.0.0' })
    const plan = planStack(config, 'k', 'bun', '/r')
    expect(plan.usesSimulator).toBe(false)
    expect(plan.services.map((s) => s.name)).toEqual(['gpu-exporter', 'gateway'])
    expect(plan.services[1]?.env.VLLM_URL).toBe('http://gpu-box:8000')
    expect(plan.services[1]?.healthUrl).toBe('http://127.0.0.1:8080/health')
  })
})
