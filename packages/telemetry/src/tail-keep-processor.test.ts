import { describe, expect, test } from 'bun:test'
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { createTailKeepProcessor } from './tail-keep-processor.ts'

function setup(ratio: number, slowMs = 10_000, maxPendingTraces?: number) {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({
    spanProcessors: [
      createTailKeepProcessor(new SimpleSpanProcessor({ exporter }), { ratio, slowMs, maxPendingTraces }),
    ],
  })
  return { exporter, tracer: provider.getTracer('test') }
}

type Tracer = ReturnType<typeof setup>['tracer']

/** A root span with one child; the child ends first, as an upstream call ends before its request. */
function runTrace(tracer: Tracer, options: { childError?: boolean; rootMs?: number } = {}) {
  const root = tracer.startSpan('root', { startTime: 1_000 })
  const child = tracer.startSpan('child', { startTime: 1_000 }, trace.setSpan(ROOT_CONTEXT, root))
  if (options.childError) child.setStatus({ code: SpanStatusCode.ERROR })
  child.end(1_001)
  root.end(1_000 + (options.rootMs ?? 1))
  return root.spanContext().traceId
}

const names = (exporter: InMemorySpanExporter) => exporter.getFinishedSpans().map((span) => span.name)

describe('tail keep processor', () => {
  test('ratio 1 keeps every trace with its children, in end order', () => {
    const { exporter, tracer } = setup(1)
    runTrace(tracer)
    expect(names(exporter)).toEqual(['child', 'root'])
  })

  test('ratio 0 drops ordinary traces, children included', () => {
    const { exporter, tracer } = setup(0)
    for (let i = 0; i < 20; i++) runTrace(tracer)
    expect(names(exporter)).toEqual([])
  })

  test('an error anywhere in the trace keeps it whatever the ratio', () => {
    const { exporter, tracer } = setup(0)
    runTrace(tracer, { childError: true })
    expect(names(exporter)).toEqual(['child', 'root'])
  })

  test('a slow root keeps its trace whatever the ratio', () => {
    const { exporter, tracer } = setup(0, 500)
    runTrace(tracer, { rootMs: 499 })
    expect(names(exporter)).toEqual([])
    runTrace(tracer, { rootMs: 600 })
    expect(names(exporter)).toEqual(['child', 'root'])
  })

  test('a ratio keeps about that share of traces, decided by trace id', () => {
    const { exporter, tracer } = setup(0.25)
    for (let i = 0; i < 400; i++) runTrace(tracer)
    const kept = exporter.getFinishedSpans().filter((span) => span.name === 'root').length
    expect(kept).toBeGreaterThan(60)
    expect(kept).toBeLessThan(140)
  })

  test('spans waiting for a root that never ends are bounded', () => {
    const { exporter, tracer } = setup(1, 10_000, 5)
    const orphans = Array.from({ length: 20 }, () => tracer.startSpan('root'))
    for (const root of orphans) tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end()
    // The first 15 traces' children were evicted; ending their roots exports the root alone.
    for (const root of orphans) root.end()
    expect(exporter.getFinishedSpans().filter((span) => span.name === 'child')).toHaveLength(5)
  })
})
