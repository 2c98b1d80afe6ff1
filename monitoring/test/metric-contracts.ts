/**
 * @module The metric families each service promises (the contracts the dashboards and rules are built against),
 * so a misspelt or invented name fails offline, before any service runs.
 */
import { metricFamily } from './promql-metric-names.ts'

export type Producer = 'gateway' | 'vllm' | 'gpu-exporter' | 'vllm-launcher' | 'prometheus'

/** Families by producer, as exposed on /metrics (counters with `_total`, histograms without their suffixes). */
export const METRIC_CONTRACTS: Record<Producer, readonly string[]> = {
  gateway: [
    'infergate_requests_total',
    'infergate_request_duration_seconds',
    'infergate_time_to_first_token_seconds',
    'infergate_inter_token_latency_seconds',
    'infergate_prompt_tokens_total',
    'infergate_completion_tokens_total',
    'infergate_active_requests',
    'infergate_open_streams',
    'infergate_upstream_healthy',
    'infergate_upstream_in_flight',
    'infergate_upstream_connections',
    'infergate_circuit_breaker_state',
    'infergate_upstream_requests_total',
    'infergate_rate_limit_rejections_total',
    'infergate_quota_rejections_total',
    'infergate_queue_depth',
    'infergate_queue_wait_seconds',
    'infergate_queue_rejections_total',
    'infergate_quota_flush_duration_seconds',
    'infergate_quota_flush_failures_total',
    'infergate_quota_flush_lag_seconds',
    'infergate_overhead_seconds',
    'infergate_limiter_degraded',
    // prom-client default metrics; dashboards select them with job="gateway".
    'process_resident_memory_bytes',
    'process_cpu_seconds_total',
  ],
  vllm: [
    'vllm:num_requests_running',
    'vllm:num_requests_waiting',
    'vllm:kv_cache_usage_perc',
    'vllm:time_to_first_token_seconds',
    'vllm:inter_token_latency_seconds',
    'vllm:e2e_request_latency_seconds',
    'vllm:prompt_tokens_total',
    'vllm:generation_tokens_total',
    'vllm:request_success_total',
  ],
  'gpu-exporter': [
    'DCGM_FI_DEV_GPU_UTIL',
    'DCGM_FI_DEV_FB_USED',
    'DCGM_FI_DEV_FB_FREE',
    'DCGM_FI_DEV_GPU_TEMP',
    'DCGM_FI_DEV_POWER_USAGE',
    'DCGM_FI_DEV_SM_CLOCK',
    'DCGM_FI_DEV_MEM_CLOCK',
    'nvidia_smi_power_limit_watts',
    'gpu_exporter_collector_success',
    'gpu_exporter_collector_duration_seconds',
    'gpu_exporter_sample_age_seconds',
  ],
  'vllm-launcher': [
    'vllm_launcher_instance_up',
    'vllm_launcher_instance_state',
    'vllm_launcher_restarts_total',
    'vllm_launcher_health_check_failures_total',
    'vllm_launcher_startup_seconds',
    'vllm_launcher_gave_up',
  ],
  // Synthesised by Prometheus for every target; always present once anything is scraped.
  prometheus: ['up'],
}

/** The producer whose contract lists the name's family, or undefined for a name nobody promised. */
export function producerOf(name: string): Producer | undefined {
  const family = metricFamily(name)
  for (const [producer, families] of Object.entries(METRIC_CONTRACTS) as [Producer, readonly string[]][]) {
    if (families.includes(name) || families.includes(family)) return producer
  }
  return undefined
}
