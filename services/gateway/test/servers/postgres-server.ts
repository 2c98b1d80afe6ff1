/**
 * @module A throwaway PostgreSQL 15 for tests: initdb into a temp dir, postgres on a free 127.0.0.1 port with its
 * socket in that dir, trust auth. PostgreSQL refuses to run as root, so under root (CI) both run as the `postgres`
 * user (via setpriv) on a dir it owns; a developer's own user runs them directly. Never the machine's own PostgreSQL.
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from './free-port.ts'

/** Debian's newest installed PostgreSQL (15 on these machines). */
export const PG_BIN =
  (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql', { withFileTypes: true }) : [])
    .filter((entry) => entry.isDirectory() && existsSync(`/usr/lib/postgresql/${entry.name}/bin/initdb`))
    .map((entry) => entry.name)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => `/usr/lib/postgresql/${version}/bin`)[0] ?? '/usr/lib/postgresql/15/bin'

export interface TestPostgres {
  readonly port: number
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string
  /** A fresh empty database on the same server, for test isolation. */
  createDatabase(name: string): Promise<string>
  stop(): Promise<void>
}

const POSTGRES_UID_GID = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const passwd = Bun.spawnSync(['getent', 'passwd', 'postgres']).stdout.toString().split(':')
  const uid = Number(passwd[2])
  const gid = Number(passwd[3])
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error('running as root but no postgres user')
  return { uid, gid }
}

export async function startPostgres(): Promise<TestPostgres> {
  const owner = POSTGRES_UID_GID()
  // setpriv execs in place (runuser forks and stays the parent), so signals reach postgres itself.
  const asOwner = (argv: string[]) =>
    owner
      ? ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', ...argv]
      : argv
  const dir = mkdtempSync(join(tmpdir(), 'infergate-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  const init = Bun.spawnSync(
    asOwner([`${PG_BIN}/initdb`, '-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']),
    { stdout: 'pipe', stderr: 'pipe' },
  )
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`)
  const port = await freePort()
  const child = Bun.spawn(
    asOwner([
      `${PG_BIN}/postgres`,
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]),
    { stdout: 'ignore', stderr: 'ignore' },
  )
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const psql = (sqlText: string) =>
    Bun.spawnSync(
      asOwner([`${PG_BIN}/psql`, '-h', dir, '-p', String(port), '-U', 'postgres', '-Atc', sqlText]),
      {
        stdout: 'pipe',
        stderr: 'pipe',
      },
    )
  await waitFor(async () => psql('select 1').exitCode === 0, 15_000, `postgres on port ${port}`)
  return {
    port,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`)
      const result = psql(`create database ${name}`)
      if (result.exitCode !== 0) throw new Error(`create database failed: ${result.stderr.toString()}`)
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown: it ends sessions and exits without a checkpoint wait.
      child.kill('SIGINT')
      await child.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
