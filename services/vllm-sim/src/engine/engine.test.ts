import { describe, expect, test } from 'bun:test'
import { Engine } from './engine.ts'

describe('engine', () => {
  test('a waiting admission resolves when a running one is released', async () => {
    const engine = new Engine({ maxNumSeqs: 1, blockSize: 16, totalBlocks: 100, maxWaiting: 0 })
    const first = engine.admit(10, 10)
    const second = engine.admit(10, 10)
    expect(first.status).toBe('running')
    expect(second.status).toBe('waiting')
    let admitted = false
    if (second.status === 'waiting') void second.ready.then(() => (admitted = true))
    await Bun.sleep(0)
    expect(admitted).toBe(false)
    engine.release(first.id)
    await Bun.sleep(0)
    expect(admitted).toBe(true)
    expect(engine.scheduler.running).toBe(1)
  })

  test('park resolves on abort or on shutdown', async () => {
    const engine = new Engine({ maxNumSeqs: 1, blockSize: 16, totalBlocks: 100, maxWaiting: 0 })
    const controller = new AbortController()
    const onAbort = engine.park(controller.signal)
    const onShutdown = engine.park()
    controller.abort()
    await onAbort
    engine.shutdown()
    await onShutdown
    const aborted = new AbortController()
    aborted.abort()
    await engine.park(aborted.signal)
    expect(engine.scheduler.running).toBe(0)
  })
})

describe('engine recovery', () => {
  test('recover releases what the wedged engine held, not requests hanging on purpose', async () => {
    const engine = new Engine({ maxNumSeqs: 1, blockSize: 16, totalBlocks: 100, maxWaiting: 0 })
    engine.health = 'hung'
    let wedgedDone = false
    let requestDone = false
    void engine.park(undefined, 'engine').then(() => (wedgedDone = true))
    void engine.park(undefined, 'request').then(() => (requestDone = true))
    engine.recover()
    await Bun.sleep(0)
    expect(engine.health as string).toBe('ok')
    expect([wedgedDone, requestDone]).toEqual([true, false])
    engine.shutdown()
    await Bun.sleep(0)
    expect(requestDone).toBe(true)
  })
})
