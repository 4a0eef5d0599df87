/**
 * Stage transitions through the use-case module: decisions, extensions, cancellation, refusals
 * (nothing written, no history), review creation idempotency, and the audit hash chain.
 */
import { eq, sql } from 'drizzle-orm';
import { verifyAuditChain } from '../../activities';
import {
  acknowledgeAction,
  addAction,
  cancelAction,
  decideAction,
  decideExtension,
  reassignAction,
  requestExtension,
  submitEvidence,
} from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { decisions, evidence, extensionRequests, recommendations, reviews } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { ActionState } from '../../workflows/types';
import { bundle, Harness, SLOW, sleep, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('moves', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

const DAY = 86_400_000;
const refusal = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};
const recStatus = async (id: string) =>
  (await h.db.db.select().from(recommendations).where(eq(recommendations.id, id)))[0];

it.concurrent(
  'request_changes sends the action back; resubmitted evidence is approved and the recommendation completes',
  async () => {
    const { rec, refs, actionIds, review } = await h.review({});
    const [id] = actionIds;
    await acknowledgeAction(h.deps, h.people.csc, id);
    await submitEvidence(h.deps, h.people.csc, id, { statement: 'First statement' });
    let state = await decideAction(h.deps, h.people.board, id, {
      outcome: 'request_changes',
      comment: 'Please attach the audit',
    });
    expect(state).toMatchObject({ stage: 'in_progress', changesRequested: true });
    expect(await h.action(id)).toMatchObject({ status: 'in_progress', changesRequested: true, rag: 'amber' });
    const back = await h.waitMail(refs[0], 'decision');
    expect(back.to.sort()).toEqual(['lead@csc.test', 'worker@csc.test']);
    expect(back.text).toContain('Please attach the audit');

    await submitEvidence(h.deps, h.people.csc, id, {
      statement: 'Audit attached',
      links: ['https://example.test/audit'],
    });
    state = await decideAction(h.deps, h.people.board, id, { outcome: 'approve', comment: 'Good' });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'implemented', changesRequested: false, nextTimer: null });
    expect(await h.action(id)).toMatchObject({ status: 'closed', outcome: 'implemented', rag: 'complete' });
    const ev = await h.db.db.select().from(evidence).where(eq(evidence.actionId, id)).orderBy(evidence.submittedAt);
    expect(ev.map((e) => [e.statement, e.status])).toEqual([
      ['First statement', 'changes_requested'],
      ['Audit attached', 'accepted'],
    ]);
    const ds = await h.db.db.select().from(decisions).where(eq(decisions.actionId, id)).orderBy(decisions.decidedAt);
    expect(ds.map((d) => [d.outcome, d.evidenceId])).toEqual([
      ['request_changes', ev[0].id],
      ['approve', ev[1].id],
    ]);
    await until(async () => (await recStatus(rec.id)).status === 'implemented');
    const done = await h.catcher.waitFor(
      (m) =>
        m.headers['x-notification-kind'] === 'recommendation_complete' &&
        m.headers['x-action-ref'] === `${review.reference} 1`,
    );
    expect(done.to.sort()).toEqual(['boardcsc@board.test', 'member@board.test']);
    expect((await h.db.db.select().from(reviews).where(eq(reviews.id, review.id)))[0].status).toBe('completed');
    if (process.env.RECORD_FIXTURES === '1') {
      await h.saveHistory(`action-${id}`, 'action-lifecycle.history.json');
      await h.saveHistory(rec.workflowId, 'recommendation-lifecycle.history.json');
    }
  },
);

it.concurrent('close_not_implemented needs a reason, and records the recommendation as not implemented', async () => {
  const { rec, actionIds } = await h.review({});
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'We could not recruit' });
  const err = await refusal(
    decideAction(h.deps, h.people.board, id, { outcome: 'close_not_implemented', comment: '  ' }),
  );
  expect(err.kind).toBe('validation');
  expect(await h.action(id)).toMatchObject({ status: 'under_review' });
  const state = await decideAction(h.deps, h.people.board, id, {
    outcome: 'close_not_implemented',
    comment: 'Service decommissioned',
  });
  expect(state).toMatchObject({ stage: 'closed', outcome: 'not_implemented' });
  expect(await h.action(id)).toMatchObject({ status: 'closed', outcome: 'not_implemented', rag: 'complete' });
  await until(async () => (await recStatus(rec.id)).status === 'not_implemented');
});

