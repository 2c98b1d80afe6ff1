/** @module What the gateway knows about its upstreams (models, health, load) and how it picks one. Pure state. */

/** One entry of an upstream's /v1/models, kept as vLLM sent it so /v1/models can pass fields like max_model_len on. */
export interface ModelEntry {
  id: string
  object?: string
  created?: number
  owned_by?: string
  root?: string | null
  parent?: string | null
  max_model_len?: number
  [extra: string]: unknown
}

export interface Upstream {
  readonly index: number
  readonly url: string
  /** Models by id, as last discovered; kept while the upstream is down so its models answer 503, not 404. */
  models: Map<string, ModelEntry>
  healthy: boolean
  inFlight: number
  lastError: string | undefined
  lastCheckedAt: number | undefined
}

/** Extra availability test (e.g. an open circuit breaker) applied on top of health. */
export type AvailabilityCheck = (upstream: Upstream) => boolean

export interface UpstreamRegistry {
  readonly upstreams: readonly Upstream[]
  /** True when some upstream (healthy or not) is known to serve the model. */
  knowsModel(model: string): boolean
  /** The least-loaded available upstream serving `model`, skipping those in `exclude`. */
  pick(model: string, exclude?: ReadonlySet<number>): Upstream | undefined
  anyHealthy(): boolean
  /** The union of every upstream's models, first upstream first, each id once. */
  models(): ModelEntry[]
  setModels(index: number, entries: readonly ModelEntry[]): void
  markHealthy(index: number, at: number): void
  markUnhealthy(index: number, reason: string, at: number): void
  setAvailabilityCheck(check: AvailabilityCheck): void
}

export function createUpstreamRegistry(urls: readonly string[]): UpstreamRegistry {
  const upstreams: Upstream[] = urls.map((url, index) => ({
    index,
    url,
    models: new Map(),
    healthy: false,
    inFlight: 0,
    lastError: undefined,
    lastCheckedAt: undefined,
  }))
  let available: AvailabilityCheck = () => true
  // Rotates the starting point among equally loaded upstreams so ties do not always land on the first one.
  let rotation = 0

  const at = (index: number): Upstream => {
    const upstream = upstreams[index]
    if (!upstream) throw new RangeError(`no upstream #${index}`)
    return upstream
  }

  return {
    upstreams,
    knowsModel: (model) => upstreams.some((upstream) => upstream.models.has(model)),
    pick(model, exclude) {
      let best: Upstream | undefined
      const count = upstreams.length
      rotation = (rotation + 1) % Math.max(count, 1)
      for (let step = 0; step < count; step++) {
        const upstream = upstreams[(rotation + step) % count]
        if (!upstream?.healthy || !upstream.models.has(model) || exclude?.has(upstream.index)) continue
        if (!available(upstream)) continue
        if (best === undefined || upstream.inFlight < best.inFlight) best = upstream
      }
      return best
    },
    anyHealthy: () => upstreams.some((upstream) => upstream.healthy),
    models() {
      const seen = new Map<string, ModelEntry>()
      for (const upstream of upstreams) {
        for (const entry of upstream.models.values()) if (!seen.has(entry.id)) seen.set(entry.id, entry)
      }
      return [...seen.values()]
    },
    setModels(index, entries) {
      at(index).models = new Map(entries.map((entry) => [entry.id, entry]))
    },
    markHealthy(index, when) {
      const upstream = at(index)
      upstream.healthy = true
      upstream.lastError = undefined
      upstream.lastCheckedAt = when
    },
    markUnhealthy(index, reason, when) {
      const upstream = at(index)
      upstream.healthy = false
      upstream.lastError = reason
      upstream.lastCheckedAt = when
    },
    setAvailabilityCheck(check) {
      available = check
    },
  }
}
