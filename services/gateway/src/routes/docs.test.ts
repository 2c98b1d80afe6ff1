import { describe, expect, test } from 'bun:test'
import { swagger } from '@elysiajs/swagger'
import { type AnyElysia, Elysia, t } from 'elysia'
import { type DocsConfig, docsRoutes } from './docs.ts'

const config: DocsConfig = {
  documentation: {
    info: { title: 'Test', version: '1.0.0', description: 'docs under test' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  },
}

/** The same routes after either docs plugin, as app.ts mounts them. */
const withRoutes = (docs: AnyElysia) =>
  new Elysia()
    .use(docs)
    .use(
      new Elysia({ name: 'routes' })
        .get('/health', () => ({ status: 'ok' }), { detail: { tags: ['Ops'], summary: 'Liveness' } })
        .post('/v1/things/:id', ({ body }) => body, {
          body: t.Object({ name: t.String(), count: t.Optional(t.Number()) }),
          detail: { tags: ['Things'], summary: 'Make a thing' },
        }),
    )
    .get('/late', () => 'mounted after the docs', { detail: { summary: 'Late' } })

const get = (app: { handle(request: Request): Promise<Response> }, path: string) =>
  app.handle(new Request(`http://gateway${path}`))

describe('docs routes', () => {
  test('serve the same OpenAPI document and page as @elysiajs/swagger mounted eagerly', async () => {
    const eager = withRoutes(swagger({ ...config, path: '/swagger' }))
    const lazy = withRoutes(docsRoutes(config))
    const document = (await (await get(lazy, '/swagger/json')).json()) as { paths: Record<string, unknown> }
    expect(document).toEqual((await (await get(eager, '/swagger/json')).json()) as typeof document)
    expect(Object.keys(document.paths)).toEqual(['/health', '/v1/things/{id}', '/late'])
    const [eagerPage, lazyPage] = [await get(eager, '/swagger'), await get(lazy, '/swagger')]
    expect(lazyPage.status).toBe(200)
    expect(lazyPage.headers.get('content-type')).toBe(eagerPage.headers.get('content-type'))
    expect(await lazyPage.text()).toBe(await eagerPage.text())
  })

  test('@elysiajs/swagger is not loaded by app.ts, only by the first request for the docs (memory)', async () => {
    const script = `
      const loaded = () => Object.keys(require.cache).some((path) => path.includes('@elysiajs/swagger'))
      await import(${JSON.stringify(`${import.meta.dir}/../app.ts`)})
      const { docsRoutes } = await import(${JSON.stringify(`${import.meta.dir}/docs.ts`)})
      const { Elysia } = await import('elysia')
      const atStart = loaded()
      const app = new Elysia().use(docsRoutes({}))
      const response = await app.handle(new Request('http://gateway/swagger/json'))
      console.log(JSON.stringify({ atStart, status: response.status, afterRequest: loaded() }))`
    const child = Bun.spawn([process.execPath, '-e', script], {
      cwd: import.meta.dir,
      stdout: 'pipe',
      stderr: 'inherit',
    })
    const result: unknown = JSON.parse(await new Response(child.stdout).text())
    expect(await child.exited).toBe(0)
    expect(result).toEqual({ atStart: false, status: 200, afterRequest: true })
  })
})
