/** @module drizzle-kit configuration: `bunx drizzle-kit generate` turns the SQLite schema into committed migrations. */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.sqlite.ts',
  out: './drizzle',
})
