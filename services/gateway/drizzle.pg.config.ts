/** @module drizzle-kit configuration for PostgreSQL: `bunx drizzle-kit generate --config drizzle.pg.config.ts`. */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.pg.ts',
  out: './drizzle/pg',
})
