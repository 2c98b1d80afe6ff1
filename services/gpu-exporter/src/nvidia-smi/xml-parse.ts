/** @module nvidia-smi `-q -x` text → the same object node-nvidia-smi returns (xml2js, explicitArray off, trimmed). */
import { parseString } from 'xml2js'

/** node-nvidia-smi's parser options, kept identical so its documented object shape holds. */
const OPTIONS = { explicitArray: false, trim: true, async: false } as const

/**
 * Parses synchronously (xml2js calls back before returning when `async` is off).
 * @throws Error when the text is not XML, or is XML without an `<nvidia_smi_log>` root.
 */
export function parseSmiXml(text: string): Record<string, unknown> {
  let parsed: unknown
  let failure: Error | undefined
  parseString(text, OPTIONS, (error, result) => {
    failure = error ?? undefined
    parsed = result
  })
  if (failure) throw new Error(`nvidia-smi output is not valid XML: ${failure.message.split('\n')[0]}`)
  const root = (parsed as Record<string, unknown> | null)?.nvidia_smi_log
  if (typeof root !== 'object' || root === null)
    throw new Error('nvidia-smi output has no <nvidia_smi_log> root')
  return root as Record<string, unknown>
}
