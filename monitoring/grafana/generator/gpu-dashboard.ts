/**
 * @module The GPU dashboard, laid out like Grafana dashboard 12239 (DCGM exporter): same variables, filters and
 * legends, so operators used to it find their way, plus the exporter's own health.
 */
import type { DashboardSpec } from './dashboard-builder.ts'

const F = 'instance=~"$instance", gpu=~"$gpu"'
const LEGEND = 'GPU {{gpu}}'

export const gpuDashboard: DashboardSpec = {
  uid: 'infergate-gpu',
  title: 'Infergate / GPU',
  description: 'GPU telemetry from services/gpu-exporter (DCGM-compatible names, read from nvidia-smi).',
  tags: ['infergate', 'gpu'],
  variables: [
    { name: 'instance', label: 'Instance', query: 'label_values(DCGM_FI_DEV_GPU_TEMP, instance)' },
    { name: 'gpu', label: 'GPU', query: 'label_values(DCGM_FI_DEV_GPU_TEMP, gpu)' },
  ],
  rows: [
    {
      title: 'Thermals and power',
      panels: [
        {
          title: 'GPU temperature',
          unit: 'celsius',
          thresholds: [80, 85],
          targets: [{ expr: `DCGM_FI_DEV_GPU_TEMP{${F}}`, legend: LEGEND }],
          width: 18,
        },
        {
          title: 'GPU avg. temperature',
          type: 'gauge',
          unit: 'celsius',
          min: 0,
          max: 100,
          thresholds: [80, 85],
          targets: [{ expr: `avg(DCGM_FI_DEV_GPU_TEMP{${F}})` }],
          width: 6,
        },
        {
          title: 'GPU power usage',
          unit: 'watt',
          targets: [
            { expr: `DCGM_FI_DEV_POWER_USAGE{${F}}`, legend: LEGEND },
            { expr: `nvidia_smi_power_limit_watts{${F}}`, legend: 'GPU {{gpu}} limit' },
          ],
          width: 18,
        },
        {
          title: 'GPU power total',
          type: 'gauge',
          unit: 'watt',
          targets: [{ expr: `sum(DCGM_FI_DEV_POWER_USAGE{${F}})` }],
          width: 6,
        },
      ],
    },
    {
      title: 'Utilisation and memory',
      panels: [
        {
          title: 'GPU utilization',
          unit: 'percent',
          min: 0,
          max: 100,
          targets: [{ expr: `DCGM_FI_DEV_GPU_UTIL{${F}}`, legend: LEGEND }],
          width: 12,
        },
        {
          title: 'GPU SM clocks',
          unit: 'hertz',
          // The exporter reports MHz, as DCGM does.
          targets: [{ expr: `DCGM_FI_DEV_SM_CLOCK{${F}} * 1000000`, legend: LEGEND }],
          width: 12,
        },
        {
          title: 'GPU framebuffer memory used',
          unit: 'decmbytes',
          targets: [{ expr: `DCGM_FI_DEV_FB_USED{${F}}`, legend: LEGEND }],
          width: 12,
        },
        {
          title: 'GPU framebuffer memory used (fraction)',
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [0.9, 0.97],
          targets: [
            {
              expr: `DCGM_FI_DEV_FB_USED{${F}} / (DCGM_FI_DEV_FB_USED{${F}} + DCGM_FI_DEV_FB_FREE{${F}})`,
              legend: LEGEND,
            },
          ],
          width: 12,
        },
        {
          title: 'GPU memory clocks',
          unit: 'hertz',
          targets: [{ expr: `DCGM_FI_DEV_MEM_CLOCK{${F}} * 1000000`, legend: LEGEND }],
          width: 24,
        },
      ],
    },
    {
      title: 'Exporter',
      panels: [
        {
          title: 'Collector success',
          type: 'state-timeline',
          mappings: [
            { value: 0, text: 'failing', color: 'red' },
            { value: 1, text: 'ok', color: 'green' },
          ],
          targets: [
            {
              expr: 'gpu_exporter_collector_success{instance=~"$instance"}',
              legend: '{{instance}} {{collector}}',
            },
          ],
        },
        {
          title: 'Collector duration',
          unit: 's',
          targets: [
            {
              expr: 'gpu_exporter_collector_duration_seconds{instance=~"$instance"}',
              legend: '{{instance}} {{collector}}',
            },
          ],
        },
        {
          title: 'Sample age',
          description: 'How old the GPU readings served at the last scrape were.',
          unit: 's',
          targets: [
            {
              expr: 'gpu_exporter_sample_age_seconds{instance=~"$instance"}',
              legend: '{{instance}} {{collector}}',
            },
          ],
        },
      ],
    },
  ],
}
