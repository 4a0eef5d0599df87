/**
 * The API on the real stack: a fresh Postgres database, the shared Temporal dev server with a
 * worker on a task queue of its own, a real SMTP server, and the Express app from createApp.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { hashToken } from '../../api/http/auth';
import { agencies, users, type Role } from '../../db/schema';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { MailCatcher } from '../../lib/mail-catcher';
import { createMailer } from '../../lib/mailer';
import { createWorker } from '../../worker/create-worker';
import { bundle } from '../lifecycle/harness';
import { createTestDatabase, testTemporalAddress, uniqueTaskQueue, type TestDatabase } from '../support/db';
import { QUIET_POLICY } from '../support/quiet-policy';

export const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
export const EXAMPLE_AGENCIES = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'agencies.json'), 'utf8')) as {
  code: string;
  name: string;
  leadEmail: string;
  seniorEmail: string;
}[];

/** The callers of the authorization matrix. BHT owns the fixture actions; TVP is "another agency". */
export const CALLERS = ['none', 'bad', 'admin', 'board', 'boardOwner', 'owner', 'other', 'chair', 'inspector'] as const;
export type Caller = (typeof CALLERS)[number];

/** The stack's worker signs the audit chain with this (as AUDIT_KEY would in production). */
export const TEST_AUDIT_KEY = 'api-stack-audit-key-0123456789abcdef';

export interface StackOptions {
  worker?: boolean;
  authRateLimit?: { max: number; windowMs: number };
  /** Environment for the app's configuration, over the stack's defaults. */
  env?: Record<string, string>;
  /** Mount the embedded mode's mail inbox (on the stack's catcher). */
  inbox?: boolean;
}

export class ApiStack {
  db!: TestDatabase;
  app!: Express;
  catcher = new MailCatcher({ port: 0 });
  client!: Client;
  taskQueue = uniqueTaskQueue('api');
  tokens = {} as Record<Exclude<Caller, 'none' | 'bad'>, string>;
  agencyIds: Record<string, string> = {};
  private native?: NativeConnection;
  private worker?: Worker;
  private running?: Promise<void>;

  constructor(private readonly opts: StackOptions = {}) {}

  config!: Config;

  async start(): Promise<this> {
    this.db = await createTestDatabase('api');
    this.client = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
    await this.seed();
    const config = {
      ...loadConfig('embedded', { LOG_LEVEL: 'silent', NODE_ENV: 'test', ALLOW_SHORT_POLICIES: '1', ...this.opts.env }),
      publicUrl: this.opts.env?.PUBLIC_URL ?? 'http://api.test',
    };
    this.config = config;
    if (this.opts.worker !== false || this.opts.inbox) await this.startCatcher();
    if (this.opts.worker !== false) await this.startWorker();
    this.app = this.makeApp(config);
    return this;
  }

