import { describe, expect, test } from 'bun:test'
import { parseChildren, parseRssKb, samplePeakRss, treeRssMb } from './proc-memory.ts'

describe('proc memory', () => {
  test('reads VmRSS from a status file and nothing from a zombie', () => {
    expect(parseRssKb('Name:\tbun\nVmHWM:\t  9000 kB\nVmRSS:\t   51234 kB\nThreads: 4\n')).toBe(51234)
    expect(parseRssKb('Name:\tzombie\nState:\tZ\n')).toBeUndefined()
  })

  test('reads child pids', () => {
    expect(parseChildren('123 456 \n')).toEqual([123, 456])
    expect(parseChildren('')).toEqual([])
  })

  test('measures a live process tree including its children, and 0 for a gone process', async () => {
    const shell = Bun.spawn(['sh', '-c', 'sleep 5 & wait'])
    let children: number[] = []
    for (let i = 0; i < 100 && children.length === 0; i++) {
      await Bun.sleep(10)
      children = parseChildren(await Bun.file(`/proc/${shell.pid}/task/${shell.pid}/children`).text())
    }
    const alone = (parseRssKb(await Bun.file(`/proc/${shell.pid}/status`).text()) ?? 0) / 1024
    const childMb = (parseRssKb(await Bun.file(`/proc/${children[0]}/status`).text()) ?? 0) / 1024
    expect(childMb).toBeGreaterThan(0)
    expect(await treeRssMb(shell.pid)).toBeCloseTo(alone + childMb, 1)
    const sampler = samplePeakRss(process.pid, 10)
    await Bun.sleep(30)
    expect(await sampler.stop()).toBeGreaterThan(10)
    // The child first, so that the shell reaps it and no zombie is left behind.
    for (const pid of children) process.kill(pid)
    await shell.exited
    expect(await treeRssMb(shell.pid)).toBe(0)
  })
})
