/** @module The Infergate gateway dashboard: traffic, errors, TTFT/ITL, tokens, upstreams and breakers, admission control, quota flushes. */
import { type DashboardSpec, percentiles } from './dashboard-builder.ts'

const M = 'model=~"$model"'
const rate = (selector: string) => `rate(${selector}[$__rate_interval])`

const BREAKER_STATES = [
  { value: 0, text: 'closed', color: 'green' },
  { value: 1, text: 'half-open', color: 'orange' },
  { value: 2, text: 'open', color: 'red' },
]

const HEALTH = [
  { value: 0, text: 'down', color: 'red' },
  { value: 1, text: 'healthy', color: 'green' },
]

export const gatewayDashboard: DashboardSpec = {
  uid: 'infergate-gateway',
  title: 'Infergate / Gateway',
  description: 'The OpenAI-compatible gateway: what clients see, what the gateway adds, and why it rejects.',
  tags: ['infergate', 'gateway'],
  variables: [{ name: 'model', label: 'Model', query: 'label_values(infergate_requests_total, model)' }],
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Requests per second by route',
          unit: 'reqps',
          targets: [
            { expr: `sum by (route) (${rate(`infergate_requests_total{${M}}`)})`, legend: '{{route}}' },
          ],
        },
        {
          title: 'Responses by status',
          unit: 'reqps',
          stack: true,
          targets: [
            { expr: `sum by (status) (${rate(`infergate_requests_total{${M}}`)})`, legend: '{{status}}' },
          ],
        },
        {
          title: 'Error ratio (5xx)',
          description:
            'Share of requests answered with a 5xx. Rejections (429) are policy and shown separately.',
          unit: 'percentunit',
          thresholds: [0.01, 0.05],
          targets: [
            {
              expr: `sum(${rate(`infergate_requests_total{${M}, status=~"5.."}`)}) / sum(${rate(`infergate_requests_total{${M}}`)})`,
              legend: '5xx ratio',
            },
          ],
        },
        {
          title: 'Active requests',
          targets: [{ expr: 'sum(infergate_active_requests)', legend: 'active requests' }],
          width: 12,
        },
        {
          title: 'Open streams',
          targets: [{ expr: 'sum(infergate_open_streams)', legend: 'open streams' }],
          width: 12,
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'Time to first token',
          unit: 's',
          targets: percentiles(`infergate_time_to_first_token_seconds_bucket{${M}}`),
          width: 12,
        },
        {
          title: 'Inter-token latency',
          unit: 's',
          targets: percentiles(`infergate_inter_token_latency_seconds_bucket{${M}}`),
          width: 12,
        },
        {
          title: 'Request duration',
          unit: 's',
          targets: percentiles(`infergate_request_duration_seconds_bucket{${M}}`),
          width: 12,
        },
        {
          title: 'Gateway overhead',
          description: 'Time spent in the gateway itself, upstream time excluded.',
          unit: 's',
          targets: percentiles('infergate_overhead_seconds_bucket'),
          width: 12,
        },
      ],
    },
    {
      title: 'Tokens',
      panels: [
        {
          title: 'Prompt tokens per second',
          unit: 'short',
          targets: [
            { expr: `sum by (model) (${rate(`infergate_prompt_tokens_total{${M}}`)})`, legend: '{{model}}' },
          ],
          width: 12,
        },
        {
          title: 'Completion tokens per second',
          unit: 'short',
          targets: [
            {
              expr: `sum by (model) (${rate(`infergate_completion_tokens_total{${M}}`)})`,
              legend: '{{model}}',
            },
          ],
          width: 12,
        },
      ],
    },
    {
      title: 'Upstreams',
      panels: [
        {
          title: 'Upstream health',
          type: 'state-timeline',
          mappings: HEALTH,
          targets: [{ expr: 'max by (upstream) (infergate_upstream_healthy)', legend: '{{upstream}}' }],
          width: 12,
        },
        {
          title: 'Circuit breakers',
          type: 'state-timeline',
          mappings: BREAKER_STATES,
          targets: [{ expr: 'max by (upstream) (infergate_circuit_breaker_state)', legend: '{{upstream}}' }],
          width: 12,
        },
        {
          title: 'In flight per upstream',
          targets: [{ expr: 'sum by (upstream) (infergate_upstream_in_flight)', legend: '{{upstream}}' }],
          width: 12,
        },
        {
          title: 'Upstream connections (keep-alive pool)',
          targets: [
            {
              expr: 'sum by (upstream, state) (infergate_upstream_connections)',
              legend: '{{upstream}} {{state}}',
            },
          ],
          width: 12,
        },
        {
          title: 'Upstream attempts by outcome',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (upstream, outcome) (${rate('infergate_upstream_requests_total')})`,
              legend: '{{upstream}} {{outcome}}',
            },
          ],
          width: 12,
        },
      ],
    },
    {
      title: 'Admission',
      panels: [
        {
          title: 'Rate-limit rejections by reason',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (reason) (${rate('infergate_rate_limit_rejections_total')})`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Quota rejections by reason',
          unit: 'reqps',
          targets: [
            { expr: `sum by (reason) (${rate('infergate_quota_rejections_total')})`, legend: '{{reason}}' },
          ],
        },
        {
          title: 'Queue rejections by reason',
          unit: 'reqps',
          targets: [
            { expr: `sum by (reason) (${rate('infergate_queue_rejections_total')})`, legend: '{{reason}}' },
          ],
        },
        {
          title: 'Queue depth',
          targets: [{ expr: 'sum(infergate_queue_depth)', legend: 'queued' }],
        },
        {
          title: 'Queue wait',
          unit: 's',
          targets: percentiles('infergate_queue_wait_seconds_bucket'),
        },
        {
          title: 'Limiter degraded',
          description: 'Redis unreachable: limits fell back to per-process state.',
          type: 'stat',
          mappings: [
            { value: 0, text: 'Redis', color: 'green' },
            { value: 1, text: 'local fallback', color: 'red' },
          ],
          targets: [{ expr: 'max(infergate_limiter_degraded)', legend: 'degraded' }],
        },
      ],
    },
    {
      title: 'Quota flushes',
      panels: [
        {
          title: 'Flush duration',
          unit: 's',
          targets: percentiles('infergate_quota_flush_duration_seconds_bucket'),
        },
        {
          title: 'Flush failures',
          unit: 'short',
          targets: [{ expr: `sum(${rate('infergate_quota_flush_failures_total')})`, legend: 'failures/s' }],
        },
        {
          title: 'Flush lag',
          unit: 's',
          thresholds: [60, 120],
          targets: [
            { expr: 'max by (instance) (infergate_quota_flush_lag_seconds)', legend: '{{instance}}' },
          ],
        },
      ],
    },
    {
      title: 'Process',
      panels: [
        {
          title: 'Resident memory',
          unit: 'bytes',
          targets: [{ expr: 'process_resident_memory_bytes{job="gateway"}', legend: '{{instance}}' }],
          width: 12,
        },
        {
          title: 'CPU',
          unit: 'percentunit',
          targets: [{ expr: `${rate('process_cpu_seconds_total{job="gateway"}')}`, legend: '{{instance}}' }],
          width: 12,
        },
      ],
    },
    {
      title: 'Logs',
      panels: [
        {
          title: 'Gateway warnings and errors',
          type: 'logs',
          datasource: 'loki',
          targets: [{ expr: '{service="gateway", level=~"warn|error|fatal"}' }],
          width: 24,
          height: 10,
        },
      ],
    },
  ],
}
