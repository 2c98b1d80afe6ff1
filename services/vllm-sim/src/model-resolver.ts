/** @module Which served model a request names: the default when omitted, 404 as vLLM words it when unknown. */
import type { SimOptions } from './config.ts'
import { SimError } from './errors.ts'

export function resolveModel(options: SimOptions, requested: string | undefined): string {
  const fallback = options.servedModelNames[0] ?? options.model
  if (requested === undefined || requested === '') return fallback
  if (options.servedModelNames.includes(requested)) return requested
  throw new SimError(404, `The model \`${requested}\` does not exist.`, 'model')
}

const API_NAMES = { chat: 'Chat Completions', completion: 'Completions', embedding: 'Embeddings' } as const

/** vLLM (0.10–0.12) answers 400 when a model is asked for an API its runner does not serve. */
export function checkRunner(options: SimOptions, api: keyof typeof API_NAMES): void {
  const wanted = api === 'embedding' ? 'pooling' : 'generate'
  if (options.runner !== wanted) throw new SimError(400, `The model does not support ${API_NAMES[api]} API`)
}
