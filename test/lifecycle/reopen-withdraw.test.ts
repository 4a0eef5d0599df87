/**
 * Issue 22, item 7: the board reopens a finished action (its workflow completed, or still
 * running), and the owning agency withdraws a pending extension request or evidence the board
 * has not decided on. Patches 'board-reopens-finished-action' and 'agency-withdraws-request'.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
  acknowledgeAction,
  cancelAction,
  decideAction,
  decideExtension,
  requestExtension,
  submitEvidence,
} from '../../api/use-cases/actions';
import { checkRowsAgainstAudit } from '../../activities/audit-consistency';
import { reopenAction, withdrawEvidence, withdrawExtension } from '../../api/use-cases/reopen-withdraw';
import {
  auditEvents,
  escalations,
  evidence,
  extensionRequests,
  notifications,
  recommendations,
  reviews,
} from '../../db/schema';
import { formatDay } from '../../lib/board-time';
import { AppError } from '../../lib/errors';
import { recommendationStateQuery } from '../../workflows/messages';
import { bundle, Harness, sleep, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('reopen', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: unknown) => (err instanceof AppError ? `${err.status} ${err.message}` : `not an AppError: ${String(err)}`),
  );
const auditOf = (id: string, type: string) =>
  h.db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.actionId, id), eq(auditEvents.type, type)));
const completed = (id: string) =>
  until(async () => {
    const d = await h.client.workflow.getHandle(`action-${id}`).describe();
    return d.status.name === 'COMPLETED' ? d : null;
  });

it('a cancelled action whose workflow has ended is reopened: a new run carries its state, timers run again, the agency is told once', async () => {
  const { refs, actionIds } = await h.review({ remindBefore: ['PT2S'] }, [{ dueInMs: 40 * 86_400_000 }]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await cancelAction(h.deps, h.people.board, id, { reason: 'Superseded by 2.3' });
  const ended = await completed(id);

  // Still open: refused, nothing written (an open action is not reopened).
  const open = await h.review({}, [{}]);
  await acknowledgeAction(h.deps, h.people.csc, open.actionIds[0]);
  await h.settled(open.actionIds[0]);
  const openBefore = await h.snapshot(open.actionIds[0]);
  expect(await refusal(reopenAction(h.deps, h.people.board, open.actionIds[0], { reason: 'x' }))).toMatch(/^409 /);
  expect(await h.snapshot(open.actionIds[0])).toEqual(openBefore);

  // Refused by the workflow's own rules against the carried state: no run started, nothing written.
  const before = await h.snapshot(id);
  expect(await refusal(reopenAction(h.deps, h.people.csc, id, { reason: 'Mine again' }))).toMatch(/^403 /);
  expect(await refusal(reopenAction(h.deps, h.people.board, id, { reason: '   ' }))).toMatch(/^400 /);
  expect(await h.snapshot(id)).toEqual(before);
  expect((await h.client.workflow.getHandle(`action-${id}`).describe()).runId).toBe(ended.runId);

  const newDue = new Date(Date.now() + 5000).toISOString();
  const state = await reopenAction(h.deps, h.people.board, id, { reason: 'Cancelled by mistake', newDueDate: newDue });
  expect(state).toMatchObject({ stage: 'in_progress', outcome: null, dueDate: newDue });
  const row = await h.action(id);
  expect(row).toMatchObject({ status: 'in_progress', outcome: null, closedAt: null, dueDate: new Date(newDue) });
  const reopened = await h.client.workflow.getHandle(`action-${id}`).describe();
  expect(reopened.status.name).toBe('RUNNING');
  expect(reopened.runId).not.toBe(ended.runId);
  const [audit] = await auditOf(id, 'reopened');
  expect(audit.payload).toMatchObject({ reason: 'Cancelled by mistake', was: 'cancelled', newDueDate: newDue });

  // The agency is told once, in words.
  const told = await h.waitMail(refs[0], 'decision', (m) => m.subject.includes('Reopened'));
  expect(told.text).toContain('Board Member reopened action 1.1 (Action 1), which was cancelled.');
  expect(told.text).toContain('Reason: Cancelled by mistake');
  expect(told.text).toContain(`Due: ${formatDay(newDue)}`);
  // The timers are planned again from the new due date: the reminder two seconds before it comes.
  await h.waitMail(refs[0], 'reminder');
  await h.settled(id);
  expect(h.mailsFor(refs[0], 'decision').filter((m) => m.subject.includes('Reopened'))).toHaveLength(1);

  // Again open: a second reopen is refused and changes nothing.
  const openAgain = await h.snapshot(id);
  expect(await refusal(reopenAction(h.deps, h.people.board, id, { reason: 'Twice' }))).toMatch(/^409 /);
  expect(await h.snapshot(id)).toEqual(openAgain);

  // The reopened run goes on as any other: evidence, closed as not implemented, and it ends again.
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'We tried' });
  await decideAction(h.deps, h.people.board, id, { outcome: 'close_not_implemented', comment: 'No funding' });
  await completed(id);
  if (process.env.RECORD_FIXTURES === '1')
    await h.saveHistory(`action-${id}`, 'action-reopened.history.json', reopened.runId);
  // Closed as not implemented: reopened a second time, into another new run.
  const again = await reopenAction(h.deps, h.people.board, id, { reason: 'Funding found' });
  expect(again.stage).toBe('in_progress');
  expect(await auditOf(id, 'reopened')).toHaveLength(2);
});

it('while the workflow still runs (its closing mail held up), the same Update reopens it in place', async () => {
  const { refs, actionIds } = await h.review({}, [{}]);
  const [id] = actionIds;
  await h.waitMail(refs[0], 'assignment');
  await h.catcher.stop();
  try {
    await acknowledgeAction(h.deps, h.people.csc, id);
    await submitEvidence(h.deps, h.people.csc, id, { statement: 'Done, we think' });
    await decideAction(h.deps, h.people.board, id, { outcome: 'close_not_implemented', comment: 'Not shown' });
    const closedRun = await h.client.workflow.getHandle(`action-${id}`).describe();
    // The decision mail cannot go, so the workflow cannot end.
    expect(closedRun.status.name).toBe('RUNNING');
    const state = await reopenAction(h.deps, h.people.board, id, { reason: 'Decided too soon' });
    expect(state.stage).toBe('in_progress');
    const after = await h.client.workflow.getHandle(`action-${id}`).describe();
    expect(after.runId).toBe(closedRun.runId);
  } finally {
    await h.catcher.start();
  }
  await h.waitMail(refs[0], 'decision', (m) => m.subject.includes('Reopened'));
  await h.settled(id);
  expect((await h.client.workflow.getHandle(`action-${id}`).describe()).status.name).toBe('RUNNING');
  expect((await h.action(id)).status).toBe('in_progress');
});

const recommendationOf = async (recId: string) => {
  const [rec] = await h.db.db.select().from(recommendations).where(eq(recommendations.id, recId));
  const [review] = await h.db.db.select().from(reviews).where(eq(reviews.id, rec.reviewId));
  const events = await h.db.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.reviewId, rec.reviewId))
    .orderBy(auditEvents.occurredAt);
  const mine = events.filter((e) => (e.payload as { recommendationId?: string }).recommendationId === recId);
  return { rec, review, events: mine.map((e) => `${e.type} ${(e.payload as { status: string }).status}`) };
};
const recommendationEnded = (workflowId: string, notRun?: string) =>
  until(async () => {
    const d = await h.client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'COMPLETED' && d.runId !== notRun ? d : null;
  });
const closeAs = async (id: string, outcome: 'approve' | 'close_not_implemented') => {
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'Done, we think' });
  await decideAction(h.deps, h.people.board, id, { outcome, comment: outcome === 'approve' ? '' : 'Not shown' });
  await completed(id);
};

it('a recommendation that completed with its one action is open again while the action is, and completes again with the new outcome', async () => {
  const { rec, actionIds } = await h.review({}, [{}]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await closeAs(id, 'close_not_implemented');
  const { rec: row } = await recommendationOf(rec.id);
  const first = await recommendationEnded(row.workflowId);
  expect(await recommendationOf(rec.id)).toMatchObject({
    rec: { status: 'not_implemented' },
    review: { status: 'completed' },
    events: ['recommendation_completed not_implemented'],
  });

  await reopenAction(h.deps, h.people.board, id, { reason: 'Decided too soon' });
  // A new run of the recommendation's workflow carries its memory and opens it again.
  const reopened = await h.client.workflow.getHandle(row.workflowId).describe();
  expect(reopened.status.name).toBe('RUNNING');
  expect(reopened.runId).not.toBe(first.runId);
  await until(async () => ((await recommendationOf(rec.id)).rec.status === 'open' ? true : null));
  expect(await recommendationOf(rec.id)).toMatchObject({
    rec: { status: 'open', completedAt: null },
    review: { status: 'active', completedAt: null },
    events: ['recommendation_completed not_implemented', 'recommendation_reopened open'],
  });
  expect((await checkRowsAgainstAudit(h.db.db)).problems).toEqual([]);

  // Closed again, as implemented this time: the recommendation recomputes and completes again.
  await closeAs(id, 'approve');
  await recommendationEnded(row.workflowId, first.runId);
  await until(async () => ((await recommendationOf(rec.id)).rec.status !== 'open' ? true : null));
  expect(await recommendationOf(rec.id)).toMatchObject({
    rec: { status: 'implemented' },
    review: { status: 'completed' },
    events: [
      'recommendation_completed not_implemented',
      'recommendation_reopened open',
      'recommendation_completed implemented',
    ],
  });
  expect((await checkRowsAgainstAudit(h.db.db)).problems).toEqual([]);
  // The check sees a recommendation row that disagrees with its newest event.
  await h.db.db.update(recommendations).set({ status: 'open' }).where(eq(recommendations.id, rec.id));
  expect((await checkRowsAgainstAudit(h.db.db)).problems).toEqual([
    `recommendation ${rec.id}: status open, but its newest audit event says implemented`,
  ]);
  await h.db.db.update(recommendations).set({ status: 'implemented' }).where(eq(recommendations.id, rec.id));
  if (process.env.RECORD_FIXTURES === '1')
    await h.saveHistory(row.workflowId, 'recommendation-reopened.history.json', reopened.runId);
});

it('a reopen cut off before its recommendation step is finished by sending the same request again', async () => {
  const { rec, actionIds } = await h.review({}, [{}]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await closeAs(id, 'close_not_implemented');
  const { rec: row } = await recommendationOf(rec.id);
  await recommendationEnded(row.workflowId);
  // Temporal goes away after the action's step: every call about the recommendation fails.
  const workflow = new Proxy(h.client.workflow, {
    get(target, key) {
      if (key === 'getHandle')
        return (workflowId: string) => {
          if (workflowId === row.workflowId) throw new Error('Temporal is unavailable');
          return target.getHandle(workflowId);
        };
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const client = new Proxy(h.client, {
    get: (target, key) => (key === 'workflow' ? workflow : (Reflect.get(target, key) as unknown)),
  });
  await expect(reopenAction({ ...h.deps, client }, h.people.board, id, { reason: 'Decided too soon' })).rejects.toThrow(
    'Temporal is unavailable',
  );
  expect((await recommendationOf(rec.id)).rec.status).toBe('not_implemented');

  // The same request again: not a 409 for an action already open, but the missing step done.
  await reopenAction(h.deps, h.people.board, id, { reason: 'Decided too soon' });
  await until(async () => ((await recommendationOf(rec.id)).rec.status === 'open' ? true : null));
  expect((await recommendationOf(rec.id)).events).toEqual([
    'recommendation_completed not_implemented',
    'recommendation_reopened open',
  ]);
  expect(await auditOf(id, 'reopened')).toHaveLength(1);
  expect((await checkRowsAgainstAudit(h.db.db)).problems).toEqual([]);
  // Once both are open, sending it again is refused as before.
  expect(await refusal(reopenAction(h.deps, h.people.board, id, { reason: 'Again' }))).toMatch(/^409 /);
});

it('a recommendation still running takes the reopen: it does not complete while the reopened action is open', async () => {
  const { rec, actionIds } = await h.review({}, [{}, {}]);
  const [a, b] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, a);
  await acknowledgeAction(h.deps, h.people.csc, b);
  await closeAs(a, 'close_not_implemented');
  const { rec: row } = await recommendationOf(rec.id);
  const running = await h.client.workflow.getHandle(row.workflowId).describe();
  await reopenAction(h.deps, h.people.board, a, { reason: 'Decided too soon' });
  // The other action closes: the reopened one is still open, so the recommendation is too.
  await closeAs(b, 'approve');
  const handle = h.client.workflow.getHandle(row.workflowId);
  const told = await until(async () => {
    const v = await handle.query(recommendationStateQuery);
    return v.actions.find((x) => x.actionId === b)?.done ? v : null;
  });
  expect(told.actions.map((x) => [x.actionId, x.done])).toEqual([
    [a, false],
    [b, true],
  ]);
  const still = await handle.describe();
  expect(still).toMatchObject({ runId: running.runId, status: { name: 'RUNNING' } });
  expect((await recommendationOf(rec.id)).rec.status).toBe('open');
  await closeAs(a, 'approve');
  await recommendationEnded(row.workflowId);
  await until(async () => ((await recommendationOf(rec.id)).rec.status !== 'open' ? true : null));
  expect(await recommendationOf(rec.id)).toMatchObject({
    rec: { status: 'implemented' },
    events: ['recommendation_completed implemented'],
  });
  if (process.env.RECORD_FIXTURES === '1')
    await h.saveHistory(row.workflowId, 'recommendation-action-reopened.history.json');
});

it('an action closed as implemented with an impact check is not reopened', async () => {
  const { actionIds } = await h.review({ impactCheckAfter: 'P30D' }, [{}]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'Done' });
  await decideAction(h.deps, h.people.board, id, { outcome: 'approve', comment: '' });
  await until(async () => (await h.action(id)).assurance === 'scheduled');
  await h.settled(id);
  const before = await h.snapshot(id);
  expect(await refusal(reopenAction(h.deps, h.people.board, id, { reason: 'Oops' }))).toMatch(/^409 .*impact check/);
  expect(await h.snapshot(id)).toEqual(before);
});

it('the agency withdraws its extension request: the board is no longer asked, the date stays, and it may ask again', async () => {
  const { refs, actionIds } = await h.review({ boardDecisionWithin: 'PT4S' }, [{ dueInMs: 40 * 86_400_000 }]);
  const [id] = actionIds;
  const acked = await acknowledgeAction(h.deps, h.people.csc, id);
  const { requestId } = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: new Date(Date.parse(acked.dueDate) + 30 * 86_400_000).toISOString(),
    reason: 'Trainer left',
    interimMeasures: 'Weekly briefings',
  });
  // Only the owning agency, and only the request that is waiting.
  await h.settled(id);
  const before = await h.snapshot(id);
  expect(await refusal(withdrawExtension(h.deps, h.people.pol, id, requestId))).toMatch(/^403 /);
  expect(await refusal(withdrawExtension(h.deps, h.people.csc, id, randomUUID()))).toMatch(/^409 /);
  expect(await h.snapshot(id)).toEqual(before);

  const state = await withdrawExtension(h.deps, h.people.csc, id, requestId);
  expect(state).toMatchObject({ pendingExtensionId: null, dueDate: acked.dueDate, stage: 'in_progress' });
  const [x] = await h.db.db.select().from(extensionRequests).where(eq(extensionRequests.id, requestId));
  expect(x.status).toBe('withdrawn');
  expect(await auditOf(id, 'extension_withdrawn')).toHaveLength(1);
  // The rows still agree with the signed audit trail (npm run audit:verify's check).
  expect((await checkRowsAgainstAudit(h.db.db)).problems).toEqual([]);
  expect(await refusal(decideExtension(h.deps, h.people.board, id, requestId, { outcome: 'approve' }))).toMatch(
    /^409 /,
  );
  expect(await refusal(withdrawExtension(h.deps, h.people.csc, id, requestId))).toMatch(/^409 /);
  // The board-decision clock on it was dropped: past its four seconds, nobody is escalated.
  await sleep(6000);
  expect(
    await h.db.db
      .select()
      .from(escalations)
      .where(and(eq(escalations.actionId, id), eq(escalations.reason, 'awaiting_board'))),
  ).toEqual([]);
  await h.settled(id);
  // The board was told of the request once; the withdrawal sends nothing more.
  expect(h.mailsFor(refs[0], 'extension_requested')).toHaveLength(1);
  expect(h.mailsFor(refs[0]).map((m) => m.headers['x-notification-kind'])).toEqual([
    'assignment',
    'extension_requested',
  ]);
  // A new request is allowed.
  const again = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: new Date(Date.parse(acked.dueDate) + 10 * 86_400_000).toISOString(),
    reason: 'Shorter delay',
    interimMeasures: 'Weekly briefings',
  });
  expect(again.state.pendingExtensionId).toBe(again.requestId);
  if (process.env.RECORD_FIXTURES === '1') {
    await h.settled(id);
    await h.saveHistory(`action-${id}`, 'action-extension-withdrawn.history.json');
  }
});

it('the agency withdraws evidence the board has not decided on: back in progress, the board no longer asked', async () => {
  const { refs, actionIds } = await h.review({ boardDecisionWithin: 'PT4S' }, [{}]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'First draft', evidenceId: randomUUID() });
  const [sent] = await h.db.db.select().from(evidence).where(eq(evidence.actionId, id));

  await h.settled(id);
  const before = await h.snapshot(id);
  expect(await refusal(withdrawEvidence(h.deps, h.people.pol, id, sent.id))).toMatch(/^403 /);
  expect(await refusal(withdrawEvidence(h.deps, h.people.board, id, sent.id))).toMatch(/^403 /);
  expect(await refusal(withdrawEvidence(h.deps, h.people.csc, id, randomUUID()))).toMatch(/^409 /);
  expect(await h.snapshot(id)).toEqual(before);

  const state = await withdrawEvidence(h.deps, h.people.csc, id, sent.id);
  expect(state.stage).toBe('in_progress');
  const [row] = await h.db.db.select().from(evidence).where(eq(evidence.id, sent.id));
  expect(row.status).toBe('withdrawn');
  expect((await h.action(id)).status).toBe('in_progress');
  expect(await auditOf(id, 'evidence_withdrawn')).toHaveLength(1);
  // Nothing waits for the board: a decision is refused, and no board-delay escalation comes.
  expect(await refusal(decideAction(h.deps, h.people.board, id, { outcome: 'approve', comment: '' }))).toMatch(/^409 /);
  await sleep(6000);
  expect(await h.db.db.select().from(escalations).where(eq(escalations.actionId, id))).toEqual([]);
  // Sent again, it is with the board again.
  const resent = await submitEvidence(h.deps, h.people.csc, id, { statement: 'Corrected' });
  expect(resent.stage).toBe('under_review');
  await h.settled(id);
  expect(h.mailsFor(refs[0], 'evidence_submitted')).toHaveLength(2);
  const rows = await h.db.db.select().from(notifications).where(eq(notifications.actionId, id));
  expect(rows.filter((r) => r.kind === 'evidence_submitted')).toHaveLength(2);
  if (process.env.RECORD_FIXTURES === '1')
    await h.saveHistory(`action-${id}`, 'action-evidence-withdrawn.history.json');
});
