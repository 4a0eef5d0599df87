import path from 'node:path';
import type { DatabaseHandle } from './client';

export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');

/** Applies the committed SQL migrations; already-applied ones are skipped, so running twice is a no-op. */
export async function migrate(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}
