import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import { loadConfig } from './config.ts'

describe('loadConfig', () => {
  test('defaults follow the documented contract', () => {
    const config = loadConfig({ GATEWAY_API_KEYS: 'k1,k2' })
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      upstreamUrls: ['http://127.0.0.1:8000'],
      apiKeys: [
        { key: 'k1', tier: 0 },
        { key: 'k2', tier: 0 },
      ],
      authEnabled: true,
      upstreamTimeoutMs: 600_000,
      streamIdleTimeoutMs: 120_000,
      maxBodyBytes: 10 * 1024 * 1024,
      shutdownGraceMs: 30_000,
      upstreamRetries: 2,
      modelAliases: {},
      warmup: false,
    })
  })

  test('an HTTP proxy in the environment sends upstream requests through fetch', () => {
    expect(loadConfig({ GATEWAY_API_KEYS: 'k' }).upstreamHttpProxy).toBe(false)
    expect(loadConfig({ GATEWAY_API_KEYS: 'k', HTTP_PROXY: 'http://proxy:3128' }).upstreamHttpProxy).toBe(
      true,
    )
    expect(loadConfig({ GATEWAY_API_KEYS: 'k', http_proxy: 'http://proxy:3128' }).upstreamHttpProxy).toBe(
      true,
    )
    expect(loadConfig({ GATEWAY_API_KEYS: 'k', HTTP_PROXY: ' ' }).upstreamHttpProxy).toBe(false)
  })

  test('traces: exported only with an OTLP endpoint, in protobuf unless a protocol variable says otherwise', () => {
    const base = { GATEWAY_API_KEYS: 'k' }
    expect(loadConfig(base).tracing).toBeUndefined()
    const endpoint = { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }
    expect(loadConfig(endpoint).tracing).toEqual({
      endpoint: 'http://jaeger:4318',
      protocol: 'http/protobuf',
      serviceName: 'infergate-gateway',
      sampleRatio: 1,
      slowMs: 5_000,
    })
    expect(loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing?.protocol).toBe(
      'http/json',
    )
    expect(
      loadConfig({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).tracing?.protocol,
    ).toBe('http/protobuf')
    expect(() => loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc"',
    )
  })

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      VLLM_URL: 'http://a:8000/,http://b:8001',
      VLLM_API_KEY: 'up',
      GATEWAY_AUTH: 'disabled',
      UPSTREAM_TIMEOUT_MS: '1000',
      STREAM_IDLE_TIMEOUT_MS: '500',
      MAX_BODY_BYTES: '2048',
      SHUTDOWN_GRACE_MS: '0',
      UPSTREAM_RETRIES: '0',
      MODEL_ALIASES: 'fast=gpt-oss-20b,quality=gpt-oss-120b',
      WARMUP: '1',
    })
    expect(config.upstreamUrls).toEqual(['http://a:8000', 'http://b:8001'])
    expect(config.upstreamApiKey).toBe('up')
    expect(config.authEnabled).toBe(false)
    expect(config.modelAliases).toEqual({ fast: 'gpt-oss-20b', quality: 'gpt-oss-120b' })
    expect(config.warmup).toBe(true)
    expect(config.maxBodyBytes).toBe(2048)
  })

  test('refuses to start without keys unless auth is explicitly disabled', () => {
    expect(() => loadConfig({})).toThrow('GATEWAY_API_KEYS')
    expect(loadConfig({ GATEWAY_AUTH: 'disabled' }).apiKeys).toEqual([])
  })

  test('lists every bad variable in one error, keys included', () => {
    try {
      loadConfig({ PORT: 'http', VLLM_URL: 'not-a-url', UPSTREAM_TIMEOUT_MS: '0', GATEWAY_AUTH: 'maybe' })
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const names = (error as ConfigError).problems.map((problem) => problem.split('=')[0])
      expect(new Set(names)).toEqual(
        new Set(['PORT', 'VLLM_URL', 'GATEWAY_AUTH', 'UPSTREAM_TIMEOUT_MS', 'GATEWAY_API_KEYS']),
      )
    }
  })
})
