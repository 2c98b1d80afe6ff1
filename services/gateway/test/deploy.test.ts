/**
 * The scale-out deployment (docker-compose.scale.yml + deploy/nginx-replicas.conf) cannot run here (no Docker
 * engine), so its meaning is checked: replicas behind nginx, Redis and PostgreSQL wired, and nginx accepts the
 * load-balancer configuration.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'

const ROOT = new URL('../../..', import.meta.url).pathname
const NGINX_CONF = join(ROOT, 'services/gateway/deploy/nginx-replicas.conf')

interface Service {
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  deploy?: { replicas?: number }
  depends_on?: string[]
}

const base = Bun.YAML.parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>
}
const overlay = Bun.YAML.parse(readFileSync(join(ROOT, 'docker-compose.scale.yml'), 'utf8')) as {
  services: Record<string, Service>
}

describe('docker-compose.scale.yml', () => {
  test('runs several gateway replicas behind nginx, with Redis (base file) and PostgreSQL', () => {
    const gateway = overlay.services.gateway
    expect(gateway?.deploy?.replicas).toBeGreaterThan(1)
    expect(gateway?.ports ?? []).toEqual([])
    expect(gateway?.depends_on).toEqual(expect.arrayContaining(['redis', 'postgres']))
    expect(overlay.services['gateway-lb']?.ports).toEqual(['8080:8080'])
    expect(overlay.services['gateway-lb']?.volumes?.[0]).toStartWith(
      './services/gateway/deploy/nginx-replicas.conf:',
    )
    expect(base.services.redis).toBeDefined()
    expect(base.services.gateway?.environment?.REDIS_URL).toBe('redis://redis:6379')
  })

  test('the merged gateway environment is a valid gateway configuration using Redis and PostgreSQL', () => {
    const env = { ...base.services.gateway?.environment, ...overlay.services.gateway?.environment }
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        String(value).replace(/\$\{[A-Z_]+(?::[-?]([^}]*))?\}/g, (_, fallback: string | undefined) =>
          fallback && !fallback.startsWith('set ') ? fallback : 'sk-compose-test',
        ),
      ]),
    )
    const config = loadConfig(resolved, 4)
    expect(config.redis?.url).toBe('redis://redis:6379')
    expect(config.databaseUrl).toStartWith('postgres://infergate:')
    expect(config.trustedProxies.length).toBeGreaterThan(0)
  })

  test('nginx accepts the load-balancer configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infergate-nginx-'))
    try {
      // `gateway` resolves only inside compose's network: check the syntax against a loopback upstream.
      const site = readFileSync(NGINX_CONF, 'utf8').replace('server gateway:8080', 'server 127.0.0.1:8080')
      expect(site).not.toBe(readFileSync(NGINX_CONF, 'utf8'))
      writeFileSync(join(dir, 'site.conf'), site)
      writeFileSync(
        join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n include ${dir}/site.conf;\n}\n`,
      )
      const result = Bun.spawnSync(['nginx', '-t', '-c', join(dir, 'nginx.conf'), '-p', dir], {
        stderr: 'pipe',
      })
      expect(result.stderr.toString()).toContain('test is successful')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the fetch concurrency limit the gateway is started with', () => {
  // Bun refuses a value over 65535 (it prints an error and keeps its default of 256 concurrent fetches).
  const scriptValue = /BUN_CONFIG_MAX_HTTP_REQUESTS:-(\d+)/.exec(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { gateway: string } }).scripts
      .gateway,
  )?.[1]
  const dockerValue = /ENV BUN_CONFIG_MAX_HTTP_REQUESTS=(\d+)/.exec(
    readFileSync(join(ROOT, 'Dockerfile'), 'utf8'),
  )?.[1]

  test('is one Bun accepts, in `bun run gateway` and in the image', () => {
    for (const value of [scriptValue, dockerValue]) {
      expect(Number(value)).toBeGreaterThanOrEqual(4096)
      const run = Bun.spawnSync([process.execPath, '-e', '0'], {
        env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: value },
      })
      expect(run.stderr.toString()).toBe('')
      expect(run.exitCode).toBe(0)
    }
  })
})
