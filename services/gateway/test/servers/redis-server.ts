/**
 * @module A throwaway redis-server for tests: Debian's binary on a free 127.0.0.1 port, no persistence, killed
 * and restartable on the same port (to test a dead and returning Redis). Never the machine's own Redis.
 */
import { connect } from 'node:net'
import { RedisClient } from 'bun'
import { freePort, waitFor } from './free-port.ts'

export interface TestRedis {
  readonly port: number
  readonly url: string
  /** SIGKILLs the server (no graceful shutdown, like a crash). */
  kill(): Promise<void>
  /** Starts it again on the same port, empty (no-op while it runs). */
  restart(): Promise<void>
  /** Empties every database (between tests). */
  flush(): Promise<void>
  stop(): Promise<void>
}

/** True when something answers PING on the port with +PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

export async function startRedis(binary = 'redis-server'): Promise<TestRedis> {
  const port = await freePort()
  let child: ReturnType<typeof Bun.spawn> | undefined
  const spawn = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return
    child = Bun.spawn(
      [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdout: 'ignore', stderr: 'ignore' },
    )
    await waitFor(() => pings(port), 5_000, `redis-server on port ${port}`)
  }
  const kill = async () => {
    const running = child
    child = undefined
    if (!running) return
    running.kill('SIGKILL')
    await running.exited
  }
  await spawn()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: spawn,
    async flush() {
      const client = new RedisClient(`redis://127.0.0.1:${port}`)
      await client.send('FLUSHALL', [])
      client.close()
    },
    stop: kill,
  }
}
