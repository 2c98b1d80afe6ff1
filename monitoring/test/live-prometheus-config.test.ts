/** @module Tests for deriving the live test's Prometheus config from the shipped one. */
import { describe, expect, test } from 'bun:test'
import { liveConfig, type PrometheusConfig } from './live-prometheus-config.ts'

const shipped: PrometheusConfig = {
  global: { scrape_interval: '15s', external_labels: { stack: 'infergate' } },
  rule_files: ['/etc/prometheus/rules/*.yml'],
  alerting: { alertmanagers: [] },
  scrape_configs: [
    { job_name: 'gateway', static_configs: [{ targets: ['gateway:8080'] }] },
    {
      job_name: 'gpu-exporter',
      scrape_timeout: '10s',
      static_configs: [{ targets: ['gpu-exporter:9101'] }],
      metric_relabel_configs: [{ action: 'labeldrop', regex: 'x' }],
    },
  ],
}

describe('liveConfig', () => {
  test('keeps only the live jobs, points them at local addresses and keeps their relabelling', () => {
    const config = liveConfig(shipped, {
      addresses: new Map([['gpu-exporter', '127.0.0.1:4000']]),
      ruleFiles: ['/repo/rules/*.yml'],
      interval: '1s',
    })
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'gpu-exporter',
        static_configs: [{ targets: ['127.0.0.1:4000'] }],
        metric_relabel_configs: [{ action: 'labeldrop', regex: 'x' }],
      },
    ])
    expect(config.rule_files).toEqual(['/repo/rules/*.yml'])
    expect(config.alerting).toBeUndefined()
  })

  test('sets one fast interval for scrapes, timeouts and rule evaluation, keeping other globals', () => {
    const config = liveConfig(shipped, { addresses: new Map(), ruleFiles: [], interval: '1s' })
    expect(config.global).toEqual({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
      external_labels: { stack: 'infergate' },
    })
  })

  test('rejects a live job the shipped config does not define', () => {
    expect(() =>
      liveConfig(shipped, { addresses: new Map([['gatewy', '127.0.0.1:1']]), ruleFiles: [], interval: '1s' }),
    ).toThrow(/gatewy/)
  })
})
