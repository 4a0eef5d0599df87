/**
 * The real stack for fault injection: a worker that is a separate process (`tsx worker/main.ts`
 * in service mode, so it can be SIGKILLed), a real SMTP server (MailCatcher) this process can
 * stop and start, a Postgres database (the shared server, or a cluster the test owns), and a
 * Temporal server (the jest run's, or one the test owns). `check()` compares every outcome that
 * must hold after a fault: projection = workflow state, audit sequence without gaps, every
 * outbox row delivered exactly once at the SMTP server, nothing there that is not in the outbox.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { asc, eq, sql } from 'drizzle-orm';
import { hashToken } from '../../api/http/auth';
import { createReview } from '../../api/use-cases/reviews';
import type { LifecycleDeps } from '../../api/use-cases/actions';
import { verifyAuditChain } from '../../activities/audit';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { migrate } from '../../db/migrate';
import { actions, agencies, auditEvents, notifications, users } from '../../db/schema';
import { MailCatcher, type CaughtMail } from '../../lib/mail-catcher';
import { stateQuery } from '../../workflows/messages';
import type { Actor, Policy } from '../../workflows/types';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from '../support/db';
import { descendants, spawnLogged, type Spawned } from '../support/processes';
import { pool } from '../../lib/concurrency';

export { pool };

export const ROOT = path.join(__dirname, '..', '..');
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
export const CHAIR = 'chair@faults.test';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms: number,
  every = 500,
): Promise<T> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end)
      throw new Error(`${what}: not so after ${ms} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(every);
  }
}

export interface People {
  admin: Actor;
  board: Actor;
  csc: Actor;
  tokens: { admin: string; board: string; csc: string };
}

export interface FaultAction {
  id: string;
  workflowId: string;
  /** `X-Action-Ref` header value: review reference, space, action reference. */
  ref: string;
}

/** Which notification kind each audited transition mails (activities/mail-content.ts; docs/ARCHITECTURE.md, The action lifecycle). */
const MAIL_OF_EVENT: Record<string, string> = {
  assigned: 'assignment',
  reassigned: 'assignment',
  evidence_submitted: 'evidence_submitted',
  decided: 'decision',
  extension_decided: 'decision',
  cancelled: 'decision',
  reminder_sent: 'reminder',
  overdue_reminder_sent: 'overdue',
  escalation_raised: 'escalation',
  // Issue 17: the impact check after approval.
  impact_check_due: 'impact_request',
  impact_reminder_sent: 'impact_reminder',
  impact_evidence_submitted: 'impact_evidence_submitted',
  impact_decided: 'impact_decision',
};

export interface CheckReport {
  actions: number;
  auditEvents: number;
  outboxRows: number;
  mailsAtSmtp: number;
  /** Outbox rows never delivered. */
  lost: number;
  /**
   * Deliveries beyond the first for one idempotency key (same Message-ID). Only possible when a
   * crash tears a send: the SMTP server accepted it, the process died before the outbox row was
   * marked sent, and the retried activity sent it again (see docs/RELIABILITY.md).
   */
  duplicates: number;
  /** Mails at the SMTP server that no outbox row accounts for. */
  strays: number;
  problems: string[];
}

export interface FaultStackOptions {
  name: string;
  temporalAddress: string;
  /** A database URL the test owns (already created and migrated); else a fresh one on the shared server. */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export class FaultStack {
  catcher = new MailCatcher({ port: 0 });
  taskQueue: string;
  handle!: DatabaseHandle;
  client!: Client;
  people!: People;
  worker?: Spawned;
  workerStarts = 0;
  /** A worker that died without being killed by the test (reported as a problem by check()). */
  unexpectedExits: string[] = [];
  private testDb?: TestDatabase;
  private seq = 0;

  constructor(readonly opts: FaultStackOptions) {
    this.taskQueue = uniqueTaskQueue(`faults-${opts.name}`);
  }

  get db() {
    return this.handle.db;
  }

  get databaseUrl(): string {
    return this.opts.databaseUrl ?? this.testDb!.url;
  }

  get deps(): LifecycleDeps {
    return { db: this.db, client: this.client, taskQueue: this.taskQueue };
  }

  log(line: string): void {
    this.opts.log?.(`[${this.opts.name}] ${line}`);
  }

  async start(): Promise<this> {
    if (this.opts.databaseUrl) {
      this.handle = await openDatabase({ databaseUrl: this.opts.databaseUrl, dataDir: '.data', poolSize: 10 });
      await migrate(this.handle);
    } else {
      this.testDb = await createTestDatabase('faults');
      this.handle = this.testDb;
    }
    await this.catcher.start();
    this.client = new Client({ connection: await Connection.connect({ address: this.opts.temporalAddress }) });
    await this.seed();
    await this.startWorker();
    return this;
  }

  /** The environment of a real `npm run worker` pointed at this stack. */
  workerEnv(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: this.databaseUrl,
      DATABASE_POOL_SIZE: '10',
      TEMPORAL_ADDRESS: this.opts.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      SMTP_URL: this.catcher.url,
      BOARD_CHAIR_EMAIL: CHAIR,
      PUBLIC_URL: 'http://faults.test',
      LOG_LEVEL: 'info',
      // The scenarios run lifecycles on second-scale policies.
      ALLOW_SHORT_POLICIES: '1',
    };
  }

