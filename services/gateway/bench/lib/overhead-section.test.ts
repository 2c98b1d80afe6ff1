import { describe, expect, test } from 'bun:test'
import { readBenchPlan } from './bench-config.ts'
import { renderSection } from './overhead-section.ts'

describe('renderSection', () => {
  const facts = {
    plan: readBenchPlan({}),
    loadBefore: '1.00 0.50 0.20',
    loadAfter: '2.00 1.00 0.50',
    date: '2026-11-22T22:10:33.000Z',
    throughputTool: 'wrk',
    fetchLimit: '4096',
    incidents: [],
    tables: '| t |\n|---|',
  }

  test('states the command, machine, load, date, method and settings before the tables', () => {
    const text = renderSection(facts)
    expect(text).toStartWith('- Command: `bun run bench overhead`')
    expect(text).toContain('load average 1.00 0.50 0.20 at the start, 2.00 1.00 0.50 at the end')
    expect(text).toContain('Date: 2026-11-22 22:10 UTC.')
    expect(text).toContain('2 round(s) of 400 concurrent streams of 50 chunks 20 ms apart')
    expect(text).toContain('`[[sim:tokens=50]] [[sim:itl-ms=20]]`')
    expect(text).toContain('100000 requests from the JS closed loop')
    expect(text).toContain('BUN_CONFIG_MAX_HTTP_REQUESTS=4096')
    expect(text).toContain('Max throughput: wrk (1 thread on the client core, 64 connections, 8 s)')
    expect(text).toContain('The gateway vs bare-proxy comparison is the robust one')
    expect(text).toEndWith('\n\n| t |\n|---|')
    expect(text).not.toContain('Incident')
  })

  test('lists incidents such as a server that died, keeping the Markdown table intact', () => {
    const text = renderSection({
      ...facts,
      incidents: ['gateway died during the run, exited with code 1: a | b'],
    })
    expect(text).toContain('- **Incident:** gateway died during the run, exited with code 1: a / b')
  })
})
