/**
 * @module Runs the benchmarks: every `services/<name>/bench/*.bench.ts`, or those whose path contains one of the
 * arguments (`bun run bench vllm-sim`). Each runs in its own process so that one benchmark's heap and sockets
 * never colour another's figures.
 */
import { Glob } from 'bun'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)
const files = [...new Glob('services/*/bench/*.bench.ts').scanSync({ cwd: root })]
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (files.length === 0) {
  console.error(`bench: no benchmark matches ${filters.join(' ') || '(all)'}`)
  process.exit(1)
}

let failed = 0
for (const file of files) {
  console.log(`\n=== ${file}`)
  const child = Bun.spawn([process.execPath, file], { cwd: root, stdio: ['inherit', 'inherit', 'inherit'] })
  if ((await child.exited) !== 0) failed += 1
}
process.exit(failed === 0 ? 0 : 1)
