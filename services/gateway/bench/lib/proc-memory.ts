/** @module Resident memory of server processes from /proc, including children (nginx workers). */

/** VmRSS in kB from the text of /proc/<pid>/status, or undefined when absent (a zombie has none). */
export function parseRssKb(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  return match ? Number(match[1]) : undefined
}

/** Direct children from /proc/<pid>/task/<tid>/children text (space-separated pids). */
export function parseChildren(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((item) => item !== '')
    .map(Number)
}

async function readText(path: string): Promise<string> {
  try {
    return await Bun.file(path).text()
  } catch {
    return ''
  }
}

/** RSS in MB of `pid` and all its descendants; 0 when the process is gone. */
export async function treeRssMb(pid: number): Promise<number> {
  let kb = parseRssKb(await readText(`/proc/${pid}/status`)) ?? 0
  for (const child of parseChildren(await readText(`/proc/${pid}/task/${pid}/children`))) {
    kb += (await treeRssMb(child)) * 1024
  }
  return kb / 1024
}

/** Samples the RSS of a process tree every `intervalMs` until stopped; resolves with the peak seen (MB). */
export function samplePeakRss(pid: number, intervalMs = 100): { stop(): Promise<number> } {
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await treeRssMb(pid))
      await Bun.sleep(intervalMs)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return Math.max(peak, await treeRssMb(pid))
    },
  }
}
