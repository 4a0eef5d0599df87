/**
 * Reminders and escalations against the real stack, with policies in seconds. The scenarios are
 * independent (own review, own mails), so they run concurrently to keep the file short.
 */
import { and, eq } from 'drizzle-orm';
import { acknowledgeAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { escalations, notifications } from '../../db/schema';
import { dueOn } from '../../lib/board-time';
import { bundle, CHAIR, Harness, sleep, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('timers', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

const kindOf = (m: { headers: Record<string, string> }) => m.headers['x-notification-kind'];

it.concurrent('mails the assignment with an ICS entry for the due date to the lead and the agency users', async () => {
  const { refs, actionIds } = await h.review({}, [{ dueInMs: 10 * 86_400_000 }]);
  const mail = await h.waitMail(refs[0], 'assignment');
  expect(mail.to.sort()).toEqual(['lead@csc.test', 'worker@csc.test']);
  expect(mail.subject).toContain(refs[0]);
  expect(mail.text).toContain(`http://app.test/actions/${actionIds[0]}`);
  expect(mail.html).toContain(`href="http://app.test/actions/${actionIds[0]}"`);
  const row = await h.action(actionIds[0]);
  const ics = mail.attachments.find((a) => a.filename.endsWith('.ics'));
  expect(ics?.contentType).toContain('text/calendar');
  expect(ics?.content).toContain(`DTSTART;VALUE=DATE:${dueOn(row.dueDate).replace(/-/g, '')}`);
  expect(ics?.content).toContain(`UID:action-${actionIds[0]}@actionplan`);
  // The SMTP server accepts the message a moment before the activity marks the outbox row sent.
  const outbox = await until(async () => {
    const [r] = await h.db.db.select().from(notifications).where(eq(notifications.actionId, actionIds[0]));
    return r?.status === 'sent' && r;
  });
  expect(outbox).toMatchObject({ kind: 'assignment', status: 'sent', attempts: 1 });
  expect(row).toMatchObject({ status: 'assigned', rag: 'green', projectedSeq: 1 });
});

it.concurrent('escalates an unacknowledged action to the lead officer, and acknowledging resolves it', async () => {
  const { refs, actionIds } = await h.review({ acknowledgeWithin: 'PT2S' });
  const mail = await h.waitMail(refs[0], 'escalation');
  expect(mail.to).toEqual(['lead@csc.test']);
  expect(mail.text).toContain('not_acknowledged');
  const [esc] = await until(async () => {
    const rows = await h.db.db.select().from(escalations).where(eq(escalations.actionId, actionIds[0]));
    return rows.length && rows[0].notified.length ? rows : null;
  });
  expect(esc).toMatchObject({ level: 1, reason: 'not_acknowledged', resolvedAt: null, notified: ['lead@csc.test'] });
  expect(await h.action(actionIds[0])).toMatchObject({ escalationLevel: 1, rag: 'red' });
  const state = await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  expect(state).toMatchObject({ stage: 'in_progress', escalationLevel: 0 });
  const [after] = await h.db.db.select().from(escalations).where(eq(escalations.actionId, actionIds[0]));
  expect(after.resolvedAt).not.toBeNull();
  expect(await h.action(actionIds[0])).toMatchObject({ status: 'in_progress', escalationLevel: 0 });
});

it.concurrent('sends the reminders in order before the due date, then overdue reminders at and after it', async () => {
  const { refs, actionIds } = await h.review({ remindBefore: ['PT6S', 'PT3S'], overdueReminderEvery: 'PT2S' }, [{ dueInMs: 9000 }]);
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  const due = (await h.action(actionIds[0])).dueDate.getTime();
  await h.catcher.waitFor((m) => m.headers['x-action-ref'] === refs[0] && kindOf(m) === 'overdue' && h.mailsFor(refs[0], 'overdue').length >= 2, 20000);
  const reminders = h.mailsFor(refs[0], 'reminder');
  expect(reminders).toHaveLength(2);
  const [first, second] = reminders.map((m) => Date.parse(m.receivedAt));
  expect(first).toBeLessThan(second);
  expect(second).toBeLessThan(due);
  expect(first).toBeGreaterThanOrEqual(due - 6000 - 200);
  const overdue = h.mailsFor(refs[0], 'overdue').map((m) => Date.parse(m.receivedAt));
  expect(overdue[0]).toBeGreaterThanOrEqual(due);
  expect(overdue[1] - overdue[0]).toBeGreaterThanOrEqual(1500);
  expect(await h.action(actionIds[0])).toMatchObject({ rag: 'red' });
  // Each occasion is mailed once.
  const ids = h.mailsFor(refs[0]).map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
});

it.concurrent('climbs the overdue ladder: lead, senior manager, chair, each with the lower levels in copy', async () => {
  const { refs, actionIds } = await h.review({ escalateAfterOverdue: ['PT1S', 'PT3S', 'PT5S'] }, [{ dueInMs: 2000 }]);
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  await h.waitMail(refs[0], 'escalation', (m) => m.text.includes('level 3'), 25000);
  const mails = h.mailsFor(refs[0], 'escalation');
  expect(mails.map((m) => ({ to: m.to, cc: m.cc.sort() }))).toEqual([
    { to: ['lead@csc.test'], cc: [] },
    { to: ['senior@csc.test'], cc: ['lead@csc.test'] },
    { to: [CHAIR], cc: ['lead@csc.test', 'senior@csc.test'] },
  ]);
  const rows = await until(async () => {
    const r = await h.db.db.select().from(escalations).where(eq(escalations.actionId, actionIds[0]));
    return r.length === 3 && r.every((e) => e.notified.length) ? r : null;
  });
  expect(rows.map((r) => [r.level, r.reason]).sort()).toEqual([[1, 'overdue'], [2, 'overdue'], [3, 'overdue']]);
  expect(rows.find((r) => r.level === 3)?.notified.sort()).toEqual([CHAIR, 'lead@csc.test', 'senior@csc.test'].sort());
  expect(await h.action(actionIds[0])).toMatchObject({ escalationLevel: 3, rag: 'red' });
  if (process.env.RECORD_FIXTURES === '1') {
    await h.settled(actionIds[0]);
    await h.saveHistory(`action-${actionIds[0]}`, 'action-escalations.history.json');
  }
});

it.concurrent('escalates a stalled action, and submitting evidence resolves the stall', async () => {
  const { refs, actionIds } = await h.review({ stallAfter: 'PT2S' });
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  const mail = await h.waitMail(refs[0], 'escalation');
  expect(mail.text).toContain('stalled');
  expect(mail.to).toEqual(['lead@csc.test']);
  const state = await submitEvidence(h.deps, h.people.csc, actionIds[0], { statement: 'Training delivered to all staff', links: ['https://example.test/minutes'] });
  expect(state).toMatchObject({ stage: 'under_review', escalationLevel: 0, openEscalations: [] });
  const [esc] = await h.db.db.select().from(escalations).where(and(eq(escalations.actionId, actionIds[0]), eq(escalations.reason, 'stalled')));
  expect(esc.resolvedAt).not.toBeNull();
  const boardMail = await h.waitMail(refs[0], 'evidence_submitted');
  expect(boardMail.to.sort()).toEqual(['boardcsc@board.test', 'member@board.test']);
});

it.concurrent('escalates evidence that waits too long for the board to the chair', async () => {
  const { refs, actionIds } = await h.review({ boardDecisionWithin: 'PT2S' });
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  await submitEvidence(h.deps, h.people.csc, actionIds[0], { statement: 'Audit completed' });
  const mail = await h.waitMail(refs[0], 'escalation');
  expect(mail.to).toEqual([CHAIR]);
  expect(mail.text).toContain('awaiting_board');
  await until(async () => (await h.action(actionIds[0])).escalationLevel === 3);
  const state = await decideAction(h.deps, h.people.board, actionIds[0], { outcome: 'approve', comment: 'Evidence accepted' });
  expect(state).toMatchObject({ stage: 'closed', outcome: 'implemented', escalationLevel: 0 });
  const [esc] = await h.db.db.select().from(escalations).where(eq(escalations.actionId, actionIds[0]));
  expect(esc).toMatchObject({ reason: 'awaiting_board', level: 3 });
  expect(esc.resolvedAt).not.toBeNull();
  await sleep(0);
});
