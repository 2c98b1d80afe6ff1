import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { createLogger } from '@infergate/logger'
import { createLineSink, createLineSplitter, forwardOutput } from './forward-log.ts'
import type { Milestone } from './milestones.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { lines, log: createLogger({ service: 'vllm-launcher', destination, level: 'debug' }) }
}

const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
      controller.close()
    },
  })

describe('createLineSplitter', () => {
  test('splits on newlines and tqdm carriage returns across chunk boundaries', () => {
    const splitter = createLineSplitter()
    expect(splitter.push('a\nb')).toEqual(['a'])
    expect(splitter.push('c\r10%\r20%\r\nd')).toEqual(['bc', '10%', '20%'])
    expect(splitter.end()).toEqual(['d'])
    expect(splitter.end()).toEqual([])
  })

  test('cuts runaway lines', () => {
    const splitter = createLineSplitter()
    splitter.push('x'.repeat(100_000))
    expect(splitter.push('\n')[0]?.length).toBe(16_384)
  })
})

describe('createLineSink + forwardOutput', () => {
  test('re-emits vLLM lines as JSON with instance, level and source, and reports each milestone once', async () => {
    const { lines, log } = capture()
    const milestones: Milestone[] = []
    const sink = createLineSink(log, 'gen', (milestone) => milestones.push(milestone))
    await forwardOutput(
      streamOf([
        '(APIServer pid=9) INFO 05-01 12:00:00 [api_server.py:1] vLLM API server version 0.11.0\n',
        "INFO 05-01 12:00:00 [utils.py:1] non-default args: {'model': 'm'}\n",
        'WARNING 05-01 12:00:01 config.py:2] slow tokenizer\n',
        'Loading safetensors checkpoint shards:  50% Completed\rLoading safetensors checkpoint shards:  50% Completed\r',
        'Loading safetensors checkpoint shards: 100% Completed\n\n',
        'INFO:     Application startup com',
        'plete.',
      ]),
      'stdout',
      sink,
    )
    expect(lines[0]).toMatchObject({
      level: 'info',
      instance: 'gen',
      stream: 'stdout',
      source: 'api_server.py:1',
      process: 'APIServer',
      pid: 9,
      msg: 'vLLM API server version 0.11.0',
    })
    expect(lines[1]).toMatchObject({
      level: 'info',
      milestone: 'args-parsed',
      step: 1,
      steps: 10,
      detail: '0.11.0',
    })
    expect(lines[3]).toMatchObject({ level: 'warn', msg: 'slow tokenizer' })
    expect(milestones.map((m) => `${m.name}:${m.detail}`)).toEqual([
      'args-parsed:0.11.0',
      'weights-loading:50%',
      'weights-loading:100%',
      'ready:undefined',
    ])
    expect(lines.at(-1)).toMatchObject({ msg: 'startup: ready', step: 10 })
  })

  test('known fatal errors are logged as errors with a hint, unknown stderr lines as warnings', async () => {
    const { lines, log } = capture()
    const sink = createLineSink(log, 'embed')
    await forwardOutput(
      streamOf(['vllm: error: unrecognized arguments: --task embed\nsome noise']),
      'stderr',
      sink,
    )
    expect(lines[0]).toMatchObject({ level: 'error', stream: 'stderr', instance: 'embed' })
    expect(String(lines[0]?.hint)).toContain('VLLM_VERSION')
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'some noise' })
  })
})
