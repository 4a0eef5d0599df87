/**
 * Issue 22 item 9: the board's corrections inside the action workflow (workflows/corrections.ts,
 * patch 'board-corrections'). A corrected due date plans every timer again: the overdue
 * escalation of the wrong date ends, and the overdue notice and escalation come again at the new
 * date. A withdrawal ends each action as cancelled with the reason; one of each agency's
 * actions carries the agency's one mail.
 */
import { and, asc, eq } from 'drizzle-orm';
import { withdrawReview } from '../../api/use-cases/corrections';
import { correctDueDate } from '../../api/use-cases/corrections';
import { auditEvents, escalations, reviews } from '../../db/schema';
import { bundle, Harness, sleep, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('corrections', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

const eventsOf = (actionId: string) =>
  h.db.db.select().from(auditEvents).where(eq(auditEvents.actionId, actionId)).orderBy(asc(auditEvents.id));

it('a corrected due date ends the wrong date’s overdue escalation and plans overdue and escalation from the new one', async () => {
  const { refs, actionIds } = await h.review(
    { overdueReminderEvery: 'P30D', escalateAfterOverdue: ['PT2S'], remindBefore: [] },
    [{ dueInMs: 1500 }],
  );
  const [id] = actionIds;
  await h.waitMail(refs[0], 'overdue');
  const [first] = await until(async () => {
    const rows = await h.db.db.select().from(escalations).where(eq(escalations.actionId, id));
    return rows.length ? rows : null;
  });
  expect(first).toMatchObject({ level: 1, reason: 'overdue', resolvedAt: null });

  const newDue = new Date(Date.now() + 4000).toISOString();
  const state = await correctDueDate(h.deps, h.people.board, id, { dueDate: newDue, reason: 'The plan said later' });
  expect(state.dueDate).toBe(newDue);
  expect(state.escalationLevel).toBe(0);
  expect(state.nextTimer?.at).toBe(newDue);
  const [ended] = await h.db.db.select().from(escalations).where(eq(escalations.id, first.id));
  expect(ended.resolvedAt).not.toBeNull();

  // At the new date: a second overdue notice, then the ladder again, both after the correction.
  await until(async () => {
    const rows = await h.db.db
      .select()
      .from(escalations)
      .where(and(eq(escalations.actionId, id), eq(escalations.reason, 'overdue')));
    return rows.length === 2 ? rows : null;
  }, 30000);
  const events = await eventsOf(id);
  const corrected = events.findIndex((e) => e.type === 'due_date_corrected');
  expect(events[corrected].payload).toMatchObject({ to: newDue, reason: 'The plan said later' });
  const after = events.slice(corrected + 1).map((e) => e.type);
  expect(after).toEqual(expect.arrayContaining(['overdue_reminder_sent', 'escalation_raised']));
  for (const e of events.slice(corrected + 1).filter((x) => x.type === 'overdue_reminder_sent'))
    expect(e.occurredAt.getTime()).toBeGreaterThanOrEqual(Date.parse(newDue));
  // Not an extension: nothing counted as slippage.
  expect((await h.action(id)).extensionCount).toBe(0);
  expect((await h.action(id)).originalDueDate).toBeNull();

  if (process.env.RECORD_FIXTURES === '1') {
    await h.settled(id);
    await h.saveHistory(`action-${id}`, 'action-due-date-corrected.history.json');
  }
}, 90000);

it('a withdrawn review cancels each open action with the reason, and the agency gets one mail', async () => {
  const { review, refs, actionIds } = await h.review({}, [{}, {}, { agencyCode: 'POL' }]);
  const out = await withdrawReview(h.deps, h.people.board, review.id, { reason: 'Entered twice' });
  expect(out.agenciesTold.sort()).toEqual(['CSC', 'POL']);
  for (const id of actionIds) expect((await h.action(id)).status).toBe('cancelled');
  const csc = await h.waitMail(refs[0], 'decision');
  expect(csc.subject).toContain('Review withdrawn');
  expect(csc.text).toContain('1.1, 1.2');
  expect(csc.to).toContain('lead@csc.test');
  await h.waitMail(refs[2], 'decision');
  // The recommendation completes (cancelled) and the review stays withdrawn.
  await until(async () => {
    const [r] = await h.db.db.select().from(reviews).where(eq(reviews.id, review.id));
    const events = await h.db.db.select().from(auditEvents).where(eq(auditEvents.reviewId, review.id));
    return r.status === 'withdrawn' && events.some((e) => e.type === 'recommendation_completed');
  }, 30000);
  await h.settled(actionIds[1]);
  await sleep(500);
  expect(h.mailsFor(refs[1])).toEqual([
    expect.objectContaining({ headers: expect.objectContaining({ 'x-notification-kind': 'assignment' }) }),
  ]);
  if (process.env.RECORD_FIXTURES === '1') {
    await h.settled(actionIds[0]);
    await h.saveHistory(`action-${actionIds[0]}`, 'action-withdrawn-with-review.history.json');
  }
}, 90000);
