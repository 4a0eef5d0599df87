import { randomBytes } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { hashToken } from '../../api/http/auth';
import { freePort } from '../../lib/temporal-cli';
import { testDatabaseServerUrl, testTemporalAddress, uniqueTaskQueue } from '../support/db';
import { alive, descendants, spawnLogged, waitForHttp, type Spawned } from '../support/processes';

/**
 * The production start path, as docker-compose.yml runs it: `npm run migrate` (one-shot, run
 * twice because the container re-runs it on every `up`), then `npm run worker` and `npm run api`
 * as separate processes configured only through their environment, against a fresh database
 * on the real Postgres, the run's Temporal server and an SMTP server. Ready means /readyz 200,
 * which follows the workers' heartbeats; `docker stop` sends SIGTERM to npm, and each process
 * must then finish the work in flight and exit 0 well inside compose's grace period.
 */
jest.setTimeout(300_000);

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const ADMIN_TOKEN = `deploy-${randomBytes(16).toString('hex')}`;
/** An admin made directly in the database, so these tests do not depend on how ADMIN_TOKEN is bootstrapped. */
const OPERATOR_TOKEN = `operator-${randomBytes(16).toString('hex')}`;

/** The relay: a real SMTP server that can be told to take its time over each message. */
class SlowRelay {
  delayMs = 0;
  inFlight = 0;
  delivered: { subject: string }[] = [];
  private server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData: (stream, _session, callback) => {
      this.inFlight++;
      const delay = this.delayMs;
      simpleParser(stream)
        .then(async (parsed) => {
          await sleep(delay);
          this.delivered.push({ subject: parsed.subject ?? '' });
          callback();
        })
        .catch((err: Error) => callback(err))
        .finally(() => this.inFlight--);
    },
  });
  port = 0;
  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

let relay: SlowRelay;
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

