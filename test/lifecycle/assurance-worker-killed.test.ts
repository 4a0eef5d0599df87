/**
 * Issue 17: the worker PROCESS is SIGKILLed between approval and the impact check date (the worker
 * run as its own process, as test/faults does), stays down past the check date, and a new worker
 * is started. The impact request must then go out exactly once, no earlier than the check date, and
 * nothing may be lost: the row equals the workflow, audit sequence without gap, every outbox row
 * delivered once and nothing else at the SMTP server (FaultStack.check). The graceful stop is in
 * assurance.test.ts; this is the crash.
 */
import { eq } from 'drizzle-orm';
import { acknowledgeAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { decideImpact, submitImpactEvidence } from '../../api/use-cases/assurance';
import { actions, notifications } from '../../db/schema';
import type { Policy } from '../../workflows/types';
import { FaultStack, sleep, until } from '../faults/stack';
import { testTemporalAddress } from '../support/db';

let stack: FaultStack;
beforeAll(async () => {
  stack = await new FaultStack({
    name: 'assure-kill',
    temporalAddress: testTemporalAddress(),
    log: console.log,
  }).start();
}, 240_000);
afterAll(() => stack?.stop());

const DAY = 86_400_000;
/** Nothing but the impact check fires within the test: every other clock is weeks away. */
const POLICY: Policy = {
  acknowledgeWithin: 'P30D',
  remindBefore: ['P7D'],
  overdueReminderEvery: 'P30D',
  escalateAfterOverdue: ['P30D'],
  stallAfter: 'P30D',
  boardDecisionWithin: 'P30D',
  // Long enough for the approval's mail to settle and the kill to land before it, on a loaded machine.
  impactCheckAfter: 'PT30S',
};

const kinds = (ref: string, kind: string) =>
  stack.catcher.list().filter((m) => m.headers['x-action-ref'] === ref && m.headers['x-notification-kind'] === kind);

it('a worker SIGKILLed between approval and the check date loses nothing: the impact request goes once, at or after the check date', async () => {
  const [a] = await stack.createActions(1, POLICY, 30 * DAY);
  const { csc, board } = stack.people;
  await acknowledgeAction(stack.deps, csc, a.id);
  await submitEvidence(stack.deps, csc, a.id, { statement: 'Threshold guidance rewritten and briefed' });
  const approved = await decideAction(stack.deps, board, a.id, { outcome: 'approve', comment: 'Good' });
  expect(approved).toMatchObject({ stage: 'closed', outcome: 'implemented', assurance: 'scheduled' });
  const checkAt = new Date(approved.impactCheckAt!).getTime();

  // The approval's mail is out and nothing is in flight; then the crash, before the check date.
  await stack.quiescent([a.workflowId], 60_000, 2000);
  expect(kinds(a.ref, 'decision')).toHaveLength(1);
  expect(kinds(a.ref, 'decision')[0].subject).toContain('its impact is checked on');
  await stack.killWorker();
  const killedAt = Date.now();
  expect(killedAt).toBeLessThan(checkAt);
  const [row] = await stack.db.select().from(actions).where(eq(actions.id, a.id));
  expect(row).toMatchObject({ status: 'closed', outcome: 'implemented', assurance: 'scheduled' });

  // Down past the check date: with no worker, nothing is asked.
  await sleep(Math.max(0, checkAt - Date.now()) + 3000);
  expect(kinds(a.ref, 'impact_request')).toHaveLength(0);

  await stack.startWorker();
  const request = await until(
    'the impact request after the restart',
    async () => kinds(a.ref, 'impact_request')[0],
    120_000,
  );
  expect(new Date(request.receivedAt).getTime()).toBeGreaterThanOrEqual(checkAt);
  expect(request.to.sort()).toEqual(['lead@csc.test', 'worker@csc.test']);
  await until(
    'assurance due',
    async () => (await stack.db.select().from(actions).where(eq(actions.id, a.id)))[0].assurance === 'due',
    30_000,
  );
  await stack.quiescent([a.workflowId], 120_000);

  const check = await stack.check([a]);
  expect(check.problems).toEqual([]);
  expect(check).toMatchObject({ lost: 0, duplicates: 0, strays: 0 });
  expect(kinds(a.ref, 'impact_request')).toHaveLength(1);
  const outbox = await stack.db.select().from(notifications).where(eq(notifications.actionId, a.id));
  expect(outbox.filter((o) => o.kind === 'impact_request')).toHaveLength(1);
  expect(outbox.every((o) => o.status === 'sent')).toBe(true);
  const types = await stack.auditTypes(a.id);
  expect(types.filter((t) => t === 'impact_check_due')).toHaveLength(1);
  expect(types).toEqual(['assigned', 'acknowledged', 'evidence_submitted', 'decided', 'impact_check_due']);

  // The restarted worker carries the check to its end.
  await submitImpactEvidence(stack.deps, csc, a.id, { statement: 'Audit of 20 referrals: 19 right', method: 'audit' });
  const decided = await decideImpact(stack.deps, board, a.id, { outcome: 'evidenced', comment: 'The audit shows it' });
  expect(decided.assurance).toBe('evidenced');
  await stack.client.workflow.getHandle(a.workflowId).result();
  await stack.quiescent([a.workflowId], 60_000);
  const after = await stack.check([a]);
  expect(after.problems).toEqual([]);
  expect(after).toMatchObject({ lost: 0, duplicates: 0, strays: 0 });
  expect(stack.workerStarts).toBe(2);
}, 480_000);
