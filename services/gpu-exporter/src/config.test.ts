import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import { loadConfig } from './config.ts'

describe('loadConfig', () => {
  test('defaults: port 9101 on all interfaces, XML source, host metrics on', () => {
    expect(loadConfig({})).toEqual({
      port: 9101,
      host: '0.0.0.0',
      pollMs: 5000,
      smiPath: 'nvidia-smi',
      smiTimeoutMs: 10_000,
      smiSource: 'xml',
      hostMetrics: true,
      hostname: undefined,
      logLevel: 'info',
    })
  })

  test('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '9500',
        HOST: '127.0.0.1',
        GPU_POLL_MS: '1000',
        NVIDIA_SMI_PATH: '/usr/local/bin/nvidia-smi',
        NVIDIA_SMI_TIMEOUT_MS: '2000',
        NVIDIA_SMI_SOURCE: 'csv',
        HOST_METRICS: 'off',
        GPU_EXPORTER_HOSTNAME: 'gpu-node-7',
        LOG_LEVEL: 'warn',
      }),
    ).toEqual({
      port: 9500,
      host: '127.0.0.1',
      pollMs: 1000,
      smiPath: '/usr/local/bin/nvidia-smi',
      smiTimeoutMs: 2000,
      smiSource: 'csv',
      hostMetrics: false,
      hostname: 'gpu-node-7',
      logLevel: 'warn',
    })
  })

  test('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', GPU_POLL_MS: '10', NVIDIA_SMI_SOURCE: 'json', HOST_METRICS: 'maybe' })
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const problems = (error as ConfigError).problems.join('\n')
      for (const name of ['PORT', 'GPU_POLL_MS', 'NVIDIA_SMI_SOURCE', 'HOST_METRICS'])
        expect(problems).toContain(name)
    }
  })
})
