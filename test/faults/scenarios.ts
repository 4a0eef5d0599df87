/**
 * The fault scenarios, each a function of its scale so the jest tests (small) and
 * `npm run soak` (large) run the same code. Each returns what it did and what it found; a
 * scenario passes when `problems` is empty.
 */
import net from 'node:net';
import { eq, isNull, sql } from 'drizzle-orm';
import { digestKey } from '../../activities/digest';
import { acknowledgeAction, cancelAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { setPreferences } from '../../api/use-cases/preferences';
import { actions, digestItems, notifications, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Policy } from '../../workflows/types';
import { FaultStack, pool, sleep, until, type CheckReport, type FaultAction } from './stack';

export type Log = (line: string) => void;

export interface ScenarioReport {
  scenario: string;
  did: Record<string, number | string>;
  found: Omit<CheckReport, 'problems'> & Record<string, number>;
  problems: string[];
}

/** Reminders and one overdue mail in seconds; nothing else fires during a run. */
export const fastPolicy = (remindBefore: string): Policy => ({
  acknowledgeWithin: 'P30D',
  remindBefore: [remindBefore],
  overdueReminderEvery: 'P30D',
  escalateAfterOverdue: ['P30D'],
  stallAfter: 'P30D',
  boardDecisionWithin: 'P30D',
});

/** Where each action is driven, by index: the four ends of the lifecycle. */
export type Plan = 'acknowledge' | 'evidence' | 'approve' | 'cancel';
export const PLANS: Plan[] = ['acknowledge', 'evidence', 'approve', 'cancel'];
export const STAGE_OF: Record<Plan, string> = {
  acknowledge: 'in_progress',
  evidence: 'under_review',
  approve: 'closed',
  cancel: 'cancelled',
};

export interface DriveStats {
  steps: number;
  retries: number;
  /** A retried step the workflow refused because its first attempt had already gone through. */
  alreadyApplied: number;
}

/**
 * One lifecycle step as a careful client does it: retry what failed for want of a worker or a
 * database (the Update is refused by the workflow if an earlier attempt already went through,
 * which is how a client learns it did), give up on nothing.
 */
async function step(stats: DriveStats, run: () => Promise<unknown>, deadlineMs = 600_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  stats.steps += 1;
  for (let attempt = 0; ; attempt++) {
    try {
      await run();
      return;
    } catch (err) {
      if (err instanceof AppError && err.kind === 'conflict' && attempt > 0) {
        stats.alreadyApplied += 1;
        return;
      }
      if (err instanceof AppError && err.kind !== 'unavailable') throw err;
      if (Date.now() > end) throw err;
      stats.retries += 1;
      await sleep(Math.min(250 * 2 ** attempt, 3000));
    }
  }
}

export async function driveAction(stack: FaultStack, a: FaultAction, plan: Plan, stats: DriveStats): Promise<void> {
  const { admin, board, csc } = stack.people;
  if (plan === 'cancel')
    return step(stats, () => cancelAction(stack.deps, admin, a.id, { reason: 'Superseded by a later review' }));
  await step(stats, () => acknowledgeAction(stack.deps, csc, a.id));
  if (plan === 'acknowledge') return;
  await step(stats, () => submitEvidence(stack.deps, csc, a.id, { statement: 'Policy rewritten and staff briefed' }));
  if (plan === 'evidence') return;
  await step(stats, () =>
    decideAction(stack.deps, board, a.id, { outcome: 'approve', comment: 'Evidence is sufficient' }),
  );
}

/** Final stages as planned; actions the agency still owes work on got their reminder and overdue mail once. */
export async function checkPlans(
  stack: FaultStack,
  list: FaultAction[],
  problems: string[],
  timers: boolean,
): Promise<void> {
  const status = new Map(
    (await stack.db.select({ id: actions.id, status: actions.status }).from(actions)).map((r) => [r.id, r.status]),
  );
  for (const [i, a] of list.entries()) {
    const plan = PLANS[i % PLANS.length];
    if (status.get(a.id) !== STAGE_OF[plan])
      problems.push(`${a.ref}: planned ${plan} so ${STAGE_OF[plan]}, is ${status.get(a.id)}`);
    if (timers && plan === 'acknowledge') {
      const types = await stack.auditTypes(a.id);
      const reminders = types.filter((t) => t === 'reminder_sent').length;
      const overdue = types.filter((t) => t === 'overdue_reminder_sent').length;
      // The reminder is skipped only if its instant had passed before the workflow started (a loaded machine).
      if (reminders > 1 || overdue !== 1)
        problems.push(
          `${a.ref}: ${reminders} reminder(s) and ${overdue} overdue mail(s), want at most 1 and exactly 1: ${types.join(',')}`,
        );
    }
  }
}

async function overdueFired(stack: FaultStack, list: FaultAction[]): Promise<boolean> {
  const owing = list.filter((_, i) => PLANS[i % PLANS.length] === 'acknowledge');
  for (const a of owing) if (!(await stack.auditTypes(a.id)).includes('overdue_reminder_sent')) return false;
  return true;
}

function report(
  scenario: string,
  did: ScenarioReport['did'],
  check: CheckReport,
  extra: Record<string, number> = {},
  more: string[] = [],
): ScenarioReport {
  const { problems, ...found } = check;
  return { scenario, did, found: { ...found, ...extra }, problems: [...more, ...problems] };
}

/**
 * 1. The worker is SIGKILLed `kills` times while `scale` actions are mid-lifecycle (Updates in
 * flight, reminder and overdue timers pending), and restarted each time.
 */
export async function workerKilled(
  stack: FaultStack,
  opts: { scale: number; kills: number; downMs?: number },
  log: Log,
): Promise<ScenarioReport> {
  const dueInMs = Math.max(45_000, opts.scale * 150);
  const list = await stack.createActions(opts.scale, fastPolicy(`PT${Math.round(dueInMs / 2000)}S`), dueInMs);
  log(`worker-kill: ${list.length} actions created, due in ${dueInMs / 1000} s`);
  const stats: DriveStats = { steps: 0, retries: 0, alreadyApplied: 0 };
  let finished = 0;
  const driving = pool(list, 16, async (a, i) => {
    await driveAction(stack, a, PLANS[i % PLANS.length], stats);
    finished += 1;
  });
  const killedAt: number[] = [];
  for (let k = 0; k < opts.kills; k++) {
    // Kill while Updates are in flight: after a share of the actions is through.
    const target = Math.floor((list.length * (k + 1)) / (opts.kills + 2));
    await until('drive progress', async () => finished >= target, 600_000, 100);
    killedAt.push(finished);
    await stack.killWorker();
    await sleep(opts.downMs ?? 2000);
    await stack.startWorker();
  }
  await driving;
  log(
    `worker-kill: ${stats.steps} Updates sent (${stats.retries} client retries, ${stats.alreadyApplied} found already applied); killed after ${killedAt.join(', ')} actions`,
  );
  await until('every overdue timer fired', () => overdueFired(stack, list), dueInMs + 300_000, 1000);
  await stack.quiescent(
    list.map((a) => a.workflowId),
    300_000,
  );
  const problems: string[] = [];
  await checkPlans(stack, list, problems, true);
  const check = await stack.check(list, true);
  const retries = await stack.activityRetries(list.map((a) => a.workflowId));
  return report(
    'worker SIGKILLed mid-lifecycle',
    { actions: list.length, kills: opts.kills, updates: stats.steps, clientRetries: stats.retries },
    check,
    { activityRetries: retries },
    problems,
  );
}

/** 2. SMTP down while mail is due, then up: each message delivered once, the outbox shows the attempts. */
export async function smtpDown(
  stack: FaultStack,
  opts: { scale: number; downMs: number },
  log: Log,
): Promise<ScenarioReport> {
  await stack.catcher.stop();
  const t0 = Date.now();
  const list = await stack.createActions(opts.scale, fastPolicy('PT1S'), 30 * 86_400_000);
  const stats: DriveStats = { steps: 0, retries: 0, alreadyApplied: 0 };
  // Updates are not held up by the mail queue: the lifecycle moves on while SMTP is down.
  await pool(list, 16, (a, i) => driveAction(stack, a, PLANS[i % PLANS.length], stats));
  const driveMs = Date.now() - t0;
  await until(
    'every action has a failed assignment mail in the outbox',
    async () => {
      const r = (await stack.db.execute(
        sql.raw(
          `select count(*)::int as n from notifications where kind = 'assignment' and status <> 'sent' and attempts >= 2 and last_error is not null`,
        ),
      )) as unknown as { rows: { n: number }[] };
      return r.rows[0].n >= list.length;
    },
    180_000,
    1000,
  );
  const remaining = opts.downMs - (Date.now() - t0);
  if (remaining > 0) await sleep(remaining);
  const downFor = Date.now() - t0;
  await stack.catcher.start();
  log(`smtp-down: ${list.length} actions driven in ${driveMs} ms with SMTP down; server up again after ${downFor} ms`);
  await stack.quiescent(
    list.map((a) => a.workflowId),
    300_000,
    5000,
  );
  const attempts = (await stack.db.execute(
    sql.raw(
      `select count(*)::int as rows, coalesce(sum(attempts),0)::int as total, coalesce(max(attempts),0)::int as max, count(*) filter (where attempts > 1)::int as retried from notifications`,
    ),
  )) as unknown as { rows: { rows: number; total: number; max: number; retried: number }[] };
  const a = attempts.rows[0];
  const problems: string[] = [];
  if (a.retried < list.length)
    problems.push(
      `only ${a.retried} outbox rows show more than one attempt; ${list.length} assignment mails failed first`,
    );
  await checkPlans(stack, list, problems, false);
  const check = await stack.check(list);
  return report(
    'SMTP down, then up',
    { actions: list.length, smtpDownMs: downFor, updates: stats.steps },
    check,
    { sendAttempts: a.total, rowsRetried: a.retried, maxAttemptsOneRow: a.max },
    problems,
  );
}

// ---- over HTTP, as a client of the API would ----

export interface HttpStats extends DriveStats {
  statuses: Record<string, number>;
}

/** One POST as a careful client makes it: the same Idempotency-Key on every retry, retry on 5xx or no answer. */
async function httpStep(
  stats: HttpStats,
  url: string,
  token: string,
  body: unknown,
  deadlineMs = 600_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  const key = `step-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  stats.steps += 1;
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let detail = '';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Idempotency-Key': key,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      status = res.status;
      detail = await res.text();
    } catch (err) {
      detail = String(err);
    }
    stats.statuses[String(status)] = (stats.statuses[String(status)] ?? 0) + 1;
    if (status >= 200 && status < 300) return;
    if (status === 409 && attempt > 0 && !detail.includes('still in progress')) {
      stats.alreadyApplied += 1;
      return;
    }
    if (status !== 0 && status < 500 && !(status === 409 && detail.includes('still in progress')))
      throw new Error(`POST ${url}: ${status} ${detail}`);
    if (Date.now() > end) throw new Error(`POST ${url}: still ${status} ${detail} after ${deadlineMs} ms`);
    stats.retries += 1;
    await sleep(Math.min(250 * 2 ** attempt, 3000));
  }
}

export async function driveOverHttp(
  stack: FaultStack,
  baseUrl: string,
  a: FaultAction,
  plan: Plan,
  stats: HttpStats,
): Promise<void> {
  const { tokens } = stack.people;
  const u = (p: string) => `${baseUrl}/api/v1/actions/${a.id}/${p}`;
  if (plan === 'cancel') return httpStep(stats, u('cancel'), tokens.admin, { reason: 'Superseded by a later review' });
  await httpStep(stats, u('acknowledge'), tokens.csc, undefined);
  if (plan === 'acknowledge') return;
  await httpStep(stats, u('evidence'), tokens.csc, { statement: 'Policy rewritten and staff briefed' });
  if (plan === 'evidence') return;
  await httpStep(stats, u('decision'), tokens.board, { outcome: 'approve', comment: 'Evidence is sufficient' });
}

async function readyStatus(baseUrl: string): Promise<number> {
  try {
    return (await fetch(`${baseUrl}/readyz`)).status;
  } catch {
    return 0;
  }
}

/**
 * 3. Postgres (a cluster the test owns) restarted while the API and worker are under load:
 * no transition lost, activities retried, /readyz 503 meanwhile, then 200 again by itself.
 */
export async function postgresRestarted(
  stack: FaultStack,
  api: { url: string },
  db: { stop(): void; start(): void },
  opts: { scale: number; downMs: number },
  log: Log,
): Promise<ScenarioReport> {
  const list = await stack.createActions(opts.scale, fastPolicy('PT1S'), 30 * 86_400_000);
  await until('API ready', async () => (await readyStatus(api.url)) === 200, 60_000);
  const stats: HttpStats = { steps: 0, retries: 0, alreadyApplied: 0, statuses: {} };
  let finished = 0;
  const driving = pool(list, 12, async (a, i) => {
    await driveOverHttp(stack, api.url, a, PLANS[i % PLANS.length], stats);
    finished += 1;
  });
  await until('drive progress', async () => finished >= Math.floor(list.length / 4), 600_000, 100);
  const stoppedAt = Date.now();
  db.stop();
  log(`postgres-restart: database stopped after ${finished} of ${list.length} actions`);
  const readyWhileDown: Record<string, number> = {};
  while (Date.now() - stoppedAt < opts.downMs) {
    const s = await readyStatus(api.url);
    readyWhileDown[s] = (readyWhileDown[s] ?? 0) + 1;
    await sleep(500);
  }
  db.start();
  const startedAt = Date.now();
  await until('/readyz 200 again', async () => (await readyStatus(api.url)) === 200, 120_000, 250);
  const recoveredMs = Date.now() - startedAt;
  log(
    `postgres-restart: down ${startedAt - stoppedAt} ms; /readyz while down ${JSON.stringify(readyWhileDown)}; 200 again ${recoveredMs} ms after start`,
  );
  await driving;
  await stack.quiescent(
    list.map((a) => a.workflowId),
    300_000,
  );
  const problems: string[] = [];
  if (!readyWhileDown['503'])
    problems.push(`/readyz never answered 503 while the database was down: ${JSON.stringify(readyWhileDown)}`);
  if (Object.keys(readyWhileDown).some((s) => s !== '503'))
    problems.push(`/readyz answered other than 503 while down: ${JSON.stringify(readyWhileDown)}`);
  await checkPlans(stack, list, problems, false);
  const check = await stack.check(list);
  const retries = await stack.activityRetries(list.map((a) => a.workflowId));
  const s500 = stats.statuses['500'] ?? 0;
  return report(
    'Postgres restarted under load',
    {
      actions: list.length,
      requests: Object.values(stats.statuses).reduce((x, y) => x + y, 0),
      databaseDownMs: startedAt - stoppedAt,
    },
    check,
    {
      activityRetries: retries,
      clientRetries: stats.retries,
      http500: s500,
      http503: stats.statuses['503'] ?? 0,
      readyz503WhileDown: readyWhileDown['503'] ?? 0,
      readyRecoveredMs: recoveredMs,
    },
    problems,
  );
}

/**
 * 4. The Temporal dev server (state persisted in SQLite) stopped and started on the same port
 * with timers pending: workflows, histories and timers intact, the lifecycle continues.
 */
export async function temporalRestarted(
  stack: FaultStack,
  temporal: { restart(): Promise<void> },
  opts: { scale: number },
  log: Log,
): Promise<ScenarioReport> {
  const dueInMs = Math.max(45_000, opts.scale * 150);
  const list = await stack.createActions(opts.scale, fastPolicy(`PT${Math.round(dueInMs / 2000)}S`), dueInMs);
  const stats: DriveStats = { steps: 0, retries: 0, alreadyApplied: 0 };
  const { admin, csc, board } = stack.people;
  // First half of each plan before the restart.
  await pool(list, 16, (a, i) =>
    PLANS[i % PLANS.length] === 'cancel'
      ? step(stats, () => cancelAction(stack.deps, admin, a.id, { reason: 'Superseded by a later review' }))
      : step(stats, () => acknowledgeAction(stack.deps, csc, a.id)),
  );
  await sleep(2000);
  const before = await pool(list, 8, async (a) => {
    const h = await stack.client.workflow.getHandle(a.workflowId).fetchHistory();
    return (h.events ?? []).map((e) => `${String(e.eventId)}:${String(e.eventType)}`);
  });
  const t0 = Date.now();
  await temporal.restart();
  log(
    `temporal-restart: server restarted in ${Date.now() - t0} ms with ${before.reduce((s, h) => s + h.length, 0)} history events recorded`,
  );
  const problems: string[] = [];
  await pool(list, 8, async (a, i) => {
    const h = await until(
      'history readable',
      async () => stack.client.workflow.getHandle(a.workflowId).fetchHistory(),
      120_000,
      1000,
    );
    const after = (h.events ?? []).map((e) => `${String(e.eventId)}:${String(e.eventType)}`);
    if (JSON.stringify(after.slice(0, before[i].length)) !== JSON.stringify(before[i]))
      problems.push(`${a.ref}: history changed across the restart`);
  });
  // The rest of each plan after it.
  await pool(list, 16, async (a, i) => {
    const plan = PLANS[i % PLANS.length];
    if (plan === 'evidence' || plan === 'approve')
      await step(stats, () =>
        submitEvidence(stack.deps, csc, a.id, { statement: 'Policy rewritten and staff briefed' }),
      );
    if (plan === 'approve')
      await step(stats, () =>
        decideAction(stack.deps, board, a.id, { outcome: 'approve', comment: 'Evidence is sufficient' }),
      );
  });
  await until('every overdue timer fired', () => overdueFired(stack, list), dueInMs + 300_000, 1000);
  await stack.quiescent(
    list.map((a) => a.workflowId),
    300_000,
  );
  await checkPlans(stack, list, problems, true);
  const check = await stack.check(list);
  return report(
    'Temporal dev server restarted (persisted)',
    {
      actions: list.length,
      historyEventsBefore: before.reduce((s, h) => s + h.length, 0),
      updates: stats.steps,
      clientRetries: stats.retries,
    },
    check,
    {},
    problems,
  );
}

/**
 * 6. The daily digest (issue 18) with the worker SIGKILLed twice: at the instant the morning's run
 * starts (the Schedule's 08:00), and while every digest is stored and being sent (the SMTP server
 * accepts connections but answers nothing, so each send hangs in the worker). `scale` people take
 * reminders in their digest; `actions` reminders each put one item in every one of their digests.
 * After restarts, each person has exactly one digest for the day (one outbox row, one Message-ID
 * at the SMTP server) listing every item, and no item is left unclaimed or claimed twice.
 */
export async function digestWorkerKilled(
  stack: FaultStack,
  opts: { scale: number; actions: number; day: string },
  log: Log,
): Promise<ScenarioReport> {
  const problems: string[] = [];
  const people: { id: string; email: string }[] = [];
  for (let i = 0; i < opts.scale; i++) {
    const email = `digest${i}@csc.test`;
    const [u] = await stack.db
      .insert(users)
      .values({ name: `Digest Reader ${i}`, email, role: 'agency', agencyId: stack.people.csc.agencyId })
      .returning({ id: users.id });
    await setPreferences(
      stack.db,
      { userId: u.id, role: 'agency', agencyId: stack.people.csc.agencyId, name: `Digest Reader ${i}` },
      { delivery: { reminder: 'digest' } },
    );
    people.push({ id: u.id, email });
  }
  // No owner named: each reminder goes to the agency's lead (at once) and its people (digest).
  const list = await stack.createActions(opts.actions, fastPolicy('PT3592S'), 3_600_000);
  const itemsWanted = opts.scale * opts.actions;
  const pendingItems = async () =>
    (
      await stack.db
        .select({ n: sql<number>`count(*)::int` })
        .from(digestItems)
        .where(isNull(digestItems.digestKey))
    )[0].n;
  await until('every reminder held for the digests', async () => (await pendingItems()) >= itemsWanted, 180_000);
  log(`digest-kill: ${itemsWanted} items waiting for ${opts.scale} people`);

  const digestRows = () => stack.db.select().from(notifications).where(eq(notifications.kind, 'digest'));
  const handle = await stack.client.workflow.start('digestWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `digest-${stack.taskQueue}-${opts.day}`,
    args: [{ day: opts.day }],
  });
  // Kill 1: the instant the morning's run has started.
  await stack.killWorker();
  const storedAtFirstKill = (await digestRows()).length;

  // The SMTP server hangs: the catcher is stopped and a server that never greets takes its port.
  await stack.catcher.stop();
  const sockets = new Set<net.Socket>();
  let smtpConnections = 0;
  const blackHole = net.createServer((s) => {
    smtpConnections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => blackHole.listen(stack.catcher.port, '127.0.0.1', () => r()));
  await stack.startWorker();
  await until(
    'every digest stored and being sent',
    async () => (await digestRows()).length === opts.scale && smtpConnections > 0,
    180_000,
    100,
  );
  const rowsAtSecondKill = await digestRows();
  // Kill 2: every digest stored, sends hanging in the worker.
  await stack.killWorker();
  const sentAtSecondKill = rowsAtSecondKill.filter((r) => r.status === 'sent').length;
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => blackHole.close(() => r()));
  await stack.catcher.start();
  await stack.startWorker();

  const result = (await handle.result()) as { day: string; sent: number };
  await stack.quiescent(
    list.map((a) => a.workflowId),
    240_000,
  );
  // The same morning run again (a second Schedule action, say): nothing more is sent.
  await stack.client.workflow.execute('digestWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `digest-${stack.taskQueue}-${opts.day}-again`,
    args: [{ day: opts.day }],
  });

  const rows = await digestRows();
  const mails = stack.catcher.list().filter((m) => m.headers['x-notification-kind'] === 'digest');
  let listed = 0;
  for (const p of people) {
    const mine = rows.filter((r) => r.idempotencyKey === digestKey(p.id, opts.day));
    if (mine.length !== 1 || mine[0].status !== 'sent') {
      problems.push(`${p.email}: ${mine.length} digest row(s), ${mine.map((r) => r.status).join(', ')}`);
      continue;
    }
    const items = Number(mine[0].headers['X-Digest-Items']);
    listed += items;
    if (items !== opts.actions) problems.push(`${p.email}: the digest lists ${items} items, not ${opts.actions}`);
    const ids = new Set(mails.filter((m) => m.to.includes(p.email)).map((m) => m.messageId));
    if (ids.size !== 1) problems.push(`${p.email}: ${ids.size} distinct digests at the SMTP server`);
  }
  const unclaimed = await pendingItems();
  if (unclaimed) problems.push(`${unclaimed} digest item(s) never claimed`);
  if (rows.length !== opts.scale) problems.push(`${rows.length} digest rows for ${opts.scale} people`);
  if (result.sent !== opts.scale) problems.push(`the run reports ${result.sent} digests sent, not ${opts.scale}`);
  if (sentAtSecondKill !== 0) problems.push(`${sentAtSecondKill} digest(s) already sent at the second kill`);
  const check = await stack.check(list, true);
  log(
    `digest-kill: stored ${storedAtFirstKill} at the first kill, ${rowsAtSecondKill.length} (none sent, ${smtpConnections} SMTP connections hanging) at the second; ${mails.length} digest mails delivered`,
  );
  return report(
    'worker SIGKILLed at the digest instant and mid-send',
    { people: opts.scale, actions: list.length, kills: 2, day: opts.day },
    check,
    {
      digestsStored: rows.length,
      digestMailsDelivered: mails.length,
      itemsListed: listed,
      storedAtFirstKill,
      storedAtSecondKill: rowsAtSecondKill.length,
      sentAtSecondKill,
      smtpConnectionsHung: smtpConnections,
    },
    problems,
  );
}
