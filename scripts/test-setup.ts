/**
 * @module Preloaded by `bun test` (bunfig.toml). bunfig's `timeout` covers tests but not hooks, which keep Bun's 5 s
 * default: a beforeAll that boots servers on a loaded 2-core CI box needs the same room as a test.
 */
import { setDefaultTimeout } from 'bun:test'

setDefaultTimeout(30_000)
