import fs from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../lib/config';
import * as schema from './schema';
import { ensurePgliteCluster } from './pglite-init';

export { schema };

/** Both drivers (node-postgres and PGlite) produce this, so the rest of the code is driver-blind. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction has the same query surface as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** One `T` per database handle, made on first use: prepared statements, caches tied to a handle. */
export function perDatabase<T>(make: (db: DbOrTx) => T): (db: DbOrTx) => T {
  const made = new WeakMap<DbOrTx, T>();
  return (db) => {
    if (!made.has(db)) made.set(db, make(db));
    return made.get(db)!;
  };
}

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  /**
   * Runs `fn` while holding a session-level advisory lock on a connection of its own, so another
   * process asking for the same key waits until `fn` is done (PGlite has one process: runs it).
   */
  exclusively<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** Where PGlite keeps its files when no databaseUrl is given. */
  dataDir: string;
  poolSize?: number;
  caPath?: string;
}

/**
 * node-postgres lets `sslmode`/`sslrootcert` in the URL replace a separately given `ssl` option
 * wholesale, so a CA passed beside `?sslmode=verify-full` would be silently dropped. With a CA
 * path, the certificate therefore goes into the `ssl` option and the URL's own SSL parameters are
 * taken out (`no-verify` keeps its meaning; anything else verifies against the CA).
 */
export function pgSslOptions(
  databaseUrl: string,
  caPath?: string,
): { connectionString: string; ssl?: { ca: string; rejectUnauthorized: boolean } } {
  if (!caPath) return { connectionString: databaseUrl };
  const url = new URL(databaseUrl);
  const mode = url.searchParams.get('sslmode');
  for (const p of ['sslmode', 'sslrootcert', 'ssl']) url.searchParams.delete(p);
  return {
    connectionString: url.toString(),
    ssl: { ca: fs.readFileSync(caPath, 'utf8'), rejectUnauthorized: mode !== 'no-verify' },
  };
}

/** The database the configuration names: Postgres when DATABASE_URL is set, else PGlite under DATA_DIR. */
export function databaseOptions(config: Config, overrides: Partial<OpenDatabaseOptions> = {}): OpenDatabaseOptions {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    caPath: config.databaseCaPath,
    ...overrides,
  };
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const { Pool } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new Pool({
      ...pgSslOptions(opts.databaseUrl, opts.caPath),
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
    });
    // A dropped connection (database restart) must not crash the process; the pool reconnects.
    pool.on('error', () => undefined);
    // The pool listens for errors only on idle clients: a client checked out (a transaction) when
    // the server goes away emits 'error' with no listener, which kills the process. Its query
    // still fails, and the pool discards it; found by the Postgres restart fault test.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    const db = drizzle(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      exclusively: async (key, fn) => {
        // Not from the pool: fn may need every pooled connection while this one waits on the lock.
        const { Client } = await import('pg');
        const holder = new Client({ ...pgSslOptions(opts.databaseUrl!, opts.caPath), connectionTimeoutMillis: 5000 });
        holder.on('error', () => undefined);
        await holder.connect();
        try {
          await holder.query('select pg_advisory_lock($1)', [key]);
          return await fn();
        } finally {
          // Closing the session releases the lock even if the unlock itself fails.
          await holder.query('select pg_advisory_unlock($1)', [key]).catch(() => undefined);
          await holder.end().catch(() => undefined);
        }
      },
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const dir = path.join(opts.dataDir, 'pglite');
  await ensurePgliteCluster(dir);
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    exclusively: (_key, fn) => fn(),
    close: () => client.close(),
  };
}
