/** @module GET /v1/models: the union of what the upstreams serve, plus the configured aliases. */
import { Elysia } from 'elysia'
import type { KeyRing } from '../core/api-key.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { auth } from '../plugins/auth.ts'
import type { ModelEntry, UpstreamRegistry } from '../upstream/registry.ts'

export interface ModelRouteDeps {
  registry: UpstreamRegistry
  modelAliases: Readonly<Record<string, string>>
  keyRing: KeyRing
  authEnabled: boolean
}

/** Upstream entries first, then one entry per alias whose target is served, pointing at it through `root`. */
export function listModels(
  registry: UpstreamRegistry,
  aliases: Readonly<Record<string, string>>,
): ModelEntry[] {
  const models = registry.models()
  const byId = new Map(models.map((entry) => [entry.id, entry]))
  const aliasEntries: ModelEntry[] = []
  for (const [alias, target] of Object.entries(aliases)) {
    const targetEntry = byId.get(target)
    if (!targetEntry || byId.has(alias)) continue
    aliasEntries.push({ ...targetEntry, id: alias, root: target, parent: target, owned_by: 'infergate' })
  }
  return [...models, ...aliasEntries]
}

const mount = (prefix: string, deps: ModelRouteDeps) =>
  new Elysia({ prefix })
    .use(auth({ keyRing: deps.keyRing, enabled: deps.authEnabled }))
    .get('/models', () => ({ object: 'list', data: listModels(deps.registry, deps.modelAliases) }), {
      detail: { tags: ['OpenAI'], summary: 'Models served by the upstreams, and aliases' },
    })
    .get(
      '/models/*',
      ({ params }) => {
        const id = decodeURIComponent(params['*'])
        const entry = listModels(deps.registry, deps.modelAliases).find((model) => model.id === id)
        if (!entry)
          throw new GatewayError('model_not_found', `The model \`${id}\` does not exist.`, { param: 'model' })
        return entry
      },
      {
        detail: { tags: ['OpenAI'], summary: 'One model (ids may contain slashes, as Hugging Face ids do)' },
      },
    )

export const modelRoutes = (deps: ModelRouteDeps) =>
  new Elysia({ name: 'gateway.routes.models' }).use(mount('/v1', deps)).use(mount('/api/v1', deps))
