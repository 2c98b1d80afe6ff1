/** @module A small typed client for the parts of Prometheus's HTTP API the tests use: instant queries, targets and rules. */

export interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

export type QueryResult =
  | { ok: true; resultType: string; samples: Sample[] }
  | { ok: false; errorType: string; error: string }

export interface Target {
  labels: Record<string, string>
  health: 'up' | 'down' | 'unknown'
  lastError: string
  scrapeUrl: string
}

export interface RuleState {
  name: string
  group: string
  type: 'alerting' | 'recording'
  health: string
  lastError?: string
  query: string
}

export interface PrometheusClient {
  /** Evaluates an instant query; a PromQL error comes back as `{ ok: false }`, not as a throw. */
  query(expr: string): Promise<QueryResult>
  targets(): Promise<Target[]>
  rules(): Promise<RuleState[]>
}

interface ApiEnvelope<T> {
  status: 'success' | 'error'
  data?: T
  errorType?: string
  error?: string
}

async function readEnvelope<T>(response: Response): Promise<ApiEnvelope<T>> {
  const text = await response.text()
  try {
    return JSON.parse(text) as ApiEnvelope<T>
  } catch {
    throw new Error(`prometheus answered ${response.status} with non-JSON: ${text.slice(0, 200)}`)
  }
}

/** A client for the Prometheus at `baseUrl` (e.g. http://127.0.0.1:9090). */
export function createPrometheusClient(baseUrl: string): PrometheusClient {
  async function get<T>(path: string): Promise<T> {
    const envelope = await readEnvelope<T>(await fetch(`${baseUrl}${path}`))
    if (envelope.status !== 'success' || envelope.data === undefined) {
      throw new Error(`GET ${path}: ${envelope.errorType ?? 'error'}: ${envelope.error ?? 'no data'}`)
    }
    return envelope.data
  }

  return {
    async query(expr) {
      const response = await fetch(`${baseUrl}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }),
      })
      const envelope = await readEnvelope<{ resultType: string; result: unknown }>(response)
      if (envelope.status !== 'success' || envelope.data === undefined) {
        return { ok: false, errorType: envelope.errorType ?? 'unknown', error: envelope.error ?? 'no data' }
      }
      const { resultType, result } = envelope.data
      // Scalars and strings come back as one [time, value] pair; only vectors carry series.
      const samples = resultType === 'vector' ? (result as Sample[]) : []
      return { ok: true, resultType, samples }
    },
    async targets() {
      const data = await get<{ activeTargets: Target[] }>('/api/v1/targets?state=active')
      return data.activeTargets
    },
    async rules() {
      const data = await get<{ groups: { name: string; rules: Omit<RuleState, 'group'>[] }[] }>(
        '/api/v1/rules',
      )
      return data.groups.flatMap((group) => group.rules.map((rule) => ({ ...rule, group: group.name })))
    },
  }
}
