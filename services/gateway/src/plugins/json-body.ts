/**
 * @module Reads a JSON request body within MAX_BODY_BYTES. A declared length is checked before reading (onRequest);
 * a chunked body, which declares none, is counted as it streams and cut at the limit, so memory stays bounded.
 */
import { GatewayError } from '../errors/gateway-error.ts'

const tooLarge = (maxBytes: number) =>
  new GatewayError('payload_too_large', `Request body exceeds the limit of ${maxBytes} bytes.`)

async function readLimited(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = body.getReader()
  const parts: Uint8Array[] = []
  let length = 0
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    length += part.value.length
    if (length > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    parts.push(part.value)
  }
  return Buffer.concat(parts).toString('utf8')
}

/** The text each parsed body came from, so that an unchanged body can be forwarded as the client sent it. */
const rawBodies = new WeakMap<Request, string>()

/** The JSON text `jsonBody` parsed for this request, if it parsed one. */
export const rawBodyOf = (request: Request): string | undefined => rawBodies.get(request)

/** An Elysia `parse` handler: the JSON value of the body, whatever its content-type says. */
export const jsonBody =
  (maxBytes: number) =>
  async ({ request }: { request: Request }): Promise<unknown> => {
    const declared = request.headers.get('content-length')
    let text: string
    if (declared !== null) {
      if (Number(declared) > maxBytes) throw tooLarge(maxBytes)
      text = await request.text()
    } else {
      text = request.body ? await readLimited(request.body, maxBytes) : ''
    }
    try {
      const value: unknown = JSON.parse(text)
      rawBodies.set(request, text)
      return value
    } catch {
      throw new GatewayError('invalid_json', 'We could not parse the JSON body of your request.')
    }
  }
