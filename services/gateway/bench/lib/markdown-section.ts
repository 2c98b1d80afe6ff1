/** @module Replaces one `## heading` section of a Markdown file, leaving every other section as it was. */

/** Returns `markdown` with the section titled `heading` (a `## ` line) replaced by `body`, or appended when absent. */
export function replaceSection(markdown: string, heading: string, body: string): string {
  const lines = markdown.split('\n')
  const title = `## ${heading}`
  const start = lines.findIndex((line) => line.trim().toLowerCase() === title.toLowerCase())
  const section = [title, '', ...body.trimEnd().split('\n'), '']
  if (start === -1) {
    const trimmed = markdown.trimEnd()
    return `${trimmed}${trimmed === '' ? '' : '\n\n'}${section.join('\n')}`
  }
  let end = lines.findIndex((line, index) => index > start && /^#{1,2} /.test(line))
  if (end === -1) end = lines.length
  const after = lines.slice(end)
  return [...lines.slice(0, start), ...section, ...after].join('\n').replace(/\n*$/, '\n')
}
