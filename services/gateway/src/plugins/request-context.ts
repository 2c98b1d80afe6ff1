/** @module Per-request identity and timing: request id (kept from the client when sane), trace context, start time. */
import { Elysia } from 'elysia'
import { childTraceContext, formatTraceparent, parseTraceparent } from '../core/trace-context.ts'

const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/** Unnamed on purpose: each route plugin uses its own copy, since Elysia would skip a named duplicate's hook. */
export const requestContext = () =>
  new Elysia().derive({ as: 'scoped' }, ({ headers, set }) => {
    const incoming = headers['x-request-id']
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    set.headers['x-request-id'] = requestId
    const trace = childTraceContext(parseTraceparent(headers.traceparent))
    return {
      requestId,
      startedAt: performance.now(),
      traceparent: formatTraceparent(trace),
      incomingTraceparent: headers.traceparent,
    }
  })
