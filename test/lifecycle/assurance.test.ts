/**
 * Issue 17 on the real worker: the impact check after approval (request, reminder, escalation,
 * evidence, the board's decision, the follow-up action), progress updates that are not
 * submissions, and slippage with the chair copied on a second extension request. Policies in seconds.
 */
import { and, eq } from 'drizzle-orm';
import {
  acknowledgeAction,
  decideAction,
  decideExtension,
  requestExtension,
  submitEvidence,
} from '../../api/use-cases/actions';
import { decideImpact, postProgress, submitImpactEvidence } from '../../api/use-cases/assurance';
import { findAction } from '../../api/queries/actions';
import { escalations, impactDecisions, progressUpdates, recommendations } from '../../db/schema';
import { actions as actionsTable } from '../../db/schema';
import { bundle, CHAIR, Harness, sleep, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('assure', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

/** An action driven to approval; returns its ids. */
async function approved(policy: Parameters<Harness['review']>[0]) {
  const r = await h.review(policy);
  const [id] = r.actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await submitEvidence(h.deps, h.people.csc, id, { statement: 'Threshold guidance rewritten and briefed' });
  const state = await decideAction(h.deps, h.people.board, id, { outcome: 'approve', comment: 'Good' });
  return { ...r, id, state };
}

const refusalOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return (err as { kind?: string }).kind ?? String(err);
  }
  return 'accepted';
};

it('approve → impact request at the check date → reminder → escalation → evidence → evidenced → the workflow completes', async () => {
  const { id, refs, rec, state } = await approved({
    impactCheckAfter: 'PT3S',
    overdueReminderEvery: 'PT2S',
    escalateAfterOverdue: ['PT5S'],
  });
  // Today's contract: closed, implemented; the check is a second dimension.
  expect(state).toMatchObject({ stage: 'closed', outcome: 'implemented', assurance: 'scheduled' });
  const row = await h.action(id);
  expect(row).toMatchObject({ status: 'closed', outcome: 'implemented', rag: 'complete', assurance: 'scheduled' });
  expect(row.impactCheckAt).not.toBeNull();
  // The recommendation is implemented at approval, as before; the check does not hold it open.
  await until(async () => {
    const [r] = await h.db.db.select().from(recommendations).where(eq(recommendations.id, rec.id));
    return r.status === 'implemented';
  });

  const request = await h.waitMail(refs[0], 'impact_request');
  expect(request.to.sort()).toEqual(['lead@csc.test', 'worker@csc.test']);
  expect((await h.action(id)).assurance).toBe('due');
  await h.waitMail(refs[0], 'impact_reminder');
  const escalation = await h.waitMail(refs[0], 'escalation', (m) => m.subject.includes('no evidence of impact'));
  expect(escalation.to).toEqual(['lead@csc.test']);

  const afterEvidence = await submitImpactEvidence(h.deps, h.people.csc, id, {
    statement: 'Audit of 20 referrals: thresholds applied correctly in 19',
    method: 'audit',
  });
  expect(afterEvidence).toMatchObject({ assurance: 'evidence_submitted', escalationLevel: 0 });
  const [esc] = await h.db.db.select().from(escalations).where(eq(escalations.actionId, id));
  expect(esc).toMatchObject({ reason: 'impact_evidence_missing' });
  expect(esc.resolvedAt).not.toBeNull();
  const boardMail = await h.waitMail(refs[0], 'impact_evidence_submitted');
  expect(boardMail.to).toContain('member@board.test');

  const decided = await decideImpact(h.deps, h.people.board, id, { outcome: 'evidenced', comment: 'Audit convinces' });
  expect(decided).toMatchObject({ stage: 'closed', outcome: 'implemented', assurance: 'evidenced' });
  await h.client.workflow.getHandle(`action-${id}`).result();
  const done = await findAction(h.db.db, { agencyId: null }, id);
  expect(done).toMatchObject({ status: 'closed', outcome: 'implemented', assurance: 'evidenced' });
  if (process.env.RECORD_FIXTURES === '1') await h.saveHistory(`action-${id}`, 'action-impact-check.history.json');
}, 90000);

