/**
 * @module Writes the generated dashboards to monitoring/grafana/dashboards. Run after editing a dashboard spec:
 * `bun monitoring/grafana/generator/main.ts` (monitoring/test/dashboards.test.ts fails while the files are stale).
 */
import { join } from 'node:path'
import { DASHBOARD_FILES, renderDashboard } from './dashboards.ts'

const dir = join(import.meta.dir, '..', 'dashboards')
for (const { file, spec } of DASHBOARD_FILES) {
  await Bun.write(join(dir, file), renderDashboard(spec))
  console.log(`wrote ${join(dir, file)}`)
}
