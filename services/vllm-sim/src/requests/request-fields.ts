/**
 * @module Field readers for request bodies. Each returns the value or throws a 400 SimError worded like the
 * pydantic validation errors vLLM turns into 400s (`body.n: Input should be a valid integer`).
 */
import { SimError } from '../errors.ts'
import type { ObservedRequest } from '../request-log.ts'

export type Body = Record<string, unknown>

export function invalid(name: string, message: string): SimError {
  return new SimError(400, `body.${name}: ${message}`, name)
}

/** Parses a request body as a JSON object, and records it (or its raw text when it is not JSON) on `entry`. */
export async function readJsonBody(request: Request, entry: ObservedRequest): Promise<Body> {
  const text = await request.text()
  entry.text = text
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
    entry.body = parsed
  } catch (error) {
    entry.body = text
    const reason = error instanceof Error ? error.message : String(error)
    throw new SimError(400, `JSON decode error: ${reason}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SimError(400, 'body: Input should be a valid dictionary or object to extract fields from')
  return parsed as Body
}

const absent = (value: unknown): value is undefined | null => value === undefined || value === null

export function optionalInt(body: Body, name: string, min?: number, max?: number): number | undefined {
  const value = body[name]
  if (absent(value)) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalid(name, 'Input should be a valid integer')
  if (min !== undefined && value < min) throw invalid(name, `Input should be greater than or equal to ${min}`)
  if (max !== undefined && value > max) throw invalid(name, `Input should be less than or equal to ${max}`)
  return value
}

export function optionalNumber(body: Body, name: string): number | undefined {
  const value = body[name]
  if (absent(value)) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(name, 'Input should be a valid number')
  return value
}

export function optionalBool(body: Body, name: string): boolean | undefined {
  const value = body[name]
  if (absent(value)) return undefined
  if (typeof value !== 'boolean') throw invalid(name, 'Input should be a valid boolean')
  return value
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name]
  if (absent(value)) return undefined
  if (typeof value !== 'string') throw invalid(name, 'Input should be a valid string')
  return value
}

export function optionalObject(body: Body, name: string): Body | undefined {
  const value = body[name]
  if (absent(value)) return undefined
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid(name, 'Input should be a valid dictionary or object to extract fields from')
  return value as Body
}

/** `stop`: a string or a list of strings. */
export function stopStrings(body: Body): string[] {
  const value = body.stop
  if (absent(value)) return []
  if (typeof value === 'string') return value === '' ? [] : [value]
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return (value as string[]).filter((item) => item !== '')
  throw invalid('stop', 'Input should be a valid string or a valid list of strings')
}

export function isTokenIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number')
}
