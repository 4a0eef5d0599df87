/**
 * A real stack for lifecycle tests: a fresh Postgres database, a real SMTP server (MailCatcher),
 * the shared Temporal dev server and a worker on a task queue of its own.
 */
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { eq, sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { LifecycleDeps } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, users } from '../../db/schema';
import { MailCatcher, type CaughtMail } from '../../lib/mail-catcher';
import { createMailer } from '../../lib/mailer';
import { createWorker } from '../../worker/create-worker';
import type { CompressedClock } from '../../workflows/calendar';
import type { Actor, Policy } from '../../workflows/types';
import { createTestDatabase, testTemporalAddress, uniqueTaskQueue, type TestDatabase } from '../support/db';
import { saveHistoryFixture } from '../support/history';
import { QUIET_POLICY } from '../support/quiet-policy';

export const CHAIR = 'chair@board.test';
export const SLOW = QUIET_POLICY;

export function bundle(workflowsPath = require.resolve('../../workflows')): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
}

export interface People {
  admin: Actor;
  board: Actor;
  /** A board member who works for CSC: may not decide on CSC's actions. */
  boardFromCsc: Actor;
  csc: Actor;
  pol: Actor;
  agencyIds: { CSC: string; POL: string };
}

export class Harness {
  db!: TestDatabase;
  catcher = new MailCatcher({ port: 0 });
  client!: Client;
  taskQueue: string;
  people!: People;
  private nativeConnection!: NativeConnection;
  private worker?: Worker;
  private running?: Promise<void>;
  private seq = 0;

  constructor(
    private readonly name: string,
    private readonly workflowBundle: WorkflowBundleWithSourceMap,
    /** The run's shared dev server unless a test brings a server of its own. */
    private readonly temporalAddress = testTemporalAddress(),
  ) {
    this.taskQueue = uniqueTaskQueue(name);
  }

  get deps(): LifecycleDeps {
    return { db: this.db.db, client: this.client, taskQueue: this.taskQueue };
  }

  async start(): Promise<this> {
    this.db = await createTestDatabase('lc');
    await this.catcher.start();
    this.nativeConnection = await NativeConnection.connect({ address: this.temporalAddress });
    this.client = new Client({ connection: await Connection.connect({ address: this.temporalAddress }) });
    await this.seed();
    await this.startWorker();
    return this;
  }

  async startWorker(): Promise<void> {
    const activities = createActivities({
      db: this.db.db,
      mailer: createMailer(this.catcher.url, 'Safeguarding Board <actions@board.test>'),
      config: {
        publicUrl: 'http://app.test',
        boardChairEmail: CHAIR,
        mailFrom: 'Safeguarding Board <actions@board.test>',
      },
    });
    this.worker = await createWorker({
      connection: this.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      activities,
      workflowBundle: this.workflowBundle,
    });
    this.running = this.worker.run();
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    this.worker.shutdown();
    await this.running;
    this.worker = undefined;
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    await this.catcher.stop();
    await this.client.connection.close();
    await this.nativeConnection.close();
    await this.db.drop();
  }

  private async seed(): Promise<void> {
    const db = this.db.db;
    const [csc] = await db
      .insert(agencies)
      .values({
        code: 'CSC',
        name: "Children's Social Care",
        leadEmail: 'lead@csc.test',
        seniorEmail: 'senior@csc.test',
      })
      .returning();
    const [pol] = await db
      .insert(agencies)
      .values({ code: 'POL', name: 'Police', leadEmail: 'lead@pol.test', seniorEmail: 'senior@pol.test' })
      .returning();
    const mk = async (
      name: string,
      email: string,
      role: 'admin' | 'board' | 'agency',
      agencyId: string | null,
    ): Promise<Actor> => {
      const [u] = await db.insert(users).values({ name, email, role, agencyId }).returning();
      return { userId: u.id, role, agencyId, name };
    };
    this.people = {
      admin: await mk('Admin', 'admin@board.test', 'admin', null),
      board: await mk('Board Member', 'member@board.test', 'board', null),
      boardFromCsc: await mk('Board CSC', 'boardcsc@board.test', 'board', csc.id),
      csc: await mk('CSC Worker', 'worker@csc.test', 'agency', csc.id),
      pol: await mk('Police Officer', 'officer@pol.test', 'agency', pol.id),
      agencyIds: { CSC: csc.id, POL: pol.id },
    };
  }

