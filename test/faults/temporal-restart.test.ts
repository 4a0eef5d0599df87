/**
 * Fault scenario 4: a Temporal dev server of this test's own (state in a SQLite file) is
 * stopped and started on the same port while timers are pending.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startDevServer, type DevServer } from '../../lib/temporal-cli';
import { temporalRestarted } from './scenarios';
import { FaultStack } from './stack';

const SCALE = Number(process.env.FAULTS_SCALE ?? 40);
const dbFile = path.join(os.tmpdir(), `actionplan-faults-temporal-${process.pid}.db`);
let port = 0;
let server: DevServer;
let stack: FaultStack;
const start = () =>
  startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH!, port, headless: true, dbFilename: dbFile });
beforeAll(async () => {
  port = await freePort();
  server = await start();
  stack = await new FaultStack({ name: 'temporal', temporalAddress: server.address, log: console.log }).start();
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
});

it(`Temporal restarted with ${SCALE} workflows and their timers pending: histories intact, timers fire, the lifecycle goes on`, async () => {
  const restart = async () => {
    await server.stop();
    server = await start();
  };
  const r = await temporalRestarted(stack, { restart }, { scale: SCALE }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found).toMatchObject({ lost: 0, duplicates: 0, strays: 0 });
}, 900_000);
