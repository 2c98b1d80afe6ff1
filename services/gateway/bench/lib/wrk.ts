/** @module Maximum throughput with wrk (C, one thread on the client core), for rates a JS client cannot drive. */

export interface WrkResult {
  readonly requestsPerS: number
  readonly requests: number
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  readonly errors: number
}

/** Reads wrk's summary; throws when the output has no "Requests/sec" line (wrk failed). */
export function parseWrkOutput(text: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text)
  if (!rate) throw new Error(`wrk printed no Requests/sec: ${text.trim().slice(-300)}`)
  const requests = /(\d+) requests in/.exec(text)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const socketErrors = socket ? socket.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0
  return {
    requestsPerS: Number(rate[1]),
    requests: Number(requests?.[1] ?? 0),
    errors: Number(non2xx?.[1] ?? 0) + socketErrors,
  }
}

const lua = (text: string): string => JSON.stringify(text)

/** A wrk Lua script that POSTs `body` with `headers` on every request. */
export function wrkScript(body: string, headers: Readonly<Record<string, string>>): string {
  const lines = ['wrk.method = "POST"', `wrk.body = ${lua(body)}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`)
  return `${lines.join('\n')}\n`
}

export interface WrkRun {
  readonly url: string
  readonly connections: number
  readonly durationS: number
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
  /** Where to write the Lua script. */
  readonly scriptPath: string
  /** CPU list for taskset (the client core). */
  readonly cpu: string
  /** The wrk executable (tests substitute a fake). */
  readonly command?: string
}

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  await Bun.write(run.scriptPath, wrkScript(run.body, run.headers))
  const args = [
    '-t1',
    `-c${run.connections}`,
    `-d${run.durationS}s`,
    '--timeout',
    '5s',
    '-s',
    run.scriptPath,
    run.url,
  ]
  const child = Bun.spawn(['taskset', '-c', run.cpu, run.command ?? 'wrk', ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
  await child.exited
  return parseWrkOutput(out + err)
}
