/** @module Per-request identity and timing: request id (kept from the client when sane), trace context, start time. */
import { Elysia } from 'elysia'
import { childTraceContext, formatTraceparent, parseTraceparent } from '../core/trace-context.ts'

const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/** Unnamed on purpose: each route plugin uses its own copy, since Elysia would skip a named duplicate's hook. */
export const requestContext = () =>
  // Headers read with request.headers.get: a hook that takes Elysia's `headers` object makes it copy every header.
  new Elysia().derive({ as: 'scoped' }, ({ request, set }) => {
    const incoming = request.headers.get('x-request-id')
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    set.headers['x-request-id'] = requestId
    const incomingTraceparent = request.headers.get('traceparent') ?? undefined
    const trace = childTraceContext(parseTraceparent(incomingTraceparent))
    return {
      requestId,
      startedAt: performance.now(),
      traceparent: formatTraceparent(trace),
      incomingTraceparent,
    }
  })