it('not_embedded creates a linked follow-up action with its own workflow; mails sent once', async () => {
  const { id, refs, reference } = await approved({ impactCheckAfter: 'P30D' });
  await submitImpactEvidence(h.deps, h.people.csc, id, { statement: 'Survey of 12 staff', method: 'survey' });
  const state = await decideImpact(h.deps, h.people.board, id, {
    outcome: 'not_embedded',
    comment: 'Only 4 of 12 staff knew the thresholds',
    followUpDueDate: inDays(90).slice(0, 10),
  });
  expect(state.assurance).toBe('not_embedded');
  const followUpId = state.followUpActionId!;
  expect(followUpId).toBeTruthy();
  const parent = await h.action(id);
  const child = await h.action(followUpId);
  expect(parent).toMatchObject({ assurance: 'not_embedded', followUpActionId: followUpId, status: 'closed' });
  expect(child).toMatchObject({
    reference: '1.1a',
    followUpOf: id,
    agencyId: h.people.agencyIds.CSC,
    recommendationId: parent.recommendationId,
  });
  // Its own workflow: assigned, the agency told, and it can be acknowledged.
  await h.client.workflow.getHandle(`action-${id}`).result();
  const childRef = `${reference} 1.1a`;
  await h.waitMail(childRef, 'assignment');
  const ack = await acknowledgeAction(h.deps, h.people.csc, followUpId);
  expect(ack.stage).toBe('in_progress');
  const [decision] = await h.db.db.select().from(impactDecisions).where(eq(impactDecisions.actionId, id));
  expect(decision).toMatchObject({ outcome: 'not_embedded', followUpActionId: followUpId });
  await h.waitMail(refs[0], 'impact_decision');
  await h.settled(followUpId);
  expect(h.mailsFor(refs[0], 'impact_decision')).toHaveLength(1);
  expect(h.mailsFor(childRef, 'assignment')).toHaveLength(1);
}, 90000);

it('a waiver ends the check; an impact decision before evidence is refused and writes nothing', async () => {
  const { id } = await approved({ impactCheckAfter: 'P30D' });
  await h.settled(id);
  const before = await h.snapshot(id);
  expect(await refusalOf(decideImpact(h.deps, h.people.board, id, { outcome: 'evidenced', comment: '' }))).toBe(
    'conflict',
  );
  // Only the board, and not a member from the owning agency.
  expect(await refusalOf(decideImpact(h.deps, h.people.boardFromCsc, id, { outcome: 'waived', comment: 'x' }))).toBe(
    'forbidden',
  );
  expect(await refusalOf(decideImpact(h.deps, h.people.csc, id, { outcome: 'waived', comment: 'x' }))).toBe(
    'forbidden',
  );
  // Another agency may not send impact evidence.
  expect(await refusalOf(submitImpactEvidence(h.deps, h.people.pol, id, { statement: 'x', method: 'audit' }))).toBe(
    'forbidden',
  );
  expect(await h.snapshot(id)).toEqual(before);
  const waived = await decideImpact(h.deps, h.people.board, id, {
    outcome: 'waived',
    comment: 'The service was decommissioned',
  });
  expect(waived.assurance).toBe('waived');
  await h.client.workflow.getHandle(`action-${id}`).result();
}, 60000);

it('no impact check when the policy names none: the workflow ends at approval as before', async () => {
  const { id, state } = await approved({});
  expect(state).toMatchObject({ stage: 'closed', assurance: null });
  await h.client.workflow.getHandle(`action-${id}`).result();
  expect((await h.action(id)).assurance).toBeNull();
}, 60000);