it.concurrent('an approved extension moves every later timer', async () => {
  const policy = { remindBefore: ['PT4S'], overdueReminderEvery: 'PT30S', escalateAfterOverdue: ['PT1S'] };
  const { refs, actionIds } = await h.review(policy, [{ dueInMs: 12000 }]);
  const [id] = actionIds;
  const before = await acknowledgeAction(h.deps, h.people.csc, id);
  const oldDue = Date.parse(before.dueDate);
  expect(before.nextTimer).toEqual({ at: new Date(oldDue - 4000).toISOString(), kind: 'reminder' });
  const newDue = new Date(oldDue + 20000).toISOString();
  const { requestId, state: pending } = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: newDue,
    reason: 'Staff shortage',
    interimMeasures: 'Weekly manager review',
  });
  expect(pending.pendingExtensionId).toBe(requestId);
  const approved = await decideExtension(h.deps, h.people.board, id, requestId, {
    outcome: 'approve',
    comment: 'Agreed',
  });
  expect(approved.dueDate).toBe(newDue);
  expect(approved.nextTimer).toEqual({ at: new Date(Date.parse(newDue) - 4000).toISOString(), kind: 'reminder' });
  expect(await h.action(id)).toMatchObject({
    dueDate: new Date(newDue),
    nextTimerAt: new Date(approved.nextTimer!.at),
  });
  const [x] = await h.db.db.select().from(extensionRequests).where(eq(extensionRequests.id, requestId));
  expect(x).toMatchObject({
    status: 'approved',
    reason: 'Staff shortage',
    interimMeasures: 'Weekly manager review',
    previousDueDate: new Date(oldDue),
  });
  // Past the old reminder, due date and first escalation: nothing of the old schedule fires.
  await sleep(Math.max(oldDue + 2500 - Date.now(), 0));
  expect(
    h
      .mailsFor(refs[0])
      .map((m) => m.headers['x-notification-kind'])
      .sort(),
  ).toEqual(['assignment', 'decision', 'extension_requested']);
  expect(await h.action(id)).toMatchObject({ escalationLevel: 0, rag: 'green' });
});

it.concurrent('cancels from every open stage', async () => {
  const { rec, actionIds } = await h.review({}, [{ dueInMs: 30 * DAY }, { dueInMs: 30 * DAY }, { dueInMs: 30 * DAY }]);
  const [assigned, inProgress, underReview] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, inProgress);
  await acknowledgeAction(h.deps, h.people.csc, underReview);
  await submitEvidence(h.deps, h.people.csc, underReview, { statement: 'Done' });
  const refused = await refusal(cancelAction(h.deps, h.people.csc, assigned, { reason: 'no' }));
  expect(refused.kind).toBe('forbidden');
  for (const id of actionIds) {
    const s = await cancelAction(h.deps, h.people.board, id, { reason: 'Superseded by the 2019 review' });
    expect(s).toMatchObject({ stage: 'cancelled', nextTimer: null });
    expect(await h.action(id)).toMatchObject({ status: 'cancelled', rag: 'complete' });
  }
  await until(async () => (await recStatus(rec.id)).status === 'cancelled');
});

it.concurrent('refuses each illegal transition with no row and no history change', async () => {
  const { actionIds } = await h.review({}, [{ dueInMs: 30 * DAY }, { dueInMs: 30 * DAY }]);
  const [a, b] = actionIds;
  const { csc, pol, board, boardFromCsc } = h.people;
  const attempts: [string, string, () => Promise<unknown>][] = [
    ['decide before evidence', 'conflict', () => decideAction(h.deps, board, a, { outcome: 'approve', comment: 'x' })],
    ['evidence before acknowledging', 'conflict', () => submitEvidence(h.deps, csc, a, { statement: 'x' })],
    ['acknowledge by another agency', 'forbidden', () => acknowledgeAction(h.deps, pol, a)],
    ['acknowledge by the board', 'forbidden', () => acknowledgeAction(h.deps, board, a)],
    [
      'extension to an earlier date',
      'validation',
      () => requestExtension(h.deps, csc, a, { newDueDate: '2001-01-01', reason: 'r', interimMeasures: 'i' }),
    ],
    [
      'decide an unknown extension',
      'conflict',
      () => decideExtension(h.deps, board, a, '00000000-0000-4000-8000-000000000000', { outcome: 'approve' }),
    ],
    ['cancel without a reason', 'validation', () => cancelAction(h.deps, board, a, { reason: '' })],
    ['reassign by an agency', 'forbidden', () => reassignAction(h.deps, csc, a, { agencyCode: 'POL' })],
    [
      'decide by a board member of the owning agency',
      'forbidden',
      () => decideAction(h.deps, boardFromCsc, b, { outcome: 'approve', comment: 'x' }),
    ],
    ['decide by the agency', 'forbidden', () => decideAction(h.deps, csc, b, { outcome: 'approve', comment: 'x' })],
    ['acknowledge twice', 'conflict', () => acknowledgeAction(h.deps, csc, b)],
  ];
  await acknowledgeAction(h.deps, csc, b);
  await submitEvidence(h.deps, csc, b, { statement: 'Ready' });
  await Promise.all([h.settled(a), h.settled(b)]);
  for (const [what, kind, attempt] of attempts) {
    const target = what.includes('owning agency') || what.includes('by the agency') || what.includes('twice') ? b : a;
    const before = await h.snapshot(target);
    const err = await refusal(attempt());
    expect([what, err.kind]).toEqual([what, kind]);
    expect(await h.snapshot(target)).toEqual(before);
  }
  expect((await refusal(acknowledgeAction(h.deps, csc, '00000000-0000-4000-8000-000000000000'))).kind).toBe(
    'not_found',
  );
  expect((await refusal(acknowledgeAction(h.deps, csc, 'not-a-uuid'))).kind).toBe('not_found');
  // A closed action's workflow has finished: any further Update is a conflict.
  await decideAction(h.deps, board, b, { outcome: 'approve', comment: 'ok' });
  await until(async () => {
    const d = await h.client.workflow.getHandle(`action-${b}`).describe();
    return d.status.name === 'COMPLETED';
  });
  expect((await refusal(cancelAction(h.deps, board, b, { reason: 'late' }))).kind).toBe('conflict');
});

