/**
 * The embedded stack, assembled as scripts/start-embedded.ts does (a Temporal dev server with WAL
 * journaling, PGlite, the MailCatcher, worker and API in this one process), with a bench worker
 * whose bundle also holds the baselines' no-op workflows. `--postgres` swaps PGlite for a fresh
 * database on a Postgres server, to show where PGlite is the limit.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import { hashToken } from '../api/http/auth';
import type { LifecycleDeps } from '../api/use-cases/actions';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { migrate } from '../db/migrate';
import { agencies, users } from '../db/schema';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { MailCatcher } from '../lib/mail-catcher';
import { createMailer } from '../lib/mailer';
import { freePort, provisionTemporalCli, startDevServer, type DevServer } from '../lib/temporal-cli';
import { bundleInChildProcess } from '../worker/bundle-apart';
import { createWorker } from '../worker/create-worker';
import { DEMO_AGENCIES } from '../scripts/demo-data';
import type { Actor } from '../workflows/types';

export interface StackOptions {
  /** A Postgres server URL (a database of our own is created on it); omitted = PGlite. */
  postgresUrl?: string;
  /** Worker option; undefined = the SDK's default (derived from the heap limit). */
  maxCachedWorkflows?: number;
  log: (line: string) => void;
}

export interface Person {
  actor: Actor;
  token: string;
}

export class BenchStack {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionplan-bench-'));
  taskQueue = 'bench';
  catcher = new MailCatcher({ port: 0 });
  database!: DatabaseHandle;
  client!: Client;
  worker!: Worker;
  baseUrl!: string;
  admin!: Person;
  /** The owning agency's user (BHT), for evidence. */
  agencyUser!: Person;
  agencyIds: Record<string, string> = {};
  devServer?: DevServer;
  /** Mails as they are accepted over SMTP, with the instant they arrived. */
  arrivals: { at: number; kind: string; ref: string }[] = [];
  private server?: http.Server;
  private native?: NativeConnection;
  private running?: Promise<void>;
  private pgDatabaseName?: string;

  constructor(private readonly opts: StackOptions) {}

  get deps(): LifecycleDeps {
    return { db: this.database.db, client: this.client, taskQueue: this.taskQueue };
  }

  get dbKind(): string {
    return this.database.kind;
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    const cliPath = await provisionTemporalCli({ log });
    const port = await freePort();
    this.devServer = await startDevServer({
      cliPath,
      port,
      headless: true,
      dbFilename: path.join(this.dataDir, 'temporal.sqlite'),
      extraArgs: ['--sqlite-pragma', 'journal_mode=wal'],
    });
    log(`temporal dev server on ${this.devServer.address} (WAL)`);

    await this.catcher.start();
    this.catcher.onMail((m) => {
      this.arrivals.push({
        at: Date.now(),
        kind: m.headers['x-notification-kind'] ?? '',
        ref: m.headers['x-action-ref'] ?? '',
      });
      // Keep the catcher's own inbox from growing with every mail: only the arrival matters here.
      this.catcher.clear();
    });

    if (this.opts.postgresUrl) {
      this.pgDatabaseName = `bench_${Date.now().toString(36)}`;
      const admin = new PgClient({ connectionString: this.opts.postgresUrl });
      await admin.connect();
      await admin.query(`create database "${this.pgDatabaseName}"`);
      await admin.end();
      const url = new URL(this.opts.postgresUrl);
      url.pathname = `/${this.pgDatabaseName}`;
      this.database = await openDatabase({ databaseUrl: url.toString(), dataDir: this.dataDir });
    } else {
      this.database = await openDatabase({ dataDir: this.dataDir });
    }
    await migrate(this.database);
    await this.seed();

    const config = {
      ...loadConfig('embedded', { LOG_LEVEL: 'silent', NODE_ENV: 'production', ALLOW_SHORT_POLICIES: '1' }),
      publicUrl: 'http://bench.local',
    };
    const address = this.devServer.address;
    this.native = await NativeConnection.connect({ address });
    const activities = createActivities({
      db: this.database.db,
      mailer: createMailer(this.catcher.url, config.mailFrom),
      config: { publicUrl: config.publicUrl, boardChairEmail: 'chair@bench.local', mailFrom: config.mailFrom },
    });
    const started = Date.now();
    // The product's workflows plus the no-op baselines, bundled apart as the worker does.
    const bundle = await bundleInChildProcess(require.resolve('./workflows'));
    this.worker = await createWorker({
      connection: this.native,
      namespace: 'default',
      taskQueue: this.taskQueue,
      activities,
      workflowBundle: { codePath: bundle.codePath },
      maxCachedWorkflows: this.opts.maxCachedWorkflows,
    }).finally(bundle.remove);
    log(
      `workflows bundled (apart, as in production) and worker created in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    this.running = this.worker.run();

    this.client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
    const app = createApp({
      config,
      db: this.database.db,
      client: this.client,
      logger: createLogger({ logLevel: 'silent' }),
      taskQueue: this.taskQueue,
      authRateLimit: { max: 1_000_000, windowMs: 60_000 },
      readiness: async () => ({
        ready: true,
        checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
      }),
    });
    this.server = await new Promise<http.Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    const addr = this.server.address() as { port: number };
    this.baseUrl = `http://127.0.0.1:${addr.port}`;
  }

  private async seed(): Promise<void> {
    const db = this.database.db;
    const rows = await db.insert(agencies).values(DEMO_AGENCIES).returning();
    for (const r of rows) this.agencyIds[r.code] = r.id;
    const mk = async (name: string, role: 'admin' | 'board' | 'agency', agencyCode: string | null): Promise<Person> => {
      const token = `bench-${name}-${Math.random().toString(36).slice(2)}`;
      const agencyId = agencyCode ? this.agencyIds[agencyCode] : null;
      const [u] = await db
        .insert(users)
        .values({ name, email: `${name}@bench.local`, role, agencyId, tokenHash: hashToken(token) })
        .returning();
      return { token, actor: { userId: u.id, role, agencyId, name } };
    };
    this.admin = await mk('admin', 'admin', null);
    await mk('board', 'board', null);
    this.agencyUser = await mk('bht', 'agency', 'BHT');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.client?.connection.close().catch(() => undefined);
    await this.native?.close().catch(() => undefined);
    await this.catcher.stop().catch(() => undefined);
    await this.database?.close().catch(() => undefined);
    await this.devServer?.stop();
    if (this.pgDatabaseName && this.opts.postgresUrl) {
      const admin = new PgClient({ connectionString: this.opts.postgresUrl });
      await admin.connect();
      await admin.query(`drop database if exists "${this.pgDatabaseName}" with (force)`);
      await admin.end();
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
