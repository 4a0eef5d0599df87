/**
 * The fault scenarios of issue 7, each a function of its scale so the jest tests (small) and
 * `npm run soak` (large) run the same code. Each returns what it did and what it found; a
 * scenario passes when `problems` is empty.
 */
import { sql } from 'drizzle-orm';
import { acknowledgeAction, cancelAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { actions } from '../../db/schema';
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
export const STAGE_OF: Record<Plan, string> = { acknowledge: 'in_progress', evidence: 'under_review', approve: 'closed', cancel: 'cancelled' };

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
  if (plan === 'cancel') return step(stats, () => cancelAction(stack.deps, admin, a.id, { reason: 'Superseded by a later review' }));
  await step(stats, () => acknowledgeAction(stack.deps, csc, a.id));
  if (plan === 'acknowledge') return;
  await step(stats, () => submitEvidence(stack.deps, csc, a.id, { statement: 'Policy rewritten and staff briefed' }));
  if (plan === 'evidence') return;
  await step(stats, () => decideAction(stack.deps, board, a.id, { outcome: 'approve', comment: 'Evidence is sufficient' }));
}

/** Final stages as planned; actions the agency still owes work on got their reminder and overdue mail once. */
export async function checkPlans(stack: FaultStack, list: FaultAction[], problems: string[], timers: boolean): Promise<void> {
  const status = new Map((await stack.db.select({ id: actions.id, status: actions.status }).from(actions)).map((r) => [r.id, r.status]));
  for (const [i, a] of list.entries()) {
    const plan = PLANS[i % PLANS.length];
    if (status.get(a.id) !== STAGE_OF[plan]) problems.push(`${a.ref}: planned ${plan} so ${STAGE_OF[plan]}, is ${status.get(a.id)}`);
    if (timers && plan === 'acknowledge') {
      const types = await stack.auditTypes(a.id);
      const reminders = types.filter((t) => t === 'reminder_sent').length;
      const overdue = types.filter((t) => t === 'overdue_reminder_sent').length;
      if (reminders !== 1 || overdue !== 1) problems.push(`${a.ref}: ${reminders} reminder(s) and ${overdue} overdue mail(s), want 1 and 1: ${types.join(',')}`);
    }
  }
}

async function overdueFired(stack: FaultStack, list: FaultAction[]): Promise<boolean> {
  const owing = list.filter((_, i) => PLANS[i % PLANS.length] === 'acknowledge');
  for (const a of owing) if (!(await stack.auditTypes(a.id)).includes('overdue_reminder_sent')) return false;
  return true;
}

function report(scenario: string, did: ScenarioReport['did'], check: CheckReport, extra: Record<string, number> = {}, more: string[] = []): ScenarioReport {
  const { problems, ...found } = check;
  return { scenario, did, found: { ...found, ...extra }, problems: [...more, ...problems] };
}

/**
 * 1. The worker is SIGKILLed `kills` times while `scale` actions are mid-lifecycle (Updates in
 * flight, reminder and overdue timers pending), and restarted each time.
 */
export async function workerKilled(stack: FaultStack, opts: { scale: number; kills: number; downMs?: number }, log: Log): Promise<ScenarioReport> {
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
  log(`worker-kill: ${stats.steps} Updates sent (${stats.retries} client retries, ${stats.alreadyApplied} found already applied); killed after ${killedAt.join(', ')} actions`);
  await until('every overdue timer fired', () => overdueFired(stack, list), dueInMs + 300_000, 1000);
  await stack.quiescent(300_000);
  const problems: string[] = [];
  await checkPlans(stack, list, problems, true);
  const check = await stack.check(list, true);
  const retries = await stack.activityRetries(list.map((a) => a.workflowId));
  return report('worker SIGKILLed mid-lifecycle', { actions: list.length, kills: opts.kills, updates: stats.steps, clientRetries: stats.retries }, check, { activityRetries: retries }, problems);
}

/** 2. SMTP down while mail is due, then up: each message delivered once, the outbox shows the attempts. */
export async function smtpDown(stack: FaultStack, opts: { scale: number; downMs: number }, log: Log): Promise<ScenarioReport> {
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
        sql.raw(`select count(*)::int as n from notifications where kind = 'assignment' and status <> 'sent' and attempts >= 2 and last_error is not null`),
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
  await stack.quiescent(300_000, 5000);
  const attempts = (await stack.db.execute(
    sql.raw(`select count(*)::int as rows, coalesce(sum(attempts),0)::int as total, coalesce(max(attempts),0)::int as max, count(*) filter (where attempts > 1)::int as retried from notifications`),
  )) as unknown as { rows: { rows: number; total: number; max: number; retried: number }[] };
  const a = attempts.rows[0];
  const problems: string[] = [];
  if (a.retried < list.length) problems.push(`only ${a.retried} outbox rows show more than one attempt; ${list.length} assignment mails failed first`);
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