  /** A review with one recommendation and the given actions (CSC unless said), returning the action ids. */
  async review(
    policy: Partial<Policy>,
    actionsSpec: { agencyCode?: string; dueInMs?: number; dueDate?: string }[] = [{ dueInMs: 30 * 86_400_000 }],
    opts: { calendarClock?: CompressedClock } = {},
  ) {
    const reference = `${this.name.toUpperCase()}-${++this.seq}`;
    const { review } = await createReview({ ...this.deps, calendarClock: opts.calendarClock }, this.people.admin, {
      reference,
      title: `Review ${reference}`,
      policy: { ...SLOW, ...policy },
      recommendations: [
        {
          number: '1',
          text: 'Agencies should share information about the child',
          actions: actionsSpec.map((a, i) => ({
            agencyCode: a.agencyCode ?? 'CSC',
            title: `Action ${i + 1}`,
            dueDate: a.dueDate ?? new Date(Date.now() + (a.dueInMs ?? 30 * 86_400_000)).toISOString(),
          })),
        },
      ],
    });
    const rec = review.recommendations[0];
    return {
      reference,
      review,
      rec,
      actionIds: rec.actions.map((a) => a.id),
      refs: rec.actions.map((a) => `${reference} ${a.reference}`),
    };
  }

  mailsFor(ref: string, kind?: string): CaughtMail[] {
    return this.catcher
      .list()
      .filter((m) => m.headers['x-action-ref'] === ref && (!kind || m.headers['x-notification-kind'] === kind));
  }

  waitMail(ref: string, kind: string, extra: (m: CaughtMail) => boolean = () => true, ms = 20000): Promise<CaughtMail> {
    return this.catcher.waitFor(
      (m) => m.headers['x-action-ref'] === ref && m.headers['x-notification-kind'] === kind && extra(m),
      ms,
    );
  }

  async action(id: string) {
    const [row] = await this.db.db.select().from(actions).where(eq(actions.id, id));
    return row;
  }

  /** Everything a refused Update must leave alone. */
  async snapshot(actionId: string) {
    const db = this.db.db;
    const counts = await db.execute(sql`select
      (select count(*) from audit_events where action_id = ${actionId}) as audit,
      (select count(*) from evidence where action_id = ${actionId}) as evidence,
      (select count(*) from decisions where action_id = ${actionId}) as decisions,
      (select count(*) from extension_requests where action_id = ${actionId}) as extensions,
      (select count(*) from escalations where action_id = ${actionId}) as escalations,
      (select count(*) from notifications where action_id = ${actionId}) as notifications`);
    const history = await this.client.workflow.getHandle(`action-${actionId}`).fetchHistory();
    return {
      row: await this.action(actionId),
      counts: (counts as unknown as { rows: unknown[] }).rows[0],
      events: history.events?.length ?? 0,
    };
  }

  /** Waits until the workflow has gone quiet (no new history events for a while). */
  async settled(actionId: string, quietMs = 700): Promise<void> {
    let last = -1;
    for (;;) {
      const h = await this.client.workflow.getHandle(`action-${actionId}`).fetchHistory();
      const n = h.events?.length ?? 0;
      if (n === last) return;
      last = n;
      await sleep(quietMs);
    }
  }

  /** Writes a workflow's history as JSON for the replay test (see test/fixtures/README.md). */
  async saveHistory(workflowId: string, file: string, runId?: string): Promise<void> {
    saveHistoryFixture(this.temporalAddress, workflowId, file, runId);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  ms = 20000,
  every = 200,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(every);
  }
}
