/** @module Splits a command string shell-word style, so `VLLM_BIN="bun /path/main.ts"` becomes an argv. */

/**
 * Splits on unquoted whitespace, honouring single quotes (literal), double quotes (backslash escapes `"`, `\`,
 * `$`, backtick) and backslash escapes outside quotes. No expansion happens: the result goes to exec, not a shell.
 * @throws Error on an unterminated quote or a trailing backslash.
 */
export function splitShellWords(input: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < input.length; i += 1) {
    const ch = input[i] as string
    if (quote === "'") {
      if (ch === "'") quote = undefined
      else current += ch
      continue
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined
      else if (ch === '\\' && /["\\$`]/.test(input[i + 1] ?? '')) {
        current += input[i + 1]
        i += 1
      } else current += ch
      continue
    }
    if (ch === "'" || ch === '"') {
      quote = ch
      inWord = true
    } else if (ch === '\\') {
      const next = input[i + 1]
      if (next === undefined) throw new Error('ends with a backslash')
      current += next
      inWord = true
      i += 1
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += ch
      inWord = true
    }
  }
  if (quote !== undefined) throw new Error(`has an unterminated ${quote} quote`)
  if (inWord) words.push(current)
  return words
}

/** Quotes one argument for display so that a printed command can be pasted back into a shell. */
export function quoteShellWord(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}
