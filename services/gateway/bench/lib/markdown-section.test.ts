import { describe, expect, test } from 'bun:test'
import { replaceSection } from './markdown-section.ts'

const doc =
  '# Benchmarks\n\nIntro.\n\n## limiter\n\nold limiter\n\n## gateway overhead\n\nold\n\n### detail\nx\n\n## quota flush\n\nq\n'

describe('replaceSection', () => {
  test('replaces only the named section, including its subsections', () => {
    const out = replaceSection(doc, 'gateway overhead', 'new table')
    expect(out).toBe(
      '# Benchmarks\n\nIntro.\n\n## limiter\n\nold limiter\n\n## gateway overhead\n\nnew table\n\n## quota flush\n\nq\n',
    )
  })

  test('appends the section when it is missing', () => {
    expect(replaceSection('# Benchmarks\n\nIntro.\n', 'gateway overhead', 'body')).toBe(
      '# Benchmarks\n\nIntro.\n\n## gateway overhead\n\nbody\n',
    )
    expect(replaceSection('', 'x', 'y')).toBe('## x\n\ny\n')
  })

  test('replaces a final section up to the end of the file', () => {
    const out = replaceSection('# B\n\n## gateway overhead\n\nold\n', 'gateway overhead', 'new')
    expect(out).toBe('# B\n\n## gateway overhead\n\nnew\n')
  })
})