  /** Another app on the same database and Temporal: a second API process. */
  makeApp(config = this.config): Express {
    return createApp({
      config,
      db: this.db.db,
      client: this.client,
      logger: createLogger({ logLevel: (process.env.API_TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
      taskQueue: this.taskQueue,
      authRateLimit: this.opts.authRateLimit ?? { max: 1_000_000, windowMs: 60_000 },
      readiness: async () => ({
        ready: true,
        checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
      }),
      mailCatcher: this.opts.inbox ? this.catcher : undefined,
    });
  }

  /** The worker on this stack's task queue (started by start() unless `worker: false`). */
  async startWorker(): Promise<void> {
    const config = this.config;
    await this.startCatcher();
    this.native = await NativeConnection.connect({ address: testTemporalAddress() });
    const activities = createActivities({
      db: this.db.db,
      mailer: createMailer(this.catcher.url, config.mailFrom),
      config: { publicUrl: config.publicUrl, boardChairEmail: 'chair@board.test', mailFrom: config.mailFrom },
      auditKey: TEST_AUDIT_KEY,
    });
    this.worker = await createWorker({
      connection: this.native,
      namespace: 'default',
      taskQueue: this.taskQueue,
      activities,
      workflowBundle: await bundle(),
    });
    this.running = this.worker.run();
  }

  private catcherStarted = false;
  private async startCatcher(): Promise<void> {
    if (this.catcherStarted) return;
    this.catcherStarted = true;
    await this.catcher.start();
  }

  async stop(): Promise<void> {
    if (this.worker) {
      this.worker.shutdown();
      await this.running;
    }
    await this.catcher.stop().catch(() => undefined);
    await this.client.connection.close();
    await this.native?.close();
    await this.db.drop();
  }

  private async seed(): Promise<void> {
    const db = this.db.db;
    const rows = await db.insert(agencies).values(EXAMPLE_AGENCIES).returning();
    for (const r of rows) this.agencyIds[r.code] = r.id;
    const mk = async (key: keyof ApiStack['tokens'], role: Role, agencyCode: string | null) => {
      const token = `test-${key}-${Math.random().toString(36).slice(2)}`;
      await db.insert(users).values({
        name: key,
        email: `${key}@api.test`,
        role,
        agencyId: agencyCode ? this.agencyIds[agencyCode] : null,
        tokenHash: hashToken(token),
        ...(role === 'inspector' ? { accessExpiresAt: new Date(Date.now() + 30 * 86_400_000) } : {}),
      });
      this.tokens[key] = token;
    };
    await mk('admin', 'admin', null);
    await mk('board', 'board', null);
    await mk('boardOwner', 'board', 'BHT');
    await mk('owner', 'agency', 'BHT');
    await mk('other', 'agency', 'TVP');
    await mk('chair', 'chair', null);
    await mk('inspector', 'inspector', null);
  }

  /** A user of its own (for calls that change or end a token: the shared callers keep theirs). */
  async newUser(role: Role, agencyCode: string | null = null): Promise<{ id: string; token: string; tokenId: string }> {
    const token = `test-fresh-${randomUUID()}`;
    const [u] = await this.db.db
      .insert(users)
      .values({
        name: `Fresh ${role}`,
        email: `fresh-${randomUUID().slice(0, 8)}@api.test`,
        role,
        agencyId: agencyCode ? this.agencyIds[agencyCode] : null,
        tokenHash: hashToken(token),
        ...(role === 'inspector' ? { accessExpiresAt: new Date(Date.now() + 30 * 86_400_000) } : {}),
      })
      .returning({ id: users.id, tokenId: users.tokenId });
    return { id: u.id, token, tokenId: u.tokenId! };
  }

  /** The same role and agency as a matrix caller, but a user (and token) of its own. */
  async freshLike(caller: Exclude<Caller, 'none' | 'bad'>) {
    const shape = {
      admin: ['admin', null],
      board: ['board', null],
      boardOwner: ['board', 'BHT'],
      owner: ['agency', 'BHT'],
      other: ['agency', 'TVP'],
      chair: ['chair', null],
      inspector: ['inspector', null],
    } as const;
    const [role, agency] = shape[caller];
    return this.newUser(role, agency);
  }

  auth(caller: Caller): Record<string, string> {
    if (caller === 'none') return {};
    if (caller === 'bad') return { Authorization: 'Bearer not-a-real-token' };
    return { Authorization: `Bearer ${this.tokens[caller]}` };
  }

  get(url: string, caller: Caller = 'admin') {
    return request(this.app).get(url).set(this.auth(caller));
  }

  post(url: string, caller: Caller = 'admin') {
    return request(this.app).post(url).set(this.auth(caller));
  }

  put(url: string, caller: Caller = 'admin') {
    return request(this.app).put(url).set(this.auth(caller));
  }

  delete(url: string, caller: Caller = 'admin') {
    return request(this.app).delete(url).set(this.auth(caller));
  }

  /**
   * Waits until every action's workflow has projected its assignment: a large import's workflows
   * may still be starting on a loaded machine after the counts have held still for a second.
   */
  async assignmentsProjected(ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const res = (await this.db.db.execute(
        sql`select count(*)::int as n from actions a where not exists (select 1 from audit_events e where e.action_id = a.id and e.type = 'assigned')`,
      )) as unknown as { rows: { n: number }[] };
      if (res.rows[0].n === 0) return;
      if (Date.now() > end) throw new Error(`${res.rows[0].n} actions still not assigned`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /**
   * Rows per table, to show a refused request changed nothing. Workflows of earlier requests
   * keep projecting in the background, so this waits until the counts hold still.
   */
  async counts(): Promise<Record<string, number>> {
    let last = JSON.stringify(await this.rawCounts());
    let still = 0;
    for (let i = 0; i < 80; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const now = JSON.stringify(await this.rawCounts());
      still = now === last ? still + 1 : 0;
      // Quiet for about a second, even on a loaded machine.
      if (still >= 3) return JSON.parse(now) as Record<string, number>;
      last = now;
    }
    throw new Error('the database did not settle');
  }

  private async rawCounts(): Promise<Record<string, number>> {
    const res = (await this.db.db.execute(
      sql`select relname as t from pg_stat_user_tables where schemaname = 'public' order by relname`,
    )) as unknown as { rows: { t: string }[] };
    const out: Record<string, number> = {};
    for (const { t } of res.rows) {
      // Failure counters are not state a request changes (a refused one counts, by design).
      if (t === '__drizzle_migrations' || t === 'rate_limits') continue;
      const r = (await this.db.db.execute(sql.raw(`select count(*)::int as n from "${t}"`))) as unknown as {
        rows: { n: number }[];
      };
      out[t] = r.rows[0].n;
    }
    return out;
  }
}

export const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

/** The example plan as a POST /reviews body (the CSV is the single source). */
export function exampleReviewBody(reference = 'SCR-BABY-M') {
  const [, ...rows] = parse(fs.readFileSync(path.join(EXAMPLES, 'scr-baby-m-action-plan.csv'), 'utf8')) as string[][];
  const recs = new Map<
    string,
    {
      number: string;
      text: string;
      actions: { agencyCode: string; title: string; successMeasure: string; dueDate: string }[];
    }
  >();
  for (const [number, text, action, agencyCode, successMeasure, dueDate] of rows) {
    const rec = recs.get(number) ?? { number, text, actions: [] };
    rec.actions.push({ agencyCode, title: action, successMeasure, dueDate });
    recs.set(number, rec);
  }
  return {
    reference,
    title: 'Serious Case Review: Baby M',
    publishedOn: '2017-03-01',
    recommendations: [...recs.values()],
  };
}

export { QUIET_POLICY };
