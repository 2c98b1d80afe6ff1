/** @module Text completion bodies and chunks as vLLM writes them (every chunk has `"usage":null` unless counted). */
import type { TokenLogprob } from '../generation-plan.ts'
import type { ResponseIdentity, ResponseShape } from './response-shape.ts'
import { chunkUsageJson, usageJson } from './usage.ts'

interface CompletionLogprobs {
  text_offset: number[]
  token_logprobs: number[]
  tokens: string[]
  top_logprobs: Record<string, number>[]
}

function completionLogprobs(entries: readonly TokenLogprob[], offset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] }
  let at = offset
  for (const entry of entries) {
    out.text_offset.push(at)
    out.token_logprobs.push(entry.logprob)
    out.tokens.push(entry.token)
    out.top_logprobs.push(Object.fromEntries(entry.top.map((alt) => [alt.token, alt.logprob])))
    at += entry.token.length
  }
  return out
}

export function completionResponseShape({ id, created, model }: ResponseIdentity): ResponseShape {
  const prefix = `{"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[`
  const offsets = new Map<number, number>()
  return {
    roleChunk: () => undefined,
    chunk(index, text, logprob, finish, usage) {
      let logprobs = 'null'
      if (logprob !== undefined) {
        const offset = offsets.get(index) ?? 0
        logprobs = JSON.stringify(completionLogprobs([logprob], offset))
        offsets.set(index, offset + text.length)
      }
      const reason = finish === undefined ? 'null' : `"${finish.reason}"`
      const stopReason = finish === undefined ? 'null' : JSON.stringify(finish.stopReason)
      const usagePart = usage === undefined ? 'null' : chunkUsageJson(usage)
      return `${prefix}{"index":${index},"text":${JSON.stringify(text)},"logprobs":${logprobs},"finish_reason":${reason},"stop_reason":${stopReason}}],"usage":${usagePart}}`
    },
    usageChunk: (usage) => `${prefix}],"usage":${chunkUsageJson(usage)}}`,
    body(choices, usage, prefixes) {
      const rendered = choices.map((choice, index) => {
        const echo = prefixes?.[index] ?? ''
        return {
          index,
          text: echo + choice.tokens.join(''),
          logprobs: choice.logprobs === undefined ? null : completionLogprobs(choice.logprobs, echo.length),
          finish_reason: choice.finishReason,
          stop_reason: choice.stopReason,
          prompt_logprobs: null,
        }
      })
      return `{"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":${JSON.stringify(rendered)},"usage":${usageJson(usage)}}`
    },
  }
}
