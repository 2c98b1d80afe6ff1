import { describe, expect, test } from 'bun:test'
import { createUpstreamRegistry } from './registry.ts'

const model = (id: string) => ({ id, object: 'model', max_model_len: 4096 })

function twoUpstreams() {
  const registry = createUpstreamRegistry(['http://a', 'http://b'])
  registry.setModels(0, [model('chat')])
  registry.setModels(1, [model('chat'), model('embed')])
  registry.markHealthy(0, 1)
  registry.markHealthy(1, 1)
  return registry
}

describe('upstream registry', () => {
  test('routes a model only to upstreams serving it', () => {
    const registry = twoUpstreams()
    for (let i = 0; i < 5; i++) expect(registry.pick('embed')?.url).toBe('http://b')
    expect(registry.pick('nope')).toBeUndefined()
    expect(registry.knowsModel('embed')).toBe(true)
    expect(registry.knowsModel('nope')).toBe(false)
  })

  test('picks the upstream with the fewest requests in flight', () => {
    const registry = twoUpstreams()
    const [a, b] = registry.upstreams
    if (!a || !b) throw new Error('setup')
    a.inFlight = 3
    b.inFlight = 1
    expect(registry.pick('chat')?.url).toBe('http://b')
    b.inFlight = 5
    expect(registry.pick('chat')?.url).toBe('http://a')
  })

  test('spreads ties across upstreams', () => {
    const registry = twoUpstreams()
    const picked = new Set<string | undefined>()
    for (let i = 0; i < 4; i++) picked.add(registry.pick('chat')?.url)
    expect(picked).toEqual(new Set(['http://a', 'http://b']))
  })

  test('skips unhealthy, excluded and unavailable upstreams, and recovers', () => {
    const registry = twoUpstreams()
    registry.markUnhealthy(1, 'down', 2)
    expect(registry.pick('chat')?.url).toBe('http://a')
    expect(registry.pick('embed')).toBeUndefined()
    expect(registry.knowsModel('embed')).toBe(true)
    expect(registry.upstreams[1]?.lastError).toBe('down')
    expect(registry.pick('chat', new Set([0]))).toBeUndefined()
    registry.markHealthy(1, 3)
    expect(registry.pick('chat', new Set([0]))?.url).toBe('http://b')
    registry.setAvailabilityCheck((upstream) => upstream.index !== 1)
    expect(registry.pick('embed')).toBeUndefined()
  })

  test('lists the union of models once each and reports health', () => {
    const registry = twoUpstreams()
    expect(registry.models().map((entry) => entry.id)).toEqual(['chat', 'embed'])
    expect(registry.anyHealthy()).toBe(true)
    registry.markUnhealthy(0, 'x', 1)
    registry.markUnhealthy(1, 'x', 1)
    expect(registry.anyHealthy()).toBe(false)
    expect(() => registry.markHealthy(7, 1)).toThrow(RangeError)
  })
})
