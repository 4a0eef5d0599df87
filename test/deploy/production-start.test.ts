import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MailCatcher } from '../../lib/mail-catcher';
import { freePort } from '../../lib/temporal-cli';
import { testDatabaseServerUrl, testTemporalAddress, uniqueTaskQueue } from '../support/db';
import { alive, descendants, spawnLogged, waitForHttp, type Spawned } from '../support/processes';

/**
 * The production start path, as docker-compose.yml runs it: `npm run migrate` (one-shot, run
 * twice because the container re-runs it on every `up`), then `npm run worker` and `npm run api`
 * as separate processes configured only through their environment, against a fresh database
 * on the real Postgres, the run's Temporal server and an SMTP server. Ready means /readyz 200;
 * `docker stop` sends SIGTERM to npm, and both must then exit 0 well inside compose's grace period.
 */
jest.setTimeout(300_000);

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const ADMIN_TOKEN = `deploy-${randomBytes(16).toString('hex')}`;

let catcher: MailCatcher;
let dbName: string;
let dbUrl: string;
const started: Spawned[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-start-'));

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: testDatabaseServerUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const p = spawnLogged(args[0], args.slice(1), env, root);
  const code = await p.exited;
  return { code, out: p.output() };
}

beforeAll(async () => {
  catcher = new MailCatcher({ port: await freePort() });
  await catcher.start();
  // An empty database: the migrate step below is what creates the schema.
  dbName = `deploy_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`create database "${dbName}"`));
  const url = new URL(testDatabaseServerUrl());
  url.pathname = `/${dbName}`;
  dbUrl = url.toString();
});

afterAll(async () => {
  for (const p of started) {
    for (const pid of [p.child.pid!, ...descendants(p.child.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await catcher?.stop();
  if (dbName) await admin((c) => c.query(`drop database if exists "${dbName}" with (force)`));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('production start path (npm run migrate, worker, api as separate processes)', () => {
  let port: number;
  let env: NodeJS.ProcessEnv;
  let worker: Spawned;
  let api: Spawned;
  const logs = () => `--- worker ---\n${worker?.output()}\n--- api ---\n${api?.output()}`;

  beforeAll(async () => {
    port = await freePort();
    // Only what the containers get: no TEST_* variables, no embedded stand-ins.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('deploy'),
      SMTP_URL: catcher.url,
      MAIL_FROM: 'Safeguarding Board <actions@board.example.org>',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      BOARD_CHAIR_EMAIL: 'chair@board.example.org',
      ADMIN_TOKEN,
      AUDIT_KEY: 'a-production-audit-key-of-32-or-more-chars',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // As the image sets it: with dash as npm's script shell, SIGTERM to npm never reaches node.
      NPM_CONFIG_SCRIPT_SHELL: '/bin/bash',
    };
  });

  it('npm run migrate creates the schema in an empty database, and can run again', async () => {
    const first = await runToEnd(['npm', 'run', 'migrate'], env);
    expect({ code: first.code, out: first.out }).toEqual({ code: 0, out: expect.stringContaining('migrations applied (postgres)') });
    const again = await runToEnd(['npm', 'run', 'migrate'], env);
    expect({ code: again.code, out: again.out }).toEqual({ code: 0, out: expect.stringContaining('migrations applied (postgres)') });
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const r = await c.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
      expect(r.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['actions', 'agencies', 'audit_events', 'notifications']));
    } finally {
      await c.end();
    }
  });

  it('npm run worker and npm run api, started apart, become ready (/healthz, then /readyz 200)', async () => {
    worker = spawnLogged('npm', ['run', 'worker'], env, root);
    api = spawnLogged('npm', ['run', 'api'], env, root);
    started.push(worker, api);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000);
      const ready = await waitForHttp(`http://127.0.0.1:${port}/readyz`, 180_000);
      const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
      expect(body).toMatchObject({ ready: true, checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } } });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${logs()}`);
    }
    // Logs are pino JSON lines on stdout (what `docker compose logs` collects).
    const apiJson = api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(apiJson.some((l) => l.msg === 'API listening')).toBe(true);
    // The migrate step made ADMIN_TOKEN the bootstrap admin's: an operator can start administering.
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect({ status: me.status, body: await me.json() }).toEqual({ status: 200, body: expect.objectContaining({ role: 'admin', email: 'admin@localhost' }) });
  });

  it("passes the worker container's health check (a poller from this host on the task queue)", async () => {
    expect(api).toBeDefined();
    const health = await runToEnd([tsx, 'scripts/healthcheck-worker.ts'], env);
    expect({ code: health.code, out: health.out }).toEqual({ code: 0, out: '' });
  });

  it('serves Prometheus metrics on /metrics', async () => {
    expect(api).toBeDefined();
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^# (HELP|TYPE) /m);
  });

  it('stops both on SIGTERM (what docker stop sends to npm) with exit 0, promptly, leaving no process behind', async () => {
    expect(api).toBeDefined();
    const trees = [worker, api].map((p) => descendants(p.child.pid!));
    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 25_000).unref());
    const codes = await Promise.all([Promise.race([worker.exited, deadline]), Promise.race([api.exited, deadline])]);
    const elapsed = Date.now() - t0;
    expect({ codes, logs: codes.every((c) => c === 0) ? '' : logs() }).toEqual({ codes: [0, 0], logs: '' });
    expect(elapsed).toBeLessThan(20_000); // compose's stop_grace_period is 30s
    for (let i = 0; i < 25 && trees.flat().some(alive); i++) await new Promise((r) => setTimeout(r, 200));
    expect(trees.flat().filter(alive)).toEqual([]);
    expect(worker.output()).toContain('shutting down');
    expect(api.output()).toContain('shutting down');
  });

  it('build:workflows writes a bundle a production worker can load', async () => {
    const out = path.join(dataDir, 'workflow-bundle.js');
    const r = await runToEnd([tsx, 'scripts/build-workflow-bundle.ts', out], { PATH: process.env.PATH, HOME: process.env.HOME });
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining('workflow bundle written to') });
    const code = fs.readFileSync(out, 'utf8');
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).toContain('actionWorkflow');
    expect(code).toContain('recommendationWorkflow');
    // Written where it was asked (never into the shared dist/ a local worker would pick up), atomically.
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
