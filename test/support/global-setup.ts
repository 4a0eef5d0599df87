import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, provisionTemporalCli, startDevServer } from '../../lib/temporal-cli';

/**
 * One real Temporal dev server for the whole run (each test file uses its own task queue), and a
 * check that the real Postgres is there. Test files read the address from the environment.
 */
export const STATE_FILE = path.join(os.tmpdir(), `actionplan-jest-${process.pid}.json`);

export default async function globalSetup(): Promise<void> {
  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new Client({ connectionString: pgUrl });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(
      `The tests need a real Postgres at ${pgUrl} (set TEST_DATABASE_URL): ${(err as Error).message}.\n` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  process.env.TEST_DATABASE_URL = pgUrl;

  const cliPath = await provisionTemporalCli({ explicit: process.env.TEMPORAL_CLI_PATH || undefined });
  process.env.TEMPORAL_CLI_PATH = cliPath;
  if (!process.env.TEST_TEMPORAL_ADDRESS) {
    const port = await freePort();
    const server = await startDevServer({
      cliPath,
      port,
      headless: true,
      // Tests run many workflows at once; SQLite in WAL mode keeps the dev server responsive.
      extraArgs: ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'],
      dbFilename: path.join(os.tmpdir(), `actionplan-temporal-${process.pid}.db`),
    });
    process.env.TEST_TEMPORAL_ADDRESS = server.address;
    fs.writeFileSync(
      STATE_FILE,
      JSON.stringify({ pid: server.pid, db: path.join(os.tmpdir(), `actionplan-temporal-${process.pid}.db`) }),
    );
  }
}
