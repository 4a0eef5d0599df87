import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../lib/temporal-cli';
import { testDatabaseServerUrl, testTemporalAddress, uniqueTaskQueue } from '../support/db';
import { spawnLogged, type Spawned } from '../support/processes';

/**
 * A worker that cannot reach its database (or Temporal) at start does not exit: it reports not
 * ready (no poller, the container health check fails naming the cause), retries, and starts
 * polling by itself once the database appears.
 */
jest.setTimeout(240_000);

const root = path.join(__dirname, '..', '..');
const node = [process.execPath, '--import', 'tsx'];
const name = `wready_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const url = (() => {
  const u = new URL(testDatabaseServerUrl());
  u.pathname = `/${name}`;
  return u.toString();
})();
const started: Spawned[] = [];

async function server(sql: string) {
  const c = new Client({ connectionString: testDatabaseServerUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await server(`drop database if exists "${name}" with (force)`);
});

const env = (over: Record<string, string>) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATABASE_URL: url,
  TEMPORAL_ADDRESS: testTemporalAddress(),
  TEMPORAL_TASK_QUEUE: uniqueTaskQueue('wready'),
  SMTP_URL: 'smtp://127.0.0.1:2',
  BOARD_CHAIR_EMAIL: 'chair@board.example.org',
  LOG_LEVEL: 'info',
  ...over,
});
const waitForText = async (p: Spawned, text: RegExp, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (text.test(p.output())) return;
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ${text} within ${ms} ms:\n${p.output()}`);
};

it('without its database: not ready (health check names the cause), keeps retrying, then polls once the database exists', async () => {
  const e = env({});
  const worker = spawnLogged(node[0], [...node.slice(1), 'worker/main.ts'], e, root);
  started.push(worker);
  await waitForText(worker, /not ready: the database at .* does not exist[^\n]*retrying/, 60_000);
  const health = spawnLogged(node[0], [...node.slice(1), 'scripts/healthcheck-worker.ts'], e, root);
  expect({ code: await health.exited, out: health.output().trim() }).toEqual({
    code: 1,
    out: expect.stringMatching(/does not exist: create it first/),
  });
  await waitForText(worker, /"tries":2/, 30_000);
  expect(worker.child.exitCode).toBeNull();

  await server(`create database "${name}"`);
  await waitForText(worker, /worker polling/, 180_000);
  expect(worker.output()).toMatch(/database: reachable again/);
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
});

it('without Temporal: says so, keeps retrying, stops cleanly on SIGTERM', async () => {
  await server(`create database "${name}"`).catch(() => undefined);
  const port = await freePort();
  const worker = spawnLogged(
    node[0],
    [...node.slice(1), 'worker/main.ts'],
    env({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }),
    root,
  );
  started.push(worker);
  await waitForText(
    worker,
    new RegExp(`not ready: cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(TEMPORAL_ADDRESS\\)`),
    90_000,
  );
  await waitForText(worker, /"tries":2/, 60_000);
  expect(worker.child.exitCode).toBeNull();
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
});
