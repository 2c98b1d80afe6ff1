/**
 * @module docker-compose.yml cannot run here (no Docker engine), so its meaning is checked: every service and
 * profile is present, mounted configs exist, and every address the monitoring configs use resolves to exactly one
 * service listening on that port, in both the sim and the gpu profile.
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  activeServices,
  type ComposeFile,
  hostNames,
  listensOn,
  repoMounts,
  resolveHost,
} from './compose-model.ts'
import { MONITORING_DIR } from './monitoring-expressions.ts'
import { REPO_ROOT } from './spawn-service.ts'

const compose = Bun.YAML.parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
// biome-ignore lint/suspicious/noExplicitAny: YAML configs, read field by field
const yaml = (path: string): any => Bun.YAML.parse(readFileSync(join(MONITORING_DIR, path), 'utf8'))

const PROFILES = ['sim', 'gpu'] as const

/** Every host:port another component dials, by who dials it. */
function dialledAddresses(): { from: string; host: string; port: number }[] {
  const found: { from: string; host: string; port: number }[] = []
  const add = (from: string, address: string) => {
    const url = new URL(address.includes('://') ? address : `http://${address}`)
    found.push({ from, host: url.hostname, port: Number(url.port || 80) })
  }
  const prometheus = yaml('prometheus/prometheus.yml')
  for (const job of prometheus.scrape_configs) {
    for (const target of job.static_configs[0].targets as string[]) {
      if (!target.startsWith('localhost')) add(`prometheus job ${job.job_name}`, target)
    }
  }
  for (const target of prometheus.alerting.alertmanagers[0].static_configs[0].targets)
    add('prometheus alerting', target)
  for (const source of yaml('grafana/provisioning/datasources/datasources.yml').datasources) {
    add(`grafana datasource ${source.name}`, source.url)
  }
  for (const client of yaml('promtail/promtail.yml').clients) add('promtail', client.url)
  const gateway = compose.services.gateway?.environment ?? {}
  add('gateway VLLM_URL', gateway.VLLM_URL ?? '')
  add('gateway OTLP', gateway.OTEL_EXPORTER_OTLP_ENDPOINT ?? '')
  add('gateway REDIS_URL', gateway.REDIS_URL ?? '')
  const nginx = readFileSync(join(MONITORING_DIR, 'nginx/infergate.conf'), 'utf8')
  for (const match of nginx.matchAll(/set \$\w+ (http:\/\/[\w.-]+:\d+);/g)) add('nginx', match[1] ?? '')
  return found
}