/** Workers whose heartbeat row is fresh, read the way /readyz reads them. */
async function heartbeats(): Promise<number> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      "select count(*)::int as n from worker_heartbeats where seen_at > now() - interval '12 seconds'",
    );
    return r.rows[0].n;
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
  relay = new SlowRelay();
  await relay.start();
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
  await relay?.stop();
  if (dbName) await admin((c) => c.query(`drop database if exists "${dbName}" with (force)`));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('production start path (npm run migrate, worker, api as separate processes)', () => {
  let port: number;
  let metricsPort: number;
  let workerMetricsPort: number;
  let env: NodeJS.ProcessEnv;
  let worker: Spawned;
  let api: Spawned;
  const logs = () => `--- worker ---\n${worker?.output()}\n--- api ---\n${api?.output()}`;

  beforeAll(async () => {
    port = await freePort();
    metricsPort = await freePort();
    workerMetricsPort = await freePort();
    // Only what the containers get: no TEST_* variables, no embedded stand-ins.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('deploy'),
      SMTP_URL: relay.url,
      MAIL_FROM: 'Safeguarding Board <actions@board.example.org>',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      BOARD_CHAIR_EMAIL: 'chair@board.example.org',
      ADMIN_TOKEN,
      AUDIT_KEY: 'a-production-audit-key-of-32-or-more-chars',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      WORKER_METRICS_PORT: String(workerMetricsPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // As the image sets it: with dash as npm's script shell, SIGTERM to npm never reaches node.
      NPM_CONFIG_SCRIPT_SHELL: '/bin/bash',
    };
  });

  it('npm run migrate creates the schema in an empty database, and can run again', async () => {
    const first = await runToEnd(['npm', 'run', 'migrate'], env);
    expect({ code: first.code, out: first.out }).toEqual({
      code: 0,
      out: expect.stringContaining('migrations applied (postgres)'),
    });
    const again = await runToEnd(['npm', 'run', 'migrate'], env);
    expect({ code: again.code, out: again.out }).toEqual({
      code: 0,
      out: expect.stringContaining('migrations applied (postgres)'),
    });
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const r = await c.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      expect(r.rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining(['actions', 'agencies', 'audit_events', 'notifications']),
      );
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
      expect(body).toMatchObject({
        ready: true,
        checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
      });
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
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect({ status: me.status, body: await me.json() }).toEqual({
      status: 200,
      body: expect.objectContaining({ role: 'admin', email: 'admin@localhost' }),
    });
  });

  it("passes the worker container's health check (a poller from this host on the task queue)", async () => {
    expect(api).toBeDefined();
    const health = await runToEnd([tsx, 'scripts/healthcheck-worker.ts'], env);
    expect({ code: health.code, out: health.out }).toEqual({ code: 0, out: '' });
  });

  it("serves metrics: /metrics to an admin token or on METRICS_PORT, the SDK's on WORKER_METRICS_PORT", async () => {
    expect(api).toBeDefined();
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    await c.query(
      "insert into users (name, email, role, token_hash) values ('Operator', 'operator@board.example', 'admin', $1)",
      [hashToken(OPERATOR_TOKEN)],
    );
    await c.end();
    const anonymous = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(anonymous.status).toBe(401);
    const asAdmin = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await asAdmin.text()).toMatch(/^# (HELP|TYPE) /m);
    const scrapePort = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrapePort.status).toBe(200);
    expect(await scrapePort.text()).toMatch(/^actionplan_mails\{status="pending"\} \d+$/m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/v1/me`)).status).toBe(404);
    // The worker's: the Temporal SDK's own Prometheus exporter (pollers, slots, task latencies).
    const sdk = await waitForHttp(`http://127.0.0.1:${workerMetricsPort}/metrics`, 30_000);
    expect(await sdk.text()).toMatch(/^temporal_\w+/m);
  });

  it('a mail in flight at SIGTERM is delivered before the worker exits 0; /readyz then names the worker', async () => {
    expect(api).toBeDefined();
    const headers = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
    const post = (p: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(
      (await post('/api/v1/agencies', { code: 'GRC', name: 'Grace Trust', leadEmail: 'lead@grace.example' })).status,
    ).toBe(201);
    relay.delayMs = 6000;
    const review = await post('/api/v1/reviews', {
      reference: 'SIGTERM-1',
      title: 'Shutdown review',
      policy: { acknowledgeWithin: 'P30D', stallAfter: 'P30D', remindBefore: [] },
      recommendations: [
        {
          number: '1',
          text: 'Finish what was started',
          actions: [
            {
              agencyCode: 'GRC',
              title: 'Send the assignment',
              dueDate: new Date(Date.now() + 60 * 86400_000).toISOString().slice(0, 10),
            },
          ],
        },
      ],
    });
    expect(review.status).toBe(201);
    await until(() => relay.inFlight > 0, 60_000, 'the assignment mail reaching the relay');
    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    // The worker announces its going at once, while the send is still in flight.
    const notReady = await waitForHttp(`http://127.0.0.1:${port}/readyz`, 15_000, (st) => st === 503);
    const readyAfterMs = Date.now() - t0;
    const code = await Promise.race([worker.exited, sleep(30_000).then(() => 'timeout')]);
    const exitMs = Date.now() - t0;
    expect({ code, logs: code === 0 ? '' : logs() }).toEqual({ code: 0, logs: '' });
    expect(relay.delivered.map((m) => m.subject)).toEqual([expect.stringContaining('New action for ')]);
    expect(exitMs).toBeGreaterThanOrEqual(relay.delayMs - 1000); // it waited for the send
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const sent = await c.query<{ status: string }>("select status from notifications where kind = 'assignment'");
      expect(sent.rows.map((r) => r.status)).toEqual(['sent']);
    } finally {
      await c.end();
    }
    const body = (await notReady.json()) as {
      ready: boolean;
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(body).toEqual({
      ready: false,
      checks: {
        database: { ok: true },
        temporal: { ok: true },
        worker: { ok: false, detail: expect.stringMatching(/^no worker/) },
      },
    });
    process.stdout.write(
      `worker SIGTERM with a 6 s send in flight: /readyz 503 after ${readyAfterMs} ms, exit 0 after ${exitMs} ms\n`,
    );
    relay.delayMs = 0;
  });

  it('two workers: /readyz stays ready while one is left, and turns 503 within 15 s of the last one dying unannounced', async () => {
    expect(api).toBeDefined();
    const second = spawnLogged('npm', ['run', 'worker'], { ...env, WORKER_METRICS_PORT: '' }, root);
    const third = spawnLogged('npm', ['run', 'worker'], { ...env, WORKER_METRICS_PORT: '' }, root);
    started.push(second, third);
    await until(
      async () => (await heartbeats()) === 2,
      180_000,
      `two worker heartbeats\n${second.output()}\n${third.output()}`,
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await Promise.race([second.exited, sleep(30_000).then(() => 'timeout')])).toBe(0);
    // One worker left, past the point where a stopped worker's row would have gone stale.
    for (let i = 0; i < 8; i++) {
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      await sleep(2000);
    }
    // The last one is SIGKILLed: no goodbye, so only its heartbeat going stale tells.
    const t0 = Date.now();
    for (const pid of [third.child.pid!, ...descendants(third.child.pid!)])
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 20_000, (st) => st === 503);
    const after = Date.now() - t0;
    expect(after).toBeLessThan(15_000);
    process.stdout.write(`last worker SIGKILLed: /readyz 503 after ${after} ms\n`);
  });

  it('stops the API on SIGTERM with exit 0, answering the request in flight first, leaving no process behind', async () => {
    expect(api).toBeDefined();
    const tree = descendants(api.child.pid!);
    // A request whose body arrives slowly: in flight when SIGTERM lands, answered before the exit.
    const body = JSON.stringify({ code: 'SLW', name: 'Slow Services', leadEmail: 'lead@slow.example' });
    const inFlight = new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/agencies',
          headers: {
            authorization: `Bearer ${OPERATOR_TOKEN}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 3000);
    });
    await sleep(500);
    const t0 = Date.now();
    api.child.kill('SIGTERM');
    expect(await inFlight).toEqual({ status: 201 });
    const code = await Promise.race([api.exited, sleep(25_000).then(() => 'timeout')]);
    const elapsed = Date.now() - t0;
    expect({ code, logs: code === 0 ? '' : logs() }).toEqual({ code: 0, logs: '' });
    expect(elapsed).toBeLessThan(25_000); // compose's stop_grace_period is 30s
    for (let i = 0; i < 25 && [...tree, ...descendants(worker.child.pid!)].some(alive); i++) await sleep(200);
    expect([...tree, ...descendants(worker.child.pid!)].filter(alive)).toEqual([]);
    expect(worker.output()).toContain('shutting down');
    expect(api.output()).toContain('shutting down');
  });

  it('build:workflows writes a bundle a production worker can load', async () => {
    const out = path.join(dataDir, 'workflow-bundle.js');
    const r = await runToEnd([tsx, 'scripts/build-workflow-bundle.ts', out], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    expect({ code: r.code, out: r.out }).toEqual({
      code: 0,
      out: expect.stringContaining('workflow bundle written to'),
    });
    const code = fs.readFileSync(out, 'utf8');
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).toContain('actionWorkflow');
    expect(code).toContain('recommendationWorkflow');
    // Written where it was asked (never into the shared dist/ a local worker would pick up), atomically.
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
