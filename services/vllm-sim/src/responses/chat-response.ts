/** @module Chat completion bodies and chunks, byte for byte in vLLM's field order and null conventions. */
import type { TokenLogprob } from '../generation-plan.ts'
import type { ResponseIdentity, ResponseShape } from './response-shape.ts'
import { chunkUsageJson, usageJson } from './usage.ts'

const bytesOf = (token: string): number[] => [...new TextEncoder().encode(token)]

function logprobEntry(entry: TokenLogprob): object {
  return {
    token: entry.token,
    logprob: entry.logprob,
    bytes: bytesOf(entry.token),
    top_logprobs: entry.top.map((alt) => ({
      token: alt.token,
      logprob: alt.logprob,
      bytes: bytesOf(alt.token),
    })),
  }
}

export function chatResponseShape({ id, created, model }: ResponseIdentity): ResponseShape {
  const prefix = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[`
  return {
    roleChunk: (index) =>
      `${prefix}{"index":${index},"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
    chunk(index, text, logprob, finish, usage) {
      const logprobs = logprob === undefined ? 'null' : JSON.stringify({ content: [logprobEntry(logprob)] })
      const tail =
        finish === undefined
          ? '"finish_reason":null}'
          : `"finish_reason":"${finish.reason}","stop_reason":${JSON.stringify(finish.stopReason)}}`
      const usagePart = usage === undefined ? '' : `,"usage":${chunkUsageJson(usage)}`
      return `${prefix}{"index":${index},"delta":{"content":${JSON.stringify(text)}},"logprobs":${logprobs},${tail}]${usagePart}}`
    },
    usageChunk: (usage) => `${prefix}],"usage":${chunkUsageJson(usage)}}`,
    body(choices, usage) {
      const rendered = choices.map((choice, index) => ({
        index,
        message: {
          role: 'assistant',
          content: choice.tokens.join(''),
          tool_calls: [],
          reasoning_content: null,
        },
        logprobs: choice.logprobs === undefined ? null : { content: choice.logprobs.map(logprobEntry) },
        finish_reason: choice.finishReason,
        stop_reason: choice.stopReason,
      }))
      return `{"id":"${id}","object":"chat.completion","created":${created},"model":${JSON.stringify(model)},"choices":${JSON.stringify(rendered)},"usage":${usageJson(usage)},"prompt_logprobs":null}`
    },
  }
}
