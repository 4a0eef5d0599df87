/**
 * The embedded database's cluster is created in a child process (db/pglite-init.ts) so initdb's
 * WebAssembly memory never stays in the long-running process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/client';
import { ensurePgliteCluster, isPgliteCluster } from '../../db/pglite-init';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-init-'));

it('creates the cluster once, in place, leaving nothing beside it', async () => {
  const root = tmp();
  const dir = path.join(root, 'pglite');
  fs.mkdirSync(dir); // an empty directory left by an older start
  await ensurePgliteCluster(dir);
  expect(isPgliteCluster(dir)).toBe(true);
  expect(fs.readdirSync(root)).toEqual(['pglite']);
  const version = fs.statSync(path.join(dir, 'PG_VERSION')).mtimeMs;
  await ensurePgliteCluster(dir);
  expect(fs.statSync(path.join(dir, 'PG_VERSION')).mtimeMs).toBe(version);
}, 60_000);

it('opens the cluster the child made, and what is written there survives a reopen', async () => {
  const dataDir = tmp();
  const first = await openDatabase({ dataDir });
  await first.db.execute('create table kept (v int)');
  await first.db.execute('insert into kept values (42)');
  await first.close();
  const again = await openDatabase({ dataDir });
  const res = (await again.db.execute('select v from kept')) as unknown as { rows: { v: number }[] };
  expect(res.rows).toEqual([{ v: 42 }]);
  await again.close();
}, 60_000);

it('refuses a directory that holds something other than a cluster, and leaves it as it was', async () => {
  const root = tmp();
  const dir = path.join(root, 'pglite');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a database');
  await expect(ensurePgliteCluster(dir)).rejects.toThrow(/holds files but no database/);
  expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  expect(fs.readdirSync(root)).toEqual(['pglite']);
}, 60_000);
