/** @module The usage object in its two vLLM spellings: with prompt_tokens_details (bodies) and without (chunks). */

export interface Usage {
  promptTokens: number
  completionTokens: number
}

/** Usage of non-streaming bodies, key order as vLLM serializes it. */
export function usageJson(usage: Usage): string {
  const { promptTokens, completionTokens } = usage
  return `{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens},"prompt_tokens_details":null}`
}

/** Usage of stream chunks: serialized with exclude_none, so no prompt_tokens_details. */
export function chunkUsageJson(usage: Usage): string {
  const { promptTokens, completionTokens } = usage
  return `{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens}}`
}
