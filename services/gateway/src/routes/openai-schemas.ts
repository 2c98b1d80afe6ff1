/**
 * @module Request bodies of the OpenAI routes, checked before anything is forwarded. Only what the gateway relies on
 * is constrained; every other field (vLLM extras such as top_k, guided_json, chat_template_kwargs) passes untouched.
 */
import { Type } from '@sinclair/typebox'
import { type TSchema, t } from 'elysia'

const open = { additionalProperties: true }

/** OpenAI clients send null for "not set"; accept it wherever a field is optional. */
const nullable = <T extends TSchema>(schema: T) =>
  t.Optional(t.Union([schema, t.Null()], schema.error === undefined ? {} : { error: schema.error }))

/**
 * TypeBox's own Integer, not Elysia's t.Integer: Elysia's coerces numeric strings through a Transform, which makes
 * it decode every body (~9 µs a request), and OpenAI refuses `"max_tokens": "16"` anyway.
 */
const integer = Type.Integer

const positiveInt = (name: string) => integer({ minimum: 1, error: `'${name}' must be a positive integer` })

const common = {
  model: t.String({ minLength: 1, error: "'model' must be a non-empty string" }),
  stream: nullable(t.Boolean({ error: "'stream' must be a boolean" })),
  stream_options: nullable(t.Object({ include_usage: nullable(t.Boolean()) }, open)),
  max_tokens: nullable(positiveInt('max_tokens')),
  n: nullable(integer({ minimum: 1, maximum: 128, error: "'n' must be an integer from 1 to 128" })),
  temperature: nullable(
    t.Number({ minimum: 0, maximum: 2, error: "'temperature' must be a number from 0 to 2" }),
  ),
  top_p: nullable(t.Number({ minimum: 0, maximum: 1, error: "'top_p' must be a number from 0 to 1" })),
  stop: nullable(
    t.Union([t.String(), t.Array(t.String(), { maxItems: 16 })], {
      error: "'stop' must be a string or a list of strings",
    }),
  ),
  user: nullable(t.String()),
}

const message = t.Object(
  {
    role: t.String({ minLength: 1, error: "each message needs a 'role' string" }),
    content: t.Optional(
      t.Union([t.String(), t.Array(t.Unknown()), t.Null()], {
        error: "'content' must be a string, a list of parts or null",
      }),
    ),
  },
  open,
)

export const chatCompletionBody = t.Object(
  {
    ...common,
    messages: t.Array(message, { minItems: 1, error: "'messages' must be a non-empty list of messages" }),
    max_completion_tokens: nullable(positiveInt('max_completion_tokens')),
  },
  open,
)

const tokenIds = t.Array(integer({ minimum: 0 }), { minItems: 1 })

export const completionBody = t.Object(
  {
    ...common,
    prompt: t.Union(
      [t.String(), t.Array(t.String(), { minItems: 1 }), tokenIds, t.Array(tokenIds, { minItems: 1 })],
      {
        error: "'prompt' must be a string, a list of strings, or token ids",
      },
    ),
  },
  open,
)

export const embeddingBody = t.Object(
  {
    model: common.model,
    input: t.Union(
      [t.String(), t.Array(t.String(), { minItems: 1 }), tokenIds, t.Array(tokenIds, { minItems: 1 })],
      {
        error: "'input' must be a string, a list of strings, or token ids",
      },
    ),
    encoding_format: nullable(
      t.Union([t.Literal('float'), t.Literal('base64')], {
        error: "'encoding_format' must be float or base64",
      }),
    ),
    dimensions: nullable(positiveInt('dimensions')),
    user: common.user,
  },
  open,
)

/** The simple prompt-in/text-out body of /v1/generate and /v1/stream. */
export const generateBody = t.Object(
  {
    prompt: t.String({ minLength: 1, error: "'prompt' must be a non-empty string" }),
    model: t.Optional(common.model),
    max_tokens: common.max_tokens,
    temperature: common.temperature,
    top_p: common.top_p,
    stop: common.stop,
  },
  open,
)
