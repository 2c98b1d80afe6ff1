/**
 * @module The simulator's own deterministic tokenizer. Text is pre-split like GPT-2 (a word keeps one leading space,
 * digits in groups of up to 3, punctuation runs, whitespace runs, special tokens such as `<|user|>`), and every
 * piece is cut into runs of at most 4 UTF-8 bytes without splitting a character. A token id packs the bytes of its
 * run, so ids never depend on a vocabulary file and `/detokenize` inverts `/tokenize` exactly.
 */

/** Special tokens, id = index. The chat template uses them so that per-message overhead is a fixed count. */
export const SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|end|>',
  '<|system|>',
  '<|user|>',
  '<|assistant|>',
  '<|tool|>',
  '<|developer|>',
] as const

const SPECIAL_IDS = new Map<string, number>(SPECIAL_TOKENS.map((token, id) => [token, id]))

/** First id of runs of 1, 2, 3 and 4 bytes: ids below 16 are special, then each length gets its own range. */
const BASE = [0, 16, 16 + 256, 16 + 256 + 65_536, 16 + 256 + 65_536 + 16_777_216] as const
const MAX_TOKEN_ID = (BASE[4] as number) + 4_294_967_296 - 1

const PIECE =
  /<\|(?:endoftext|end|system|user|assistant|tool|developer)\|>| ?\p{L}+| ?\p{N}{1,3}| ?(?:(?!<\|)[^\s\p{L}\p{N}])+|\s+|[^\s\p{L}\p{N}]/gu

const NON_ASCII = /[^\p{ASCII}]/u
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4
}

/** Cuts one pre-token into runs of at most 4 UTF-8 bytes, never inside a character. */
function cutPiece(piece: string, out: string[]): void {
  if (SPECIAL_IDS.has(piece)) {
    out.push(piece)
    return
  }
  if (!NON_ASCII.test(piece)) {
    for (let i = 0; i < piece.length; i += 4) out.push(piece.slice(i, i + 4))
    return
  }
  let run = ''
  let bytes = 0
  for (const char of piece) {
    const size = utf8Length(char.codePointAt(0) ?? 0)
    if (bytes + size > 4 && run !== '') {
      out.push(run)
      run = ''
      bytes = 0
    }
    run += char
    bytes += size
  }
  if (run !== '') out.push(run)
}

function countPiece(piece: string): number {
  if (SPECIAL_IDS.has(piece)) return 1
  if (!NON_ASCII.test(piece)) return Math.ceil(piece.length / 4)
  const runs: string[] = []
  cutPiece(piece, runs)
  return runs.length
}

/** The token strings of `text`, in order; joining them gives `text` back. */
export function splitTokens(text: string): string[] {
  const out: string[] = []
  for (const match of text.matchAll(PIECE)) cutPiece(match[0], out)
  return out
}

enum CharClass {
  Letter,
  Digit,
  Space,
  Other,
}

function classOf(code: number): CharClass {
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) return CharClass.Letter
  if (code >= 48 && code <= 57) return CharClass.Digit
  if (code === 32 || (code >= 9 && code <= 13)) return CharClass.Space
  return CharClass.Other
}

const SPECIAL_AT = /<\|(?:endoftext|end|system|user|assistant|tool|developer)\|>/y

/**
 * countTokens for ASCII text without the Unicode regex: the same pre-split rules as PIECE, scanned by char
 * class (the regex costs ~20 µs per chat request, this a small fraction of it). tokenizer.test.ts checks that
 * both agree on random text.
 */
function countAscii(text: string): number {
  let count = 0
  let i = 0
  const n = text.length
  const opensTag = (at: number) => text.charCodeAt(at) === 60 && text.charCodeAt(at + 1) === 124
  while (i < n) {
    if (opensTag(i)) {
      SPECIAL_AT.lastIndex = i
      if (SPECIAL_AT.test(text)) {
        count += 1
        i = SPECIAL_AT.lastIndex
        continue
      }
      // A lone "<" of "<|" that opens no special token is a piece of its own (the regex's last alternative).
      count += 1
      i += 1
      continue
    }
    const start = i
    let kind = classOf(text.charCodeAt(i))
    // One leading space joins a following word, number or punctuation run.
    if (text.charCodeAt(i) === 32 && i + 1 < n) {
      const next = classOf(text.charCodeAt(i + 1))
      if (
        next === CharClass.Letter ||
        next === CharClass.Digit ||
        (next === CharClass.Other && !opensTag(i + 1))
      ) {
        kind = next
        i += 1
      }
    }
    if (kind === CharClass.Digit) {
      const limit = i + 3
      while (i < n && i < limit && classOf(text.charCodeAt(i)) === CharClass.Digit) i += 1
    } else if (kind === CharClass.Other) {
      while (i < n && classOf(text.charCodeAt(i)) === CharClass.Other && !opensTag(i)) i += 1
    } else {
      while (i < n && classOf(text.charCodeAt(i)) === kind) i += 1
    }
    count += Math.ceil((i - start) / 4)
  }
  return count
}

/** How many tokens `text` has, without building the token list. */
export function countTokens(text: string): number {
  if (text === '') return 0
  if (!NON_ASCII.test(text)) return countAscii(text)
  let count = 0
  for (const match of text.matchAll(PIECE)) count += countPiece(match[0])
  return count
}

/** The id of one token string (as produced by splitTokens). */
export function tokenId(token: string): number {
  const special = SPECIAL_IDS.get(token)
  if (special !== undefined) return special
  const bytes = encoder.encode(token)
  let packed = 0
  for (const byte of bytes) packed = packed * 256 + byte
  return (BASE[bytes.length] ?? 0) + packed
}

export function encode(text: string): number[] {
  return splitTokens(text).map(tokenId)
}

export function isValidTokenId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_TOKEN_ID
}

function tokenBytes(id: number): number[] {
  let length = 4
  while (length > 1 && id < (BASE[length] as number)) length -= 1
  let packed = id - (BASE[length] as number)
  const bytes = new Array<number>(length)
  for (let i = length - 1; i >= 0; i -= 1) {
    bytes[i] = packed % 256
    packed = Math.floor(packed / 256)
  }
  return bytes
}

/**
 * Decodes token ids back to text. Byte runs are joined before UTF-8 decoding, so any sequence produced by
 * `encode` round-trips. @throws RangeError for an id that no token has.
 */
export function decode(ids: readonly number[]): string {
  const bytes: number[] = []
  let text = ''
  for (const id of ids) {
    if (!isValidTokenId(id)) throw new RangeError(`Token id ${id} is out of vocabulary`)
    if (id < 16) {
      const special = SPECIAL_TOKENS[id]
      if (special === undefined) throw new RangeError(`Token id ${id} is out of vocabulary`)
      text += decoder.decode(new Uint8Array(bytes)) + special
      bytes.length = 0
      continue
    }
    bytes.push(...tokenBytes(id))
  }
  return text + decoder.decode(new Uint8Array(bytes))
}

/** The string of a single token, as `/tokenize` reports it in `token_strs`. */
export function tokenString(id: number): string {
  return decode([id])
}
