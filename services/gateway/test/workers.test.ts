/**
 * GATEWAY_WORKERS=2 (issue 8): two worker threads on one port behave like one process. Limits are not
 * multiplied, usage is recorded and flushed once, /metrics and /v1/usage cover both workers whichever answers,
 * and shutdown drains them all.
 */

import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@infergate/logger'
import { startSim } from '@infergate/vllm-sim/testing'
import { type Cluster, startCluster } from '../src/cluster/supervisor.ts'
import { loadConfig } from '../src/config.ts'
import { CLIENT_KEY, chat, type Sim, UPSTREAM_KEY } from './stack.ts'

let sim: Sim
let cluster: Cluster | undefined
const dir = mkdtempSync(join(tmpdir(), 'infergate-workers-'))

beforeAll(async () => {
  sim = await startSim({ apiKey: UPSTREAM_KEY })
})
afterAll(async () => {
  await cluster?.shutdown()
  await sim.stop()
  rmSync(dir, { recursive: true, force: true })
})

const auth = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }
const baseEnv = () => ({
  PORT: '0',
  HOST: '127.0.0.1',
  VLLM_URL: sim.url,
  VLLM_API_KEY: UPSTREAM_KEY,
  GATEWAY_API_KEYS: CLIENT_KEY,
  GATEWAY_WORKERS: '2',
  LOG_LEVEL: 'silent',
  LOG_REQUESTS: 'false',
})

describe('two worker threads on one port', () => {
  test('limits are not multiplied, usage is counted once, /metrics covers both workers, shutdown drains', async () => {
    const env = {
      ...baseEnv(),
      RATE_LIMIT_RPS: '0.01',
      RATE_LIMIT_BURST: '30',
      QUOTA_DB: join(dir, 'gateway.db'),
    }
    const config = loadConfig(env)
    cluster = await startCluster(config, env, createLogger({ service: 'workers-test', level: 'silent' }))
    expect(cluster.workers).toBe(2)
    const url = cluster.url
    // Fresh connections each time, so the kernel spreads them over both workers.
    const statuses: number[] = []
    let reported = 0
    for (let round = 0; round < 8; round++) {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { ...auth, connection: 'close' },
            body: JSON.stringify(chat('w [[sim:tokens=3]]', { max_tokens: 3 })),
          }),
        ),
      )
      for (const response of responses) {
        statuses.push(response.status)
        const body = (await response.json()) as { usage?: { total_tokens: number } }
        if (response.status === 200) reported += body.usage?.total_tokens ?? 0
      }
    }
    // A burst of 30 at a negligible rate: exactly 30 admitted across both workers, not 60.
    expect(statuses.filter((status) => status === 200).length).toBe(30)
    expect(statuses.filter((status) => status === 429).length).toBe(10)

    const metrics = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text()
    const served = [...metrics.matchAll(/^infergate_requests_total\{[^}]*status="200"[^}]*\} (\d+)$/gm)]
    expect(served.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(30)
    // A state gauge reports the shared state once (max across workers), not once per worker.
    expect(/^infergate_upstream_healthy\{[^}]*\} (\S+)$/m.exec(metrics)?.[1]).toBe('1')
    expect(/^infergate_limiter_degraded (\S+)$/m.exec(metrics)?.[1]).toBe('0')
    const rejected = /^infergate_rate_limit_rejections_total\{[^}]*\} (\d+)$/m.exec(metrics)
    expect(Number(rejected?.[1])).toBe(10)

    const { drained } = await cluster.shutdown()
    cluster = undefined
    expect(drained).toBe(true)
    const db = new Database(join(dir, 'gateway.db'), { readonly: true })
    const row = db
      .query<{ tokens: number; requests: number }, []>(
        'SELECT sum(prompt_tokens + completion_tokens) AS tokens, sum(requests) AS requests FROM usage_daily',
      )
      .get()
    db.close()
    expect(row).toEqual({ tokens: reported, requests: 30 })
  }, 30_000)

  test('/v1/usage and /admin/status report the main thread’s ledger exactly, whichever worker answers', async () => {
    const env = {
      ...baseEnv(),
      DAILY_TOKEN_QUOTA: '100000',
      ADMIN_API_KEY: 'admin-secret',
      QUOTA_DB: join(dir, 'usage.db'),
      // No flush during the test: the pending delta shows /admin/status is the main thread's flusher.
      QUOTA_FLUSH_MS: '600000',
    }
    cluster = await startCluster(
      loadConfig(env),
      env,
      createLogger({ service: 'workers-test', level: 'silent' }),
    )
    const url = cluster.url
    let reported = 0
    const served = 12
    for (let i = 0; i < served; i++) {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, connection: 'close' },
        body: JSON.stringify(chat(`u${i} [[sim:tokens=${1 + (i % 4)}]]`, { max_tokens: 8 })),
      })
      expect(response.status).toBe(200)
      reported += ((await response.json()) as { usage: { total_tokens: number } }).usage.total_tokens
    }
    type Usage = { used: number; reserved: number; remaining: number; requests: number; total_tokens: number }
    const usage = async () =>
      (await (await fetch(`${url}/v1/usage`, { headers: { ...auth, connection: 'close' } })).json()) as Usage
    // Settlements travel to the main thread after the response: wait (bounded) until none is outstanding.
    const deadline = Date.now() + 3_000
    while ((await usage()).reserved !== 0 && Date.now() < deadline) await Bun.sleep(10)
    // Fresh connections, so the kernel hands them to both workers; every answer is the same exact total.
    const answers = await Promise.all(Array.from({ length: 16 }, usage))
    for (const answer of answers)
      expect(answer).toMatchObject({
        used: reported,
        reserved: 0,
        remaining: 100_000 - reported,
        requests: served,
        total_tokens: reported,
      })
    const status = (await (
      await fetch(`${url}/admin/status`, {
        headers: { authorization: 'Bearer admin-secret', connection: 'close' },
      })
    ).json()) as { quota: { keys: number; pendingDeltas: number } }
    expect(status.quota).toMatchObject({ keys: 1, pendingDeltas: 1 })
  }, 30_000)
})
