/** @module Prompt-length mixes ("short:70,long:30") and deterministic prompts of a given token length. */

export interface PromptClass {
  readonly name: string
  readonly tokens: number
  readonly weight: number
}

/** Token lengths of the named classes; a number as the name (e.g. "256:50") is its own length. */
export const PROMPT_CLASS_TOKENS: Readonly<Record<string, number>> = {
  tiny: 8,
  short: 64,
  medium: 512,
  long: 2048,
}

/**
 * Parses `NAME[=TOKENS][:WEIGHT]` items separated by commas: "short:70,long:30", "short=100:70,long=4000:30",
 * "128:50,1024:50". The weight defaults to 1. Throws one error naming every bad item.
 */
export function parsePromptMix(text: string): PromptClass[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  if (items.length === 0) throw new Error('prompt mix is empty')
  const problems: string[] = []
  const classes: PromptClass[] = []
  for (const item of items) {
    const match = /^([a-z0-9_-]+)(?:=(\d+))?(?::(\d+(?:\.\d+)?))?$/i.exec(item)
    const name = match?.[1] ?? ''
    const tokens = match?.[2] !== undefined ? Number(match[2]) : (PROMPT_CLASS_TOKENS[name] ?? Number(name))
    const weight = match?.[3] !== undefined ? Number(match[3]) : 1
    if (!match) problems.push(`${JSON.stringify(item)} is not NAME[=TOKENS][:WEIGHT]`)
    else if (!Number.isSafeInteger(tokens) || tokens < 1)
      problems.push(
        `${JSON.stringify(item)}: unknown class (use ${Object.keys(PROMPT_CLASS_TOKENS).join('/')}, a token count, or NAME=TOKENS)`,
      )
    else if (!(weight > 0)) problems.push(`${JSON.stringify(item)}: weight must be above 0`)
    else classes.push({ name, tokens, weight })
  }
  if (problems.length > 0) throw new Error(`bad prompt mix: ${problems.join('; ')}`)
  return classes
}

const GOLDEN = 0.618_033_988_749_895

/**
 * The class of request `index`. A golden-ratio sequence spreads the classes evenly through the run and is
 * reproducible, where a random draw would make two runs of the same mix differ.
 */
export function pickPromptClass(classes: readonly PromptClass[], index: number): PromptClass {
  const total = classes.reduce((sum, item) => sum + item.weight, 0)
  let position = ((index * GOLDEN) % 1) * total
  for (const item of classes) {
    if (position < item.weight) return item
    position -= item.weight
  }
  const last = classes[classes.length - 1]
  if (!last) throw new Error('prompt mix is empty')
  return last
}

const WORDS = [
  'the',
  'quick',
  'brown',
  'fox',
  'jumps',
  'over',
  'a',
  'lazy',
  'dog',
  'and',
  'runs',
  'far',
  'away',
]

/** About `tokens` tokens of text (one short word each), starting with the request index so no two are identical. */
export function promptText(tokens: number, index: number): string {
  const words = [`request ${index}:`]
  for (let i = 1; i < tokens; i++) words.push(WORDS[i % WORDS.length] ?? 'x')
  return words.join(' ')
}
