import { describe, expect, test } from 'bun:test'
import { createFakeClock } from '../core/clock.ts'
import { createRedisLink, luaScript, type RedisCommands, RedisUnavailableError } from './redis-link.ts'

/** A scriptable stand-in for RedisClient: `mode` decides how every command answers. */
function fakeClient() {
  const calls: string[] = []
  const state = {
    mode: 'up' as 'up' | 'down' | 'hang',
    connected: true,
    knownScripts: new Set<string>(),
  }
  const client: RedisCommands & typeof state = Object.assign(state, {
    async connect() {
      calls.push('CONNECT')
      if (state.mode !== 'up') throw new Error('ECONNREFUSED')
      state.connected = true
    },
    send(command: string, args: string[]): Promise<unknown> {
      calls.push(command)
      if (state.mode === 'hang') return new Promise(() => {})
      if (state.mode === 'down') return Promise.reject(new Error('Connection closed'))
      if (command === 'PING') return Promise.resolve('PONG')
      if (command === 'EVALSHA' && !state.knownScripts.has(args[0] ?? ''))
        return Promise.reject(new Error('NOSCRIPT No matching script'))
      if (command === 'EVAL') state.knownScripts.add(luaScript(args[0] ?? '').sha)
      return Promise.resolve([command, ...args.slice(1)])
    },
    close() {
      calls.push('CLOSE')
    },
  })
  return { client, calls }
}

describe('redis link', () => {
  test('runs a script by SHA, falling back to EVAL only when Redis does not know it', async () => {
    const { client, calls } = fakeClient()
    const clock = createFakeClock()
    const link = createRedisLink({ client, timeoutMs: 50, probeIntervalMs: 1_000, timers: clock })
    const script = luaScript('return 1')
    expect(await link.evalScript(script, ['k'], [1, 'x'])).toEqual(['EVAL', '1', 'k', '1', 'x'])
    expect(await link.evalScript(script, ['k'], [2])).toEqual(['EVALSHA', '1', 'k', '2'])
    expect(calls).toEqual(['EVALSHA', 'EVAL', 'EVALSHA'])
    expect(clock.pendingTimers()).toBe(0)
  })

  test('a hung Redis fails the call at its deadline, marks the link down once, and later calls fail fast', async () => {
    const { client, calls } = fakeClient()
    const clock = createFakeClock()
    const changes: boolean[] = []
    const link = createRedisLink({
      client,
      timeoutMs: 50,
      probeIntervalMs: 1_000,
      timers: clock,
      onStateChange: (degraded) => changes.push(degraded),
    })
    client.mode = 'hang'
    const pending = link.send('GET', ['k'])
    clock.advanceMs(50)
    await expect(pending).rejects.toBeInstanceOf(RedisUnavailableError)
    await pending.catch(() => {})
    expect(link.degraded).toBe(true)
    const before = calls.length
    await expect(link.send('GET', ['k'])).rejects.toThrow('link is down')
    expect(calls.length).toBe(before)
    expect(changes).toEqual([true])
  })

  test('the probe retries at its interval, not per request, and restores the link when Redis answers', async () => {
    const { client, calls } = fakeClient()
    const clock = createFakeClock()
    const changes: boolean[] = []
    const link = createRedisLink({
      client,
      timeoutMs: 50,
      probeIntervalMs: 1_000,
      timers: clock,
      onStateChange: (degraded) => changes.push(degraded),
    })
    client.mode = 'down'
    client.connected = false
    await link.send('GET', ['k']).catch(() => {})
    expect(link.degraded).toBe(true)
    calls.length = 0
    for (let i = 0; i < 3; i++) {
      clock.advanceMs(1_000)
      await Bun.sleep(0)
    }
    expect(calls).toEqual(['CONNECT', 'CONNECT', 'CONNECT'])
    client.mode = 'up'
    clock.advanceMs(1_000)
    await Bun.sleep(0)
    await Bun.sleep(0)
    expect(link.degraded).toBe(false)
    expect(changes).toEqual([true, false])
    expect(await link.send('GET', ['k'])).toEqual(['GET'])
    link.close()
    expect(calls.at(-1)).toBe('CLOSE')
  })

  test('close stops a pending probe', async () => {
    const { client } = fakeClient()
    const clock = createFakeClock()
    const link = createRedisLink({ client, timeoutMs: 50, probeIntervalMs: 1_000, timers: clock })
    client.mode = 'down'
    await link.send('GET', []).catch(() => {})
    expect(clock.pendingTimers()).toBe(1)
    link.close()
    expect(clock.pendingTimers()).toBe(0)
  })
})
