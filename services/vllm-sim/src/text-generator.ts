/**
 * @module Output text as token strings. `echo` replays the prompt's tokens (cycling when more are asked for);
 * `random` draws words of at most 3 letters with a leading space, so every generated word is exactly one token of
 * our tokenizer and `countTokens(text)` of an output equals its completion_tokens.
 */
import { type Rng, randomInt } from './rng.ts'
import { splitTokens } from './tokenizer.ts'

export type OutputMode = 'echo' | 'random'

const WORDS = (
  'the a cat dog sat on mat and is it was of to in for you we run big red sun sky sea day new old one two all ' +
  'can not but up out see now how why who may say our its new far low top key map job art law war age air'
)
  .split(' ')
  .map((word) => ` ${word}`)

const CAPITALIZED = ['The', 'A', 'It', 'We', 'You', 'Our', 'Now', 'How', 'Why', 'Who', 'One', 'All']
const PUNCTUATION = ['.', '.', '.', ',', '!', '?']

/** `count` tokens of pseudo-random prose: sentences of 3 to 11 words ending with punctuation. */
export function randomTokens(count: number, rng: Rng): string[] {
  const out: string[] = []
  let sentenceLeft = 0
  while (out.length < count) {
    if (sentenceLeft === 0) {
      const first = CAPITALIZED[randomInt(rng, 0, CAPITALIZED.length - 1)] as string
      out.push(out.length === 0 ? first : ` ${first}`)
      sentenceLeft = randomInt(rng, 3, 11)
    } else if (sentenceLeft === 1) {
      out.push(PUNCTUATION[randomInt(rng, 0, PUNCTUATION.length - 1)] as string)
      sentenceLeft = 0
    } else {
      out.push(WORDS[randomInt(rng, 0, WORDS.length - 1)] as string)
      sentenceLeft -= 1
    }
  }
  return out
}

/** The tokens of `source`, repeated as needed to reach `count`; an empty source repeats a single space. */
export function echoTokens(source: string, count: number): string[] {
  const tokens = splitTokens(source)
  if (tokens.length === 0) return new Array<string>(count).fill(' ')
  if (count <= tokens.length) return tokens.slice(0, count)
  const out: string[] = []
  while (out.length < count) out.push(tokens[out.length % tokens.length] as string)
  return out
}