  /** Starts `tsx worker/main.ts` and waits until it polls (it bundles the workflows first). */
  async startWorker(): Promise<void> {
    const w = spawnLogged(TSX, [path.join(ROOT, 'worker', 'main.ts')], this.workerEnv(), ROOT);
    this.worker = w;
    void w.exited.then((code) => {
      if (this.worker === w) {
        this.unexpectedExits.push(`worker pid ${w.child.pid} exited ${code} by itself:\n${w.output().slice(-4000)}`);
        this.log(this.unexpectedExits[this.unexpectedExits.length - 1]);
      }
    });
    this.workerStarts += 1;
    const t0 = Date.now();
    await until(
      'worker polling',
      async () => {
        if (w.child.exitCode !== null)
          throw new Error(`worker exited ${w.child.exitCode}:\n${w.output().slice(-3000)}`);
        return w.output().includes('worker polling');
      },
      180_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${w.output().slice(-3000)}`);
    });
    this.log(`worker pid ${w.child.pid} polling after ${Date.now() - t0} ms`);
  }

  /** SIGKILL to the worker and everything it started: no shutdown, no in-flight activity finishes. */
  async killWorker(): Promise<void> {
    const w = this.worker;
    if (!w?.child.pid) return;
    const pids = [w.child.pid, ...descendants(w.child.pid)];
    for (const pid of pids.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.worker = undefined;
    await w.exited;
    this.log(`worker SIGKILLed (${pids.length} process(es))`);
  }

  async stopWorker(): Promise<void> {
    const w = this.worker;
    if (!w?.child.pid) return;
    this.worker = undefined;
    const pids = [w.child.pid, ...descendants(w.child.pid)];
    const killAll = () => {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    };
    w.child.kill('SIGTERM');
    const timer = setTimeout(killAll, 20_000);
    await w.exited;
    clearTimeout(timer);
    killAll();
  }

  async stop(): Promise<void> {
    await this.stopWorker().catch(() => undefined);
    await this.catcher.stop().catch(() => undefined);
    await this.client?.connection.close().catch(() => undefined);
    if (this.testDb) await this.testDb.drop().catch(() => undefined);
    else await this.handle?.close().catch(() => undefined);
  }

  private async seed(): Promise<void> {
    const db = this.db;
    const [csc] = await db
      .insert(agencies)
      .values({
        code: 'CSC',
        name: "Children's Social Care",
        leadEmail: 'lead@csc.test',
        seniorEmail: 'senior@csc.test',
      })
      .returning();
    await db
      .insert(agencies)
      .values({ code: 'POL', name: 'Police', leadEmail: 'lead@pol.test', seniorEmail: 'senior@pol.test' });
    const tokens = {
      admin: `adm-${Math.random().toString(36).slice(2)}x`,
      board: `brd-${Math.random().toString(36).slice(2)}x`,
      csc: `csc-${Math.random().toString(36).slice(2)}x`,
    };
    const mk = async (
      name: string,
      email: string,
      role: 'admin' | 'board' | 'agency',
      agencyId: string | null,
      token: string,
    ): Promise<Actor> => {
      const [u] = await db
        .insert(users)
        .values({ name, email, role, agencyId, tokenHash: hashToken(token) })
        .returning();
      return { userId: u.id, role, agencyId, name };
    };
    this.people = {
      admin: await mk('Admin', 'admin@faults.test', 'admin', null, tokens.admin),
      board: await mk('Board Member', 'member@faults.test', 'board', null, tokens.board),
      csc: await mk('CSC Worker', 'worker@csc.test', 'agency', csc.id, tokens.csc),
      tokens,
    };
  }

  /**
   * `count` CSC actions, `perRecommendation` to a recommendation, all due `dueInMs` from now.
   * Created in reviews of at most 100 actions (one createReview each).
   */
  async createActions(count: number, policy: Policy, dueInMs: number, perRecommendation = 4): Promise<FaultAction[]> {
    const out: FaultAction[] = [];
    const dueDate = new Date(Date.now() + dueInMs).toISOString();
    for (let made = 0; made < count;) {
      const n = Math.min(100, count - made);
      const reference = `${this.opts.name.toUpperCase()}-${++this.seq}`;
      const recs: {
        number: string;
        text: string;
        actions: { agencyCode: string; title: string; dueDate: string }[];
      }[] = [];
      for (let i = 0; i < n; i += perRecommendation) {
        const k = Math.min(perRecommendation, n - i);
        recs.push({
          number: String(recs.length + 1),
          text: `Recommendation ${recs.length + 1}`,
          actions: Array.from({ length: k }, (_, j) => ({ agencyCode: 'CSC', title: `Action ${i + j + 1}`, dueDate })),
        });
      }
      const { review } = await createReview(this.deps, this.people.admin, {
        reference,
        title: `Fault review ${reference}`,
        policy,
        recommendations: recs,
      });
      for (const rec of review.recommendations)
        for (const a of rec.actions)
          out.push({ id: a.id, workflowId: a.workflowId, ref: `${reference} ${a.reference}` });
      made += n;
    }
    return out;
  }

  /** Waits until every outbox row is sent and no new row or audit event appeared for `quietMs`. */
  async quiescent(workflowIds: string[], ms: number, quietMs = 3000): Promise<void> {
    let last = '';
    let since = Date.now();
    await until(
      'outbox drained and quiet',
      async () => {
        const r = (await this.db.execute(sql`select
            (select count(*) from notifications)::int as n,
            (select count(*) from notifications where status <> 'sent')::int as pending,
            (select count(*) from audit_events)::int as a`)) as unknown as {
          rows: { n: number; pending: number; a: number }[];
        };
        const now = JSON.stringify(r.rows[0]);
        if (now !== last) {
          last = now;
          since = Date.now();
          return false;
        }
        if (r.rows[0].pending !== 0 || Date.now() - since < quietMs) return false;
        // A mail still queued in a workflow (say its activity task was lost with a restarted
        // server and waits for its timeout) has no outbox row yet: wait for the activities too.
        const busy = await pool(
          workflowIds,
          16,
          async (id) => ((await this.client.workflow.getHandle(id).describe()).raw.pendingActivities?.length ?? 0) > 0,
        );
        const n = busy.filter(Boolean).length;
        if (n) this.log(`${n} workflow(s) still have activities pending`);
        return n === 0;
      },
      ms,
      1000,
    );
  }

  /** Mails at the SMTP server from this stack, grouped by Message-ID. */
  mailsById(): Map<string, CaughtMail[]> {
    const byId = new Map<string, CaughtMail[]>();
    for (const m of this.catcher.list()) {
      const id = (m.messageId ?? '').replace(/^<|>$/g, '');
      byId.set(id, [...(byId.get(id) ?? []), m]);
    }
    return byId;
  }

  /**
   * Everything that must hold once the stack is quiet: for each action, its row equals the
   * workflow's queried state, its audit events are seq 1..n without gap or repeat, and the mail
   * each audited transition calls for is in the outbox; every outbox row reached the SMTP server
   * exactly once (by its Message-ID) and the server received nothing else.
   */
  async check(list: FaultAction[], allowTornSends = false): Promise<CheckReport> {
    const problems: string[] = [];
    const note = (p: string) => {
      if (problems.length < 50) problems.push(p);
    };
    const rows = new Map((await this.db.select().from(actions)).map((r) => [r.id, r]));
    const events = await this.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    const outbox = await this.db.select().from(notifications);
    const eventsBy = new Map<string, typeof events>();
    for (const e of events) if (e.actionId) eventsBy.set(e.actionId, [...(eventsBy.get(e.actionId) ?? []), e]);
    const outboxBy = new Map<string, typeof outbox>();
    for (const o of outbox) if (o.actionId) outboxBy.set(o.actionId, [...(outboxBy.get(o.actionId) ?? []), o]);

    await pool(list, 16, async (a) => {
      const row = rows.get(a.id);
      if (!row) return note(`${a.ref}: no action row`);
      let state;
      try {
        state = await this.client.workflow.getHandle(a.workflowId).query(stateQuery);
      } catch (err) {
        return note(`${a.ref}: state query failed: ${String(err)}`);
      }
      const got = {
        status: row.status,
        escalationLevel: row.escalationLevel,
        dueDate: row.dueDate.toISOString(),
        seq: row.projectedSeq,
        outcome: row.outcome,
        assurance: row.assurance ?? null,
        impactCheckAt: row.impactCheckAt?.toISOString() ?? null,
      };
      const want = {
        status: state.stage,
        escalationLevel: state.escalationLevel,
        dueDate: state.dueDate,
        seq: state.seq,
        outcome: state.outcome,
        assurance: state.assurance ?? null,
        impactCheckAt: state.impactCheckAt ?? null,
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        note(`${a.ref}: row ${JSON.stringify(got)} but workflow ${JSON.stringify(want)}`);
      const evs = eventsBy.get(a.id) ?? [];
      const seqs = evs.map((e) => Number(e.eventKey.split(':').pop()));
      const expected = Array.from({ length: state.seq }, (_, i) => i + 1);
      if (JSON.stringify(seqs) !== JSON.stringify(expected))
        note(`${a.ref}: audit seqs ${JSON.stringify(seqs)}, workflow seq ${state.seq}`);
      if (evs[0]?.type !== 'assigned') note(`${a.ref}: the audit trail starts with ${evs[0]?.type}, not assigned`);
      const wantMail: Record<string, number> = {};
      for (const e of evs) {
        const kind = MAIL_OF_EVENT[e.type];
        if (kind) wantMail[kind] = (wantMail[kind] ?? 0) + 1;
      }
      const gotMail: Record<string, number> = {};
      for (const o of outboxBy.get(a.id) ?? []) gotMail[o.kind] = (gotMail[o.kind] ?? 0) + 1;
      const sortObj = (o: Record<string, number>) => JSON.stringify(Object.entries(o).sort());
      if (sortObj(wantMail) !== sortObj(gotMail))
        note(`${a.ref}: audited transitions call for mail ${sortObj(wantMail)}, outbox has ${sortObj(gotMail)}`);
    });

    const byId = this.mailsById();
    let lost = 0;
    let duplicates = 0;
    const known = new Set<string>();
    for (const o of outbox) {
      const id = (o.messageId ?? '').replace(/^<|>$/g, '');
      // Held for everyone it was meant for (issue 18): its content reaches them in their digest, a row of its own.
      if (o.status === 'digested') continue;
      if (o.status !== 'sent' || !id) {
        lost += 1;
        note(`outbox ${o.idempotencyKey}: ${o.status} after ${o.attempts} attempt(s): ${o.lastError ?? ''}`);
        continue;
      }
      known.add(id);
      const got = byId.get(id)?.length ?? 0;
      if (got === 0) {
        lost += 1;
        note(`outbox ${o.idempotencyKey}: marked sent, never reached the SMTP server`);
      } else if (got > 1) {
        duplicates += got - 1;
        // An attempt sends at most once; more deliveries than attempts would be a real double send.
        if (got > o.attempts) note(`outbox ${o.idempotencyKey}: delivered ${got} times in ${o.attempts} attempt(s)`);
        else if (!allowTornSends)
          note(
            `outbox ${o.idempotencyKey}: delivered ${got} times (${o.attempts} attempts) with no crash to tear a send`,
          );
      }
    }
    let strays = 0;
    for (const [id, mails] of byId) {
      if (!known.has(id)) {
        strays += mails.length;
        note(`SMTP server got ${mails.length} mail(s) with Message-ID ${id} that no sent outbox row names`);
      }
    }
    for (const e of this.unexpectedExits) note(e.slice(0, 1500));
    const chain = await verifyAuditChain(this.db);
    if (!chain.ok) note(`audit chain broken at row ${chain.firstBadId}`);
    return {
      actions: list.length,
      auditEvents: events.length,
      outboxRows: outbox.length,
      mailsAtSmtp: this.catcher.list().length,
      lost,
      duplicates,
      strays,
      problems,
    };
  }

  async auditTypes(actionId: string): Promise<string[]> {
    const evs = await this.db
      .select({ type: auditEvents.type })
      .from(auditEvents)
      .where(eq(auditEvents.actionId, actionId))
      .orderBy(asc(auditEvents.id));
    return evs.map((e) => e.type);
  }

  /** Activity attempts beyond the first, over the given workflows' histories (retries Temporal made). */
  async activityRetries(workflowIds: string[]): Promise<number> {
    const counts = await pool(workflowIds, 8, async (id) => {
      const h = await this.client.workflow.getHandle(id).fetchHistory();
      let n = 0;
      for (const e of h.events ?? []) {
        const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 0;
        if (attempt > 1) n += attempt - 1;
      }
      return n;
    });
    return counts.reduce((s, n) => s + n, 0);
  }
}
