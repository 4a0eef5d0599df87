import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { MailCatcher } from './mail-catcher';
import { runChild } from './process';
import {
  ensureNamespace,
  ensureTemporalSchema,
  provisionTemporalServer,
  serverPorts,
  startTemporalServer,
  type RunningTemporalServer,
  type TemporalDatabaseSettings,
  type TemporalServerBinaries,
} from './temporal-server';

/**
 * The production topology of docker-compose.yml as plain processes on one host (no container
 * engine): the Temporal server on Postgres, `npm run migrate`, two workers, two API processes
 * on their own ports and an SMTP server. `npm run stack:prod` runs it; the deployment tests
 * drive it (kill a worker, restart Temporal, replace the workers).
 */
const ROOT = path.join(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** One process per app process (not tsx's launcher plus a child), so a signal reaches the app itself. */
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;

/** docker-compose.yml's database names (APP_DB_NAME's default, and the temporal-schema one-shot's). */
export const COMPOSE_DATABASES = {
  app: 'actionplan',
  temporal: 'temporal',
  visibility: 'temporal_visibility',
} as const;

export interface ProdStackOptions {
  /** A Postgres server and a role that may create databases (the app's and Temporal's two live there). */
  postgresUrl: string;
  databases: { app: string; temporal: string; visibility: string };
  temporalPort: number;
  apiPorts: [number, number];
  smtpPort: number;
  namespace: string;
  taskQueue: string;
  adminToken: string;
  /** Signs the audit chain (AUDIT_KEY, required in production); the same one for the life of the data. */
  auditKey: string;
  /** Logs, the mail store and the workflow bundle. */
  dataDir: string;
  /** Added to every app process's environment (for example LOG_LEVEL). */
  extraEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export class AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private text = '';

  constructor(
    readonly name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), entry], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (b: Buffer) => {
      this.text = (this.text + b.toString()).slice(-200_000);
      log.write(b);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        log.end();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.text;
  }

  /** SIGTERM (graceful: in-flight work finishes), SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

async function onServer<T>(postgresUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: postgresUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export class ProdStack {
  readonly catcher: MailCatcher;
  temporal?: RunningTemporalServer;
  workers: AppProcess[] = [];
  apis: AppProcess[] = [];
  bundlePath: string;
  private binaries?: TemporalServerBinaries;
  private readonly log: (line: string) => void;
  private serial = 0;

  constructor(readonly opts: ProdStackOptions) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    this.catcher = new MailCatcher({ port: opts.smtpPort, storeFile: path.join(opts.dataDir, 'mail.jsonl') });
    this.bundlePath = path.join(opts.dataDir, 'workflow-bundle.js');
    this.log = opts.log ?? (() => undefined);
  }

  get temporalDb(): TemporalDatabaseSettings {
    const u = new URL(this.opts.postgresUrl);
    return {
      host: u.hostname,
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username || 'postgres'),
      password: u.password ? decodeURIComponent(u.password) : undefined,
      database: this.opts.databases.temporal,
      visibilityDatabase: this.opts.databases.visibility,
    };
  }

  get databaseUrl(): string {
    const u = new URL(this.opts.postgresUrl);
    u.pathname = `/${this.opts.databases.app}`;
    return u.toString();
  }

  apiUrl(i: number): string {
    return `http://127.0.0.1:${this.opts.apiPorts[i]}`;
  }

  /** What every app process gets: the app service's environment in docker-compose.yml. */
  appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: '2',
      DATABASE_URL: this.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      TEMPORAL_ADDRESS: `127.0.0.1:${this.opts.temporalPort}`,
      TEMPORAL_NAMESPACE: this.opts.namespace,
      TEMPORAL_TASK_QUEUE: this.opts.taskQueue,
      SMTP_URL: this.catcher.url,
      MAIL_FROM: 'Safeguarding Board <actions@board.example.org>',
      PUBLIC_URL: this.apiUrl(0),
      BOARD_CHAIR_EMAIL: 'chair@board.example.org',
      WORKFLOW_BUNDLE_PATH: this.bundlePath,
      AUDIT_KEY: this.opts.auditKey,
      LOG_LEVEL: 'info',
      ...this.opts.extraEnv,
      ...extra,
    };
  }

  async start(): Promise<this> {
    const t0 = Date.now();
    const step = (what: string) => this.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
    this.binaries = await provisionTemporalServer({ log: this.log });
    // webpack runs while the Temporal side comes up (both take a while on a small machine).
    const bundled = fs.existsSync(this.bundlePath)
      ? Promise.resolve(this.bundlePath)
      : this.buildBundle(this.bundlePath);
    bundled.catch(() => undefined);
    step('Temporal schema (sql tool)');
    await ensureTemporalSchema(this.binaries.sql, this.temporalDb);
    await this.startTemporal();
    step(`Temporal server ready at ${this.temporal!.address}; namespace ${this.opts.namespace}`);
    await ensureNamespace(this.temporal!.address, this.opts.namespace);
    await this.catcher.start();
    await onServer(this.opts.postgresUrl, async (c) => {
      const exists = await c.query('select 1 from pg_database where datname = $1', [this.opts.databases.app]);
      if (exists.rowCount === 0) await c.query(`create database "${this.opts.databases.app.replace(/"/g, '""')}"`);
    });
    step('workflow bundle (npm run build:workflows)');
    await bundled;
    step('npm run migrate');
    await this.migrate();
    step('two workers, two API processes');
    this.workers = [this.startWorker(), this.startWorker()];
    this.apis = [this.startApi(0), this.startApi(1)];
    await Promise.all(this.apis.map((_, i) => this.waitReady(i)));
    step('ready');
    return this;
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startTemporalServer(
      this.binaries!.server,
      this.temporalDb,
      serverPorts(this.opts.temporalPort),
    );
  }

  /** Stops the Temporal server (SIGTERM) and starts it again on the same databases and ports. */
  async restartTemporal(): Promise<void> {
    await this.temporal?.stop();
    await this.startTemporal();
  }

  async migrate(env: Record<string, string> = {}): Promise<string> {
    const p = new AppProcess(
      'migrate',
      'db/migrate-cli.ts',
      this.appEnv({ ADMIN_TOKEN: this.opts.adminToken, ...env }),
      this.logFile('migrate'),
    );
    const code = await p.exited;
    if (code !== 0) throw new Error(`npm run migrate failed (exit ${code}): ${p.output()}`);
    return p.output();
  }

  async buildBundle(out: string, workflowsModule?: string): Promise<string> {
    await runChild(
      TSX,
      [path.join(ROOT, 'scripts', 'build-workflow-bundle.ts'), out, ...(workflowsModule ? [workflowsModule] : [])],
      'npm run build:workflows',
    );
    return out;
  }

  private logFile(name: string): string {
    return path.join(this.opts.dataDir, `${name}.log`);
  }

  startWorker(extra: Record<string, string> = {}): AppProcess {
    const name = `worker-${++this.serial}`;
    return new AppProcess(name, 'worker/main.ts', this.appEnv(extra), this.logFile(name));
  }

  startApi(i: number): AppProcess {
    return new AppProcess(
      `api-${i + 1}`,
      'api/main.ts',
      this.appEnv({ PORT: String(this.opts.apiPorts[i]) }),
      this.logFile(`api-${i + 1}`),
    );
  }

  async waitReady(i: number, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      const api = this.apis[i];
      if (api && !api.running) throw new Error(`API ${i + 1} exited:\n${api.output().slice(-3000)}`);
      try {
        const res = await fetch(`${this.apiUrl(i)}/readyz`, { signal: AbortSignal.timeout(10_000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`API ${i + 1} not ready after ${timeoutMs} ms: ${last}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((p) => p.stop(20_000).catch(() => undefined)));
    await this.temporal?.stop().catch(() => undefined);
    await this.catcher.stop().catch(() => undefined);
  }

  /** For tests: drops the three databases (the stack must be stopped). */
  async dropDatabases(): Promise<void> {
    await onServer(this.opts.postgresUrl, async (c) => {
      for (const name of Object.values(this.opts.databases))
        await c.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
    });
  }
}
