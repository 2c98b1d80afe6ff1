/** @module One error for every bad variable, so an operator fixes a config in one pass instead of one per restart. */

export class ConfigError extends Error {
  readonly problems: readonly string[]

  constructor(problems: readonly string[], subject = 'configuration') {
    super(`invalid ${subject}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}
