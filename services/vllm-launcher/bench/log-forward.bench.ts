/**
 * @module How many vLLM log lines per second the launcher turns into JSON log lines (parse, milestone and fatal
 * checks, pino serialisation). vLLM logs every request at INFO under load; the launcher must not fall behind.
 */
import { Writable } from 'node:stream'
import { createLogger } from '@infergate/logger'
import { createLineSink, createLineSplitter } from '../src/log/forward-log.ts'

const sample = [
  '(APIServer pid=12) INFO 11-22 21:31:49 [logger.py:43] Received request chatcmpl-5f1e: prompt: ..., params: SamplingParams(n=1, temperature=0.7, max_tokens=256)',
  '(APIServer pid=12) INFO:     127.0.0.1:51234 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
  '(APIServer pid=12) INFO 11-22 21:31:50 [loggers.py:123] Engine 000: Avg prompt throughput: 1024.0 tokens/s, Avg generation throughput: 2048.0 tokens/s, Running: 64 reqs, Waiting: 3 reqs, GPU KV cache usage: 41.2%, Prefix cache hit rate: 12.0%',
  'Traceback (most recent call last):',
]
const text = `${Array.from({ length: 2500 }, (_, i) => sample[i % sample.length]).join('\n')}\n`

let bytes = 0
const destination = new Writable({
  write(chunk, _encoding, done) {
    bytes += chunk.length
    done()
  },
})
const sink = createLineSink(createLogger({ service: 'vllm-launcher', destination }), 'bench')

function runOnce(): number {
  const splitter = createLineSplitter()
  let lines = 0
  // Feed in 4 KiB chunks, as a pipe delivers them.
  for (let offset = 0; offset < text.length; offset += 4096)
    for (const line of splitter.push(text.slice(offset, offset + 4096))) {
      sink(line, 'stdout')
      lines += 1
    }
  return lines
}

for (let i = 0; i < 5; i += 1) runOnce()
const rounds = 40
const started = performance.now()
let total = 0
for (let i = 0; i < rounds; i += 1) total += runOnce()
const seconds = (performance.now() - started) / 1000
console.log(
  `log-forward: ${total} lines in ${seconds.toFixed(2)} s = ${Math.round(total / seconds).toLocaleString('en-US')} lines/s` +
    ` (${(bytes / seconds / 1e6).toFixed(1)} MB/s of JSON out)`,
)