it('progress updates do not change the stage and do reset the stall escalation; bad ones write nothing', async () => {
  const { refs, actionIds } = await h.review({ stallAfter: 'PT3S' });
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await h.waitMail(refs[0], 'escalation', (m) => m.subject.includes('no progress update'));
  const stalled = await until(async () => (await h.action(id)).escalationLevel === 1 && h.action(id));
  await h.settled(id);
  const before = await h.snapshot(id);
  expect(await refusalOf(postProgress(h.deps, h.people.csc, id, { statement: 'x', percentComplete: 150 }))).toBe(
    'validation',
  );
  expect(await refusalOf(postProgress(h.deps, h.people.csc, id, { statement: 'x', rag: 'red' }))).toBe('validation');
  expect(await refusalOf(postProgress(h.deps, h.people.pol, id, { statement: 'x' }))).toBe('forbidden');
  expect(await refusalOf(postProgress(h.deps, h.people.board, id, { statement: 'x' }))).toBe('forbidden');
  expect(await h.snapshot(id)).toEqual(before);

  const { state } = await postProgress(h.deps, h.people.csc, id, {
    statement: 'Two of four teams trained',
    percentComplete: 50,
    rag: 'amber',
    ragReason: 'Trainer off sick in March',
  });
  expect(state).toMatchObject({ stage: 'in_progress', escalationLevel: 0 });
  const row = await h.action(id);
  expect(row.status).toBe('in_progress');
  expect(row.lastActivityAt!.getTime()).toBeGreaterThan(stalled.lastActivityAt!.getTime());
  const [esc] = await h.db.db.select().from(escalations).where(eq(escalations.actionId, id));
  expect(esc.resolvedAt).not.toBeNull();
  const [u] = await h.db.db.select().from(progressUpdates).where(eq(progressUpdates.actionId, id));
  expect(u).toMatchObject({ percentComplete: 50, rag: 'amber', ragReason: 'Trainer off sick in March' });
  // The stall clock starts again from the update: a new stall escalation, on a new occasion.
  await until(
    async () =>
      (await h.db.db.select().from(escalations).where(eq(escalations.actionId, id))).filter(
        (e) => e.reason === 'stalled',
      ).length === 2,
  );
}, 60000);

it('slippage: original date, extensions counted, days slipped; the second extension request copies the chair', async () => {
  const { refs, actionIds } = await h.review({}, [{ dueDate: '2031-03-31' }]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  const first = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: '2031-04-30',
    reason: 'Recruitment',
    interimMeasures: 'Manager checks weekly',
  });
  const m1 = await h.waitMail(refs[0], 'extension_requested');
  expect(m1.to).toContain('member@board.test');
  expect(m1.cc ?? []).not.toContain(CHAIR);
  await decideExtension(h.deps, h.people.board, id, first.requestId, { outcome: 'approve' });
  const second = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: '2031-05-10',
    reason: 'Still recruiting',
    interimMeasures: 'Manager checks weekly',
  });
  const m2 = await h.waitMail(refs[0], 'extension_requested', (m) => m.subject.includes('again'));
  expect(m2.cc).toContain(CHAIR);
  await decideExtension(h.deps, h.people.board, id, second.requestId, { outcome: 'approve' });
  const view = await findAction(h.db.db, { agencyId: null }, id);
  expect(view).toMatchObject({
    originalDueOn: '2031-03-31',
    dueOn: '2031-05-10',
    extensionCount: 2,
    daysSlipped: 40,
  });
  await sleep(500);
  expect(h.mailsFor(refs[0], 'extension_requested')).toHaveLength(2);
  const [row] = await h.db.db
    .select()
    .from(actionsTable)
    .where(and(eq(actionsTable.id, id)));
  expect(row.extensionCount).toBe(2);
}, 60000);

it('a worker stopped between approval and the check date loses nothing: the request still goes, once', async () => {
  const { id, refs } = await approved({ impactCheckAfter: 'PT4S' });
  await h.stopWorker();
  await sleep(6000);
  await h.startWorker();
  await h.waitMail(refs[0], 'impact_request', () => true, 30000);
  await until(async () => (await h.action(id)).assurance === 'due');
  await h.settled(id);
  expect(h.mailsFor(refs[0], 'impact_request')).toHaveLength(1);
}, 90000);
