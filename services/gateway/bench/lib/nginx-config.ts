/** @module Renders the nginx config template: every {{NAME}} must be given, so a typo fails loudly. */

export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  const missing = new Set<string>()
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_all, name: string) => {
    const value = values[name]
    if (value === undefined) {
      missing.add(name)
      return ''
    }
    return String(value)
  })
  if (missing.size > 0) throw new Error(`template values missing: ${[...missing].join(', ')}`)
  return text
}
