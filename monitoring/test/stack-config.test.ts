/** @module Grafana provisioning, Loki, Promtail and Alertmanager configs: valid YAML wired to each other with the right names, ports and labels. */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger } from '../../packages/logger/src/index.ts'
import { listFiles, MONITORING_DIR, RULES_DIR } from './monitoring-expressions.ts'

// biome-ignore lint/suspicious/noExplicitAny: config files are checked field by field below
const yaml = (path: string): any => Bun.YAML.parse(readFileSync(join(MONITORING_DIR, path), 'utf8'))

const datasources = yaml('grafana/provisioning/datasources/datasources.yml').datasources as {
  name: string
  uid: string
  type: string
  url: string
  isDefault?: boolean
  jsonData?: Record<string, unknown>
}[]
const byType = (type: string) => {
  const found = datasources.find((d) => d.type === type)
  if (!found) throw new Error(`no ${type} datasource`)
  return found
}

describe('Grafana datasources', () => {
  test('provision Prometheus (default), Loki and Jaeger with stable uids', () => {
    expect(datasources.map((d) => [d.type, d.uid])).toEqual([
      ['prometheus', 'prometheus'],
      ['loki', 'loki'],
      ['jaeger', 'jaeger'],
    ])
    expect(byType('prometheus').isDefault).toBe(true)
  })

  test('point at the compose services on their ports', () => {
    expect(byType('prometheus').url).toBe('http://prometheus:9090')
    expect(byType('loki').url).toBe('http://loki:3100')
    expect(byType('jaeger').url).toBe('http://jaeger:16686')
  })

  test("Loki's derived field turns a log line's trace id into a Jaeger link", () => {
    const [field] = (byType('loki').jsonData?.derivedFields ?? []) as {
      datasourceUid: string
      matcherRegex: string
      url: string
    }[]
    expect(field?.datasourceUid).toBe('jaeger')
    // Grafana expands $VAR in provisioning files: the literal ${__value.raw} must be escaped as $$.
    expect(field?.url).toBe('$${__value.raw}')
    const regex = new RegExp(field?.matcherRegex ?? '(?!)')
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const line = (key: string) =>
      JSON.stringify({ level: 'info', service: 'gateway', [key]: traceId, msg: 'done' })
    expect(regex.exec(line('trace_id'))?.[1]).toBe(traceId)
    expect(regex.exec(line('traceId'))?.[1]).toBe(traceId)
    expect(regex.exec(line('request_id'))).toBeNull()
  })

  test('the dashboard provider loads the directory compose mounts the dashboards into', () => {
    const providers = yaml('grafana/provisioning/dashboards/dashboards.yml').providers as {
      type: string
      options: { path: string }
    }[]
    expect(providers).toHaveLength(1)
    expect(providers[0]?.type).toBe('file')
    expect(providers[0]?.options.path).toBe('/var/lib/grafana/dashboards')
  })
})

describe('Promtail', () => {
  const promtail = yaml('promtail/promtail.yml')

  test('pushes to the Loki port the Loki config listens on', () => {
    const loki = yaml('loki/loki.yml')
    expect(promtail.clients).toEqual([
      { url: `http://loki:${loki.server.http_listen_port}/loki/api/v1/push` },
    ])
  })

  test('parses JSON lines and labels them with service and level, not request or trace ids', () => {
    const [job] = promtail.scrape_configs
    const stages = job.pipeline_stages as Record<string, Record<string, unknown>>[]
    const json = stages.find((stage) => 'json' in stage)?.json
    const labels = stages.find((stage) => 'labels' in stage)?.labels
    expect(json?.expressions).toMatchObject({ level: 'level', service: 'service' })
    expect(Object.keys(labels ?? {}).sort()).toEqual(['level', 'service'])
    expect(stages.findIndex((stage) => 'json' in stage)).toBeLessThan(
      stages.findIndex((stage) => 'labels' in stage),
    )
  })

  test('names the service after the compose service for lines that are not JSON', () => {
    const [job] = promtail.scrape_configs
    expect(job.docker_sd_configs[0].host).toBe('unix:///var/run/docker.sock')
    expect(job.relabel_configs).toContainEqual({
      source_labels: ['__meta_docker_container_label_com_docker_compose_service'],
      target_label: 'service',
    })
  })
})

describe('log lines and the Promtail pipeline', () => {
  test('the shared logger writes the fields the json stage extracts: service, and level as a name', () => {
    const lines: string[] = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    createLogger({ service: 'gateway', destination }).warn({ apiKey: 'sk-secret' }, 'upstream slow')
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>
    const [job] = yaml('promtail/promtail.yml').scrape_configs
    const json = job.pipeline_stages.find((stage: Record<string, unknown>) => 'json' in stage).json
    for (const field of Object.values(json.expressions as Record<string, string>))
      expect(line).toHaveProperty(field)
    expect(line.level).toBe('warn')
    expect(line.service).toBe('gateway')
    expect(JSON.stringify(line)).not.toContain('sk-secret')
  })
})

describe('Loki', () => {
  test('stores on the filesystem with a tsdb v13 schema and retention', () => {
    const loki = yaml('loki/loki.yml')
    expect(loki.auth_enabled).toBe(false)
    expect(loki.schema_config.configs[0]).toMatchObject({
      store: 'tsdb',
      schema: 'v13',
      object_store: 'filesystem',
    })
    expect(loki.compactor.retention_enabled).toBe(true)
  })
})

describe('Alertmanager', () => {
  const alertmanager = yaml('alertmanager/alertmanager.yml')

  test('every route sends to a defined receiver', () => {
    const receivers = new Set((alertmanager.receivers as { name: string }[]).map((r) => r.name))
    const routes = [alertmanager.route, ...(alertmanager.route.routes ?? [])] as { receiver: string }[]
    for (const route of routes) expect(receivers.has(route.receiver)).toBe(true)
  })

  test('inhibit rules name alerts that exist in the rule files', () => {
    const alerts = new Set(
      listFiles(RULES_DIR, '.yml').flatMap((file) =>
        (
          Bun.YAML.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
            groups: { rules: { alert?: string }[] }[]
          }
        ).groups.flatMap((g) => g.rules.map((r) => r.alert)),
      ),
    )
    const named = (alertmanager.inhibit_rules as { source_matchers: string[]; target_matchers: string[] }[])
      .flatMap((rule) => [...rule.source_matchers, ...rule.target_matchers])
      .map((matcher) => /^alertname="(.+)"$/.exec(matcher)?.[1])
    expect(named.length).toBeGreaterThan(0)
    for (const name of named) expect(alerts.has(name ?? '(not an alertname matcher)')).toBe(true)
  })

  test('Prometheus sends alerts to the Alertmanager service', () => {
    const prometheus = yaml('prometheus/prometheus.yml')
    expect(prometheus.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093'])
  })
})