it.concurrent('reassigns an action to another agency, who is told and must acknowledge', async () => {
  const { refs, actionIds } = await h.review({});
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  const s: ActionState = await reassignAction(h.deps, h.people.board, id, { agencyCode: 'POL' });
  expect(s).toMatchObject({ stage: 'assigned', agencyId: h.people.agencyIds.POL });
  const mail = await h.waitMail(refs[0], 'assignment', (m) => m.to.includes('lead@pol.test'));
  expect(mail.to.sort()).toEqual(['lead@pol.test', 'officer@pol.test']);
  expect((await refusal(acknowledgeAction(h.deps, h.people.csc, id))).kind).toBe('forbidden');
  expect(await acknowledgeAction(h.deps, h.people.pol, id)).toMatchObject({ stage: 'in_progress' });
});

it.concurrent('adds an action to a running recommendation', async () => {
  const { rec, reference } = await h.review({});
  const s = await addAction(h.deps, h.people.board, rec.id, {
    agencyCode: 'POL',
    title: 'Police audit',
    dueDate: '2031-01-31',
  });
  expect(s).toMatchObject({ stage: 'assigned', agencyId: h.people.agencyIds.POL, dueDate: '2031-01-31T23:59:59.999Z' });
  await h.waitMail(`${reference} 1.2`, 'assignment');
  expect(
    (await refusal(addAction(h.deps, h.people.csc, rec.id, { agencyCode: 'POL', title: 'x', dueDate: '2031-01-31' })))
      .kind,
  ).toBe('forbidden');
});

it('creates a review once per reference and refuses different content or unknown agencies', async () => {
  const input = {
    reference: 'SCR-IDEM',
    title: 'Idempotent review',
    policy: SLOW,
    recommendations: [
      {
        number: '2',
        text: 'Share information',
        actions: [{ agencyCode: 'CSC', title: 'Do it', dueDate: '2030-06-30' }],
      },
    ],
  };
  const first = await createReview(h.deps, h.people.admin, input);
  const again = await createReview(h.deps, h.people.admin, input);
  expect(first.created).toBe(true);
  expect(again.created).toBe(false);
  expect(again.review.recommendations[0].actions[0].id).toBe(first.review.recommendations[0].actions[0].id);
  expect(first.review.recommendations[0].actions[0]).toMatchObject({
    reference: '2.1',
    agencyCode: 'CSC',
    dueDate: '2030-06-30T22:59:59.999Z',
  });
  expect((await refusal(createReview(h.deps, h.people.admin, { ...input, title: 'Other' }))).kind).toBe('conflict');
  const unknown = await refusal(
    createReview(h.deps, h.people.admin, {
      ...input,
      reference: 'SCR-UNK',
      recommendations: [
        { ...input.recommendations[0], actions: [{ agencyCode: 'NOPE', title: 't', dueDate: '2030-01-01' }] },
      ],
    }),
  );
  expect(unknown.kind).toBe('validation');
  expect(unknown.message).toContain('NOPE');
  expect((await h.db.db.select().from(reviews).where(eq(reviews.reference, 'SCR-UNK'))).length).toBe(0);
  expect((await refusal(createReview(h.deps, h.people.csc, { ...input, reference: 'SCR-AG' }))).kind).toBe('forbidden');
  expect(
    (
      await refusal(
        createReview(h.deps, h.people.admin, { ...input, reference: 'SCR-POL', policy: { stallAfter: '30 days' } }),
      )
    ).kind,
  ).toBe('validation');
  const d = await h.client.workflow.getHandle(first.review.recommendations[0].workflowId).describe();
  expect(d.status.name).toBe('RUNNING');
});

it('keeps an audit hash chain that detects tampering', async () => {
  const ok = await verifyAuditChain(h.db.db);
  expect(ok.ok).toBe(true);
  expect(ok.count).toBeGreaterThan(10);
  const [victim] = (
    (await h.db.db.execute(sql`select id from audit_events order by id limit 1 offset 5`)) as unknown as {
      rows: { id: string }[];
    }
  ).rows;
  // The table refuses edits; its owner can switch that off, and the chain still tells.
  await h.db.db.execute(sql`alter table audit_events disable trigger user`);
  await h.db.db.execute(sql`update audit_events set payload = '{"forged":true}' where id = ${victim.id}`);
  expect(await verifyAuditChain(h.db.db)).toMatchObject({ ok: false, firstBadId: Number(victim.id) });
});
