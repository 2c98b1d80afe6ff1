/** @module The optional TLS front: Debian's nginx accepts monitoring/nginx/infergate.conf (`nginx -t`) with a throwaway self-signed certificate. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MONITORING_DIR } from './monitoring-expressions.ts'

const NGINX_BIN = '/usr/sbin/nginx'
const SITE = join(MONITORING_DIR, 'nginx', 'infergate.conf')

let dir = ''

async function run(command: string[]): Promise<{ exitCode: number; output: string }> {
  const proc = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { exitCode, output: stdout + stderr }
}

/** Wraps a site config the way the nginx image's nginx.conf includes conf.d/, with paths inside the temp dir. */
async function nginxTest(site: string): Promise<{ exitCode: number; output: string }> {
  await Bun.write(join(dir, 'site.conf'), site.replaceAll('/etc/nginx/certs', dir))
  await Bun.write(
    join(dir, 'nginx.conf'),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`,
  )
  return run([NGINX_BIN, '-t', '-p', dir, '-c', join(dir, 'nginx.conf')])
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infergate-nginx-'))
  const cert = await run([
    'openssl',
    'req',
    '-x509',
    '-newkey',
    // An EC key is generated in milliseconds; RSA 2048 took seconds on a loaded CI box.
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    join(dir, 'tls.key'),
    '-out',
    join(dir, 'tls.crt'),
  ])
  if (cert.exitCode !== 0) throw new Error(`openssl failed: ${cert.output}`)
}, 30_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('nginx TLS front', () => {
  test('nginx -t accepts the shipped site config', async () => {
    const result = await nginxTest(await Bun.file(SITE).text())
    expect(result.output).toContain('test is successful')
    expect(result.exitCode).toBe(0)
  })

  test('nginx -t rejects a broken config, so the check above is meaningful', async () => {
    const result = await nginxTest(
      `${await Bun.file(SITE).text()}\nserver { listen 443 ssl; proxy_buffering maybe; }\n`,
    )
    expect(result.exitCode).not.toBe(0)
  })

  test('streams responses unbuffered with long timeouts, and redirects plain HTTP to HTTPS', async () => {
    const site = await Bun.file(SITE).text()
    const gateway = site.slice(site.indexOf('location / {'))
    expect(gateway).toContain('proxy_buffering off;')
    expect(gateway).toMatch(/proxy_read_timeout \d{3,}s;/)
    expect(site).toContain('return 301 https://$host$request_uri;')
  })
})
