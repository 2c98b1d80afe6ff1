/** @module Finds the metric names a PromQL expression reads, without a full parser: a tokenizer that skips strings, label matchers, durations and grouping clauses. */

/** PromQL words that look like identifiers but are never metric names. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'atan2',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
])

/** Keywords followed by a parenthesised list of label names, which must not be read as metrics. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])

const IDENT_START = /[a-zA-Z_:]/
const IDENT_PART = /[a-zA-Z0-9_:]/

/** Index just past the bracket that closes the one at `start` (`{`/`}`, `[`/`]`, `(`/`)`), skipping strings. */
function skipBalanced(expr: string, start: number): number {
  const open = expr[start]
  const close = open === '{' ? '}' : open === '[' ? ']' : ')'
  let depth = 0
  let i = start
  while (i < expr.length) {
    const ch = expr[i]
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(expr, i)
      continue
    }
    if (ch === open) depth++
    if (ch === close) {
      depth--
      if (depth === 0) return i + 1
    }
    i++
  }
  throw new Error(`unbalanced '${open}' at ${start} in: ${expr}`)
}

function skipString(expr: string, start: number): number {
  const quote = expr[start]
  let i = start + 1
  while (i < expr.length) {
    if (expr[i] === '\\' && quote !== '`') {
      i += 2
      continue
    }
    if (expr[i] === quote) return i + 1
    i++
  }
  throw new Error(`unterminated string at ${start} in: ${expr}`)
}

function nextNonSpace(expr: string, from: number): number {
  let i = from
  while (i < expr.length && /\s/.test(expr[i] ?? '')) i++
  return i
}

/**
 * The distinct metric names an expression selects, in order of first use. A `{__name__="x"}` selector counts as x.
 * @example metricNames('sum by (le) (rate(a_bucket{job="g"}[5m])) / b') // ['a_bucket', 'b']
 * @throws Error on unbalanced brackets or unterminated strings.
 */
export function metricNames(expr: string): string[] {
  const names: string[] = []
  const add = (name: string) => {
    if (!names.includes(name)) names.push(name)
  }
  let i = 0
  while (i < expr.length) {
    const ch = expr[i] ?? ''
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(expr, i)
    } else if (ch === '#') {
      const end = expr.indexOf('\n', i)
      i = end === -1 ? expr.length : end
    } else if (ch === '{') {
      const end = skipBalanced(expr, i)
      const byName = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(i, end))
      if (byName?.[1]) add(byName[1])
      i = end
    } else if (ch === '[') {
      i = skipBalanced(expr, i)
    } else if (/[0-9.]/.test(ch)) {
      // Numbers and durations (5m, 1.5e3, 0x1f): consume the whole literal so its letters are not identifiers.
      while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i] ?? '')) i++
    } else if (IDENT_START.test(ch)) {
      const start = i
      while (i < expr.length && IDENT_PART.test(expr[i] ?? '')) i++
      const word = expr.slice(start, i)
      const after = nextNonSpace(expr, i)
      const lower = word.toLowerCase()
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (expr[after] === '(') i = skipBalanced(expr, after)
      } else if (!KEYWORDS.has(lower) && expr[after] !== '(') {
        add(word)
      }
    } else {
      i++
    }
  }
  return names
}

/** The family a series name belongs to: histogram and summary suffixes removed. */
export function metricFamily(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '')
}
