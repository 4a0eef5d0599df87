import path from 'node:path';
import type { DatabaseHandle } from './client';

export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');

/** Arbitrary constant naming the migration lock (the audit chain's is 7_344_120_001). */
export const MIGRATION_LOCK_KEY = 7_344_120_002;

/**
 * Applies the committed SQL migrations; already-applied ones are skipped, so running twice is a
 * no-op. Two processes migrating at once (two replicas of a one-shot job) take turns on an
 * advisory lock: the second waits, then finds nothing left to do. `andThen` runs under the same
 * lock (the bootstrap admin, which two processes must not both create).
 */
export async function migrate(handle: DatabaseHandle, andThen?: () => Promise<void>): Promise<void> {
  await handle.exclusively(MIGRATION_LOCK_KEY, async () => {
    await applyMigrations(handle);
    await andThen?.();
  });
}

async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}
