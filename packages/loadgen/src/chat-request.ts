/** @module OpenAI chat/completions requests for a load run: one request description per index. */
import { type PromptClass, pickPromptClass, promptText } from './prompt-mix.ts'

/** Everything needed to send one request; the body is pre-serialised so sending costs no JSON work. */
export interface RequestSpec {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly stream: boolean
}

export interface ChatRequestOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 (a trailing slash is fine). */
  readonly baseUrl: string
  readonly model: string
  readonly stream: boolean
  readonly maxTokens: number
  readonly mix: readonly PromptClass[]
  readonly apiKey?: string
  /** Text appended to every prompt, e.g. simulator directives such as "[[sim:tokens=50]]". */
  readonly promptSuffix?: string
  /** Extra headers for every request. */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A request factory for /v1/chat/completions. Streaming requests ask for `include_usage` so that token counts come
 * from the server's usage chunk rather than from counting chunks (a chunk may hold several tokens).
 */
export function createChatRequests(options: ChatRequestOptions): (index: number) => RequestSpec {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  const suffix = options.promptSuffix ? ` ${options.promptSuffix}` : ''
  return (index) => {
    const promptClass = pickPromptClass(options.mix, index)
    const body = {
      model: options.model,
      messages: [{ role: 'user', content: promptText(promptClass.tokens, index) + suffix }],
      max_tokens: options.maxTokens,
      stream: options.stream,
      ...(options.stream ? { stream_options: { include_usage: true } } : {}),
    }
    return { url, headers, body: JSON.stringify(body), stream: options.stream }
  }
}
