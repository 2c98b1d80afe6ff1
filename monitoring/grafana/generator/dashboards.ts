/** @module The dashboards Grafana provisions, each paired with the file it is written to under monitoring/grafana/dashboards. */
import { buildDashboard, type DashboardSpec } from './dashboard-builder.ts'
import { gatewayDashboard } from './gateway-dashboard.ts'
import { gpuDashboard } from './gpu-dashboard.ts'
import { vllmDashboard } from './vllm-dashboard.ts'

export interface DashboardFile {
  file: string
  spec: DashboardSpec
}

export const DASHBOARD_FILES: readonly DashboardFile[] = [
  { file: 'gateway.json', spec: gatewayDashboard },
  { file: 'vllm.json', spec: vllmDashboard },
  { file: 'gpu.json', spec: gpuDashboard },
]

/** The file content for one dashboard: its JSON model, two-space indented, newline-terminated. */
export function renderDashboard(spec: DashboardSpec): string {
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`
}