describe('docker-compose.yml', () => {
  test('has the stack: gateway, vLLM or the simulator, exporter, launcher and the monitoring tools', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'alertmanager',
        'gateway',
        'gpu-exporter',
        'gpu-exporter-sim',
        'grafana',
        'jaeger',
        'loki',
        'nginx',
        'prometheus',
        'promtail',
        'redis',
        'vllm',
        'vllm-sim',
      ].sort(),
    )
    expect(compose.services.vllm?.profiles).toEqual(['gpu'])
    expect(compose.services['vllm-sim']?.profiles).toEqual(['sim'])
    expect(compose.services.nginx?.profiles).toEqual(['tls'])
  })

  test('every configuration file a service mounts from the repository exists', () => {
    const mounts = Object.values(compose.services).flatMap(repoMounts)
    expect(mounts.length).toBeGreaterThanOrEqual(8)
    expect(mounts.filter((source) => !existsSync(join(REPO_ROOT, source)))).toEqual([])
  })

  test('every named volume is declared', () => {
    const named = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0] ?? '')
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'))
    expect(named.filter((name) => !(name in (compose.volumes ?? {})))).toEqual([])
  })

  test('every bun command runs a file that exists, and built targets exist in the Dockerfile', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const entry = service.command?.[0] === 'bun' ? service.command[1] : undefined
      if (entry) expect(`${name}: ${existsSync(join(REPO_ROOT, entry))}`).toBe(`${name}: true`)
      const target = service.build?.target
      if (target) expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'))
    }
  })

  test.each(PROFILES)(
    'profile %s: every dialled address resolves to one service listening on that port',
    (profile) => {
      const problems: string[] = []
      for (const { from, host, port } of dialledAddresses()) {
        const services = resolveHost(compose, profile, host)
        if (services.length !== 1) problems.push(`${from}: ${host} resolves to [${services.join(', ')}]`)
        for (const name of services) {
          const service = compose.services[name]
          if (service && !listensOn(service, port))
            problems.push(`${from}: ${name} does not listen on ${port}`)
        }
      }
      expect(problems).toEqual([])
    },
  )

  test.each(PROFILES)('profile %s: no two services answer to the same host name', (profile) => {
    const names = activeServices(compose, profile).flatMap((name) => hostNames(compose, name))
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([])
  })

  test('every variable set on one of our services is one its config.ts reads (a typo would be ignored silently)', () => {
    const problems: string[] = []
    for (const [name, service] of Object.entries(compose.services)) {
      const entry = service.command?.[0] === 'bun' ? service.command[1] : undefined
      if (!entry) continue
      const config = readFileSync(join(REPO_ROOT, entry.replace(/main\.ts$/, 'config.ts')), 'utf8')
      const known = new Set([...config.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]))
      for (const key of Object.keys(service.environment ?? {})) {
        if (!known.has(key)) problems.push(`${name}: ${key}`)
      }
    }
    expect(problems).toEqual([])
  })

  test('the gateway keeps its usage database on a named volume', () => {
    const gateway = compose.services.gateway
    const path = gateway?.environment?.QUOTA_DB ?? ''
    const volume = gateway?.volumes?.find((v) => path.startsWith(`${v.split(':')[1]}/`))
    expect(volume?.split(':')[0]).toBe('gateway-data')
  })

  test('the gateway exports traces over OTLP/HTTP to Jaeger, with the OTLP receiver on', () => {
    expect(compose.services.gateway?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318')
    expect(compose.services.jaeger?.environment?.COLLECTOR_OTLP_ENABLED).toBe('true')
  })

  test('secrets come from the environment, never from the file', () => {
    const gateway = compose.services.gateway?.environment ?? {}
    expect(gateway.GATEWAY_API_KEYS).toMatch(/^\$\{GATEWAY_API_KEYS:\?/)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax
    expect(compose.services.vllm?.environment?.HF_TOKEN).toBe('${HF_TOKEN:-}')
  })

  test('the GPU services reserve NVIDIA devices and the simulated ones do not', () => {
    const reserves = (name: string) => JSON.stringify(compose.services[name]).includes('"driver":"nvidia"')
    expect(reserves('vllm')).toBe(true)
    expect(reserves('gpu-exporter')).toBe(true)
    expect(reserves('vllm-sim')).toBe(false)
    expect(reserves('gpu-exporter-sim')).toBe(false)
  })
})

describe('compose model', () => {
  const model: ComposeFile = {
    services: {
      a: { environment: { PORT: '1' } },
      b: { profiles: ['x'], networks: { default: { aliases: ['a'] } }, image: 'grafana/grafana:11' },
      c: { profiles: ['y'], volumes: ['./f:/f', 'named:/d', '/var/run/x:/x'] },
    },
  }

  test('activeServices keeps profile-less services and the profile ones', () => {
    expect(activeServices(model, 'x')).toEqual(['a', 'b'])
    expect(activeServices(model, 'y')).toEqual(['a', 'c'])
  })

  test('resolveHost sees aliases, so a clash shows up as two services', () => {
    expect(resolveHost(model, 'x', 'a')).toEqual(['a', 'b'])
    expect(resolveHost(model, 'y', 'a')).toEqual(['a'])
    expect(resolveHost(model, 'y', 'nobody')).toEqual([])
  })

  test('listensOn knows image defaults and *PORT variables, and nothing else', () => {
    expect(listensOn({ image: 'grafana/grafana:11.3.0' }, 3000)).toBe(true)
    expect(listensOn({ image: 'grafana/grafana:11.3.0' }, 3100)).toBe(false)
    expect(listensOn({ environment: { VLLM_PORT: '8000' } }, 8000)).toBe(true)
    expect(listensOn({ environment: { MAX_NUM_SEQS: '8000' } }, 8000)).toBe(false)
  })

  test('repoMounts returns only ./ sources', () => {
    expect(repoMounts(model.services.c ?? {})).toEqual(['./f'])
  })
})
