/** @module GET /v1/models in vLLM's shape: one entry per served name, root = the model path, max_model_len. */
import type { SimOptions } from '../config.ts'

export function modelsBody(options: SimOptions, created: number): string {
  const data = options.servedModelNames.map((name) => ({
    id: name,
    object: 'model',
    created,
    owned_by: 'vllm',
    root: options.model,
    parent: null,
    max_model_len: options.maxModelLen,
    permission: [
      {
        id: `modelperm-${crypto.randomUUID().replaceAll('-', '')}`,
        object: 'model_permission',
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: '*',
        group: null,
        is_blocking: false,
      },
    ],
  }))
  return JSON.stringify({ object: 'list', data })
}

export function createModelsRoute(options: SimOptions, epochSeconds: () => number) {
  return (): Response =>
    new Response(modelsBody(options, epochSeconds()), { headers: { 'content-type': 'application/json' } })
}
