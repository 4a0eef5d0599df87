import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { migrate } from '../../db/migrate';

export const testDatabaseServerUrl = () => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends DatabaseHandle {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own on the real Postgres server, so test files never share rows. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: testDatabaseServerUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(testDatabaseServerUrl());
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '.data' });
  await migrate(handle);
  let closed = false;
  return {
    ...handle,
    url: url.toString(),
    name,
    close: async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
    },
    drop: async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
      const c = new Client({ connectionString: testDatabaseServerUrl() });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

export const testTemporalAddress = (): string => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest (globalSetup starts the dev server)');
  return address;
};

export const uniqueTaskQueue = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
