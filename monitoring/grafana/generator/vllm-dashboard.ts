/** @module The vLLM dashboard: scheduler load, KV cache, TTFT/ITL/E2E, token throughput, and the launcher that supervises vLLM. */
import { type DashboardSpec, percentiles } from './dashboard-builder.ts'

const M = 'model_name=~"$model_name"'
const rate = (selector: string) => `rate(${selector}[$__rate_interval])`

export const vllmDashboard: DashboardSpec = {
  uid: 'infergate-vllm',
  title: 'Infergate / vLLM',
  description: 'vLLM (or vllm-sim) engine metrics and the launcher watchdog.',
  tags: ['infergate', 'vllm'],
  variables: [
    { name: 'model_name', label: 'Model', query: 'label_values(vllm:num_requests_running, model_name)' },
  ],
  rows: [
    {
      title: 'Scheduler',
      panels: [
        {
          title: 'Running and waiting requests',
          targets: [
            {
              expr: `sum by (model_name) (vllm:num_requests_running{${M}})`,
              legend: '{{model_name}} running',
            },
            {
              expr: `sum by (model_name) (vllm:num_requests_waiting{${M}})`,
              legend: '{{model_name}} waiting',
            },
          ],
        },
        {
          title: 'KV cache usage',
          description: 'Fraction of KV blocks in use; above 85% vLLM starts preempting requests.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [0.75, 0.85],
          targets: [
            {
              expr: `max by (instance, model_name) (vllm:kv_cache_usage_perc{${M}})`,
              legend: '{{model_name}} {{instance}}',
            },
          ],
        },
        {
          title: 'Finished requests by reason',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (finished_reason) (${rate(`vllm:request_success_total{${M}}`)})`,
              legend: '{{finished_reason}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'Time to first token',
          unit: 's',
          targets: percentiles(`vllm:time_to_first_token_seconds_bucket{${M}}`),
        },
        {
          title: 'Inter-token latency',
          unit: 's',
          targets: percentiles(`vllm:inter_token_latency_seconds_bucket{${M}}`),
        },
        {
          title: 'End-to-end request latency',
          unit: 's',
          targets: percentiles(`vllm:e2e_request_latency_seconds_bucket{${M}}`),
        },
      ],
    },
    {
      title: 'Tokens',
      panels: [
        {
          title: 'Prompt tokens per second',
          targets: [
            {
              expr: `sum by (model_name) (${rate(`vllm:prompt_tokens_total{${M}}`)})`,
              legend: '{{model_name}}',
            },
          ],
          width: 12,
        },
        {
          title: 'Generation tokens per second',
          targets: [
            {
              expr: `sum by (model_name) (${rate(`vllm:generation_tokens_total{${M}}`)})`,
              legend: '{{model_name}}',
            },
          ],
          width: 12,
        },
      ],
    },
    {
      title: 'Launcher',
      panels: [
        {
          title: 'Instance up',
          type: 'state-timeline',
          mappings: [
            { value: 0, text: 'down', color: 'red' },
            { value: 1, text: 'up', color: 'green' },
          ],
          targets: [
            { expr: 'max by (vllm_instance) (vllm_launcher_instance_up)', legend: '{{vllm_instance}}' },
          ],
          width: 12,
        },
        {
          title: 'Instance state',
          description: 'The state each instance is in (the series whose value is 1).',
          type: 'state-timeline',
          targets: [
            {
              expr: 'max by (vllm_instance, state) (vllm_launcher_instance_state) > 0',
              legend: '{{vllm_instance}} {{state}}',
            },
          ],
          width: 12,
        },
        {
          title: 'Restarts by reason (1h)',
          targets: [
            {
              expr: 'sum by (vllm_instance, reason) (increase(vllm_launcher_restarts_total[1h]))',
              legend: '{{vllm_instance}} {{reason}}',
            },
          ],
        },
        {
          title: 'Health-check failures',
          unit: 'short',
          targets: [
            {
              expr: `sum by (vllm_instance) (${rate('vllm_launcher_health_check_failures_total')})`,
              legend: '{{vllm_instance}}',
            },
          ],
        },
        {
          title: 'Last start-up time',
          unit: 's',
          targets: [
            { expr: 'max by (vllm_instance) (vllm_launcher_startup_seconds)', legend: '{{vllm_instance}}' },
          ],
        },
        {
          title: 'Gave up',
          description: 'The restart budget is spent: the instance stays down until someone intervenes.',
          type: 'stat',
          mappings: [
            { value: 0, text: 'supervising', color: 'green' },
            { value: 1, text: 'gave up', color: 'red' },
          ],
          targets: [{ expr: 'max by (vllm_instance) (vllm_launcher_gave_up)', legend: '{{vllm_instance}}' }],
          width: 24,
          height: 4,
        },
      ],
    },
  ],
}
