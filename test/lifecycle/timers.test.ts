/**
 * Reminders and escalations against the real stack, with policies in seconds. The scenarios are
 * independent (own review, own mails), so they run concurrently to keep the file short.
 */
import { and, eq } from 'drizzle-orm';
import { acknowledgeAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { escalations, notifications } from '../../db/schema';
import { dueOn, formatDateTime } from '../../lib/board-time';
import { holidayDates } from '../../api/use-cases/board-calendar';
import { actions as actionsTable, auditEvents } from '../../db/schema';
import {
  addWorkingDays,
  calendarDate,
  endOfLocalDay,
  inWorkingHours,
  isDeliveryInstant,
  localTime,
  localToInstant,
  nextDeliveryAt,
  toReal,
  toVirtual,
  type BoardCalendar,
} from '../../workflows/calendar';
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
  expect(mail.text).toContain('has not been acknowledged');
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
  const { refs, actionIds } = await h.review({ remindBefore: ['PT6S', 'PT3S'], overdueReminderEvery: 'PT2S' }, [
    { dueInMs: 9000 },
  ]);
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  const due = (await h.action(actionIds[0])).dueDate.getTime();
  await h.catcher.waitFor(
    (m) =>
      m.headers['x-action-ref'] === refs[0] && kindOf(m) === 'overdue' && h.mailsFor(refs[0], 'overdue').length >= 2,
    20000,
  );
  const reminders = h.mailsFor(refs[0], 'reminder');
  expect(reminders).toHaveLength(2);
  const [first, second] = reminders.map((m) => Date.parse(m.receivedAt));
  expect(first).toBeLessThan(second);
  expect(second).toBeLessThan(due);
  expect(first).toBeGreaterThanOrEqual(due - 6000 - 200);
  const overdue = h.mailsFor(refs[0], 'overdue').map((m) => Date.parse(m.receivedAt));
  expect(overdue[0]).toBeGreaterThanOrEqual(due);
  // The second is the next period's notice (PT2S later), not a repeat: told by the occasions the
  // workflow recorded, not by when mail happened to arrive on a loaded machine.
  expect(overdue[1]).toBeGreaterThanOrEqual(overdue[0]);
  const sent = await h.db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.actionId, actionIds[0]), eq(auditEvents.type, 'overdue_reminder_sent')));
  expect(sent.map((e) => (e.payload as { occasion?: string }).occasion)).toEqual(
    expect.arrayContaining([`overdue:${due}:0`, `overdue:${due}:1`]),
  );
  expect(await h.action(actionIds[0])).toMatchObject({ rag: 'red' });
  // Each occasion is mailed once.
  const ids = h.mailsFor(refs[0]).map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
});

it.concurrent(
  'climbs the overdue ladder: lead, senior manager, chair, each with the lower levels in copy',
  async () => {
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
    expect(rows.map((r) => [r.level, r.reason]).sort()).toEqual([
      [1, 'overdue'],
      [2, 'overdue'],
      [3, 'overdue'],
    ]);
    expect(rows.find((r) => r.level === 3)?.notified.sort()).toEqual(
      [CHAIR, 'lead@csc.test', 'senior@csc.test'].sort(),
    );
    expect(await h.action(actionIds[0])).toMatchObject({ escalationLevel: 3, rag: 'red' });
    if (process.env.RECORD_FIXTURES === '1') {
      await h.settled(actionIds[0]);
      await h.saveHistory(`action-${actionIds[0]}`, 'action-escalations.history.json');
    }
  },
);

it.concurrent('escalates a stalled action, and submitting evidence resolves the stall', async () => {
  const { refs, actionIds } = await h.review({ stallAfter: 'PT2S' });
  await acknowledgeAction(h.deps, h.people.csc, actionIds[0]);
  const mail = await h.waitMail(refs[0], 'escalation');
  expect(mail.text).toContain('has had no progress update');
  expect(mail.to).toEqual(['lead@csc.test']);
  const state = await submitEvidence(h.deps, h.people.csc, actionIds[0], {
    statement: 'Training delivered to all staff',
    links: ['https://example.test/minutes'],
  });
  expect(state).toMatchObject({ stage: 'under_review', escalationLevel: 0, openEscalations: [] });
  const [esc] = await h.db.db
    .select()
    .from(escalations)
    .where(and(eq(escalations.actionId, actionIds[0]), eq(escalations.reason, 'stalled')));
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
  expect(mail.text).toContain('waiting too long for the board');
  await until(async () => (await h.action(actionIds[0])).escalationLevel === 3);
  const state = await decideAction(h.deps, h.people.board, actionIds[0], {
    outcome: 'approve',
    comment: 'Evidence accepted',
  });
  expect(state).toMatchObject({ stage: 'closed', outcome: 'implemented', escalationLevel: 0 });
  const [esc] = await h.db.db.select().from(escalations).where(eq(escalations.actionId, actionIds[0]));
  expect(esc).toMatchObject({ reason: 'awaiting_board', level: 3 });
  expect(esc.resolvedAt).not.toBeNull();
  await sleep(0);
});

/**
 * The board calendar on a compressed clock: one virtual day lasts six real seconds (see
 * CompressedClock in workflows/calendar.ts), starting just after midnight on Good Friday 2027
 * (26 March, a bank holiday; Easter Monday 29 March is one too). Policies mix real seconds and
 * working days; every reminder, overdue notice and escalation must go at 09:00 virtual time on a
 * working day.
 */
it.concurrent(
  'on a compressed calendar: reminders in the window, an acknowledgement escalation skipping a weekend and a bank holiday',
  async () => {
    const dayMs = 6000;
    const clock = {
      realOrigin: Date.now(),
      virtualOrigin: localToInstant('2027-03-26', 30 * 60_000, 'Europe/London'),
      dayMs,
    };
    const cal: BoardCalendar = { timeZone: 'Europe/London', holidays: await holidayDates(h.db.db), clock };
    const virtual = (t: number) => `${formatDateTime(toVirtual(cal, t))}`;
    const dueB = toReal(cal, endOfLocalDay('2027-03-30', 'Europe/London')); // Tuesday 30 March, end of the day
    const { refs, actionIds } = await h.review(
      { acknowledgeWithin: { workingDays: 1 }, remindBefore: ['PT10S'], deliverAt: '09:00' },
      [{ dueInMs: 400_000 }, { dueDate: new Date(dueB).toISOString() }],
      { calendarClock: clock },
    );
    const [a, b] = actionIds;
    await acknowledgeAction(h.deps, h.people.csc, b);

    // A: not acknowledged. One working day after assignment skips Saturday, Sunday and Easter Monday.
    const [assigned] = await until(async () => {
      const rows = await h.db.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.actionId, a), eq(auditEvents.type, 'assigned')));
      return rows.length ? rows : null;
    });
    const assignedAt = assigned.occurredAt.getTime();
    expect(calendarDate(cal, assignedAt)).toBe('2027-03-26');
    const expected = nextDeliveryAt(addWorkingDays(assignedAt, 1, cal), '09:00', cal);
    expect(['2027-03-30', '2027-03-31']).toContain(calendarDate(cal, expected));
    const [rowA] = await h.db.db.select().from(actionsTable).where(eq(actionsTable.id, a));
    // The timer itself is set for the delivery instant (what the Temporal UI shows).
    expect({ planned: virtual(rowA.nextTimerAt!.getTime()) }).toEqual({ planned: virtual(expected) });
    expect(isDeliveryInstant(rowA.nextTimerAt!.getTime(), '09:00', cal)).toBe(true);

    // B: the reminder 10 s (40 virtual hours) before the due date would fall on Easter Monday: it goes Tuesday 09:00.
    const reminder = await h.waitMail(refs[1], 'reminder', () => true, 60_000);
    const escalation = await h.waitMail(refs[0], 'escalation', () => true, 60_000);
    const overdue = await h.waitMail(refs[1], 'overdue', () => true, 60_000);
    expect(escalation.text).toContain('has not been acknowledged');

    const events = await h.db.db.select().from(auditEvents).where(eq(auditEvents.type, 'escalation_raised'));
    const raised = events.find((e) => e.actionId === a)!.occurredAt.getTime();
    expect(raised).toBeGreaterThanOrEqual(expected);
    expect({ raised: virtual(raised), inHours: inWorkingHours(raised, '09:00', cal) }).toEqual({
      raised: virtual(raised),
      inHours: true,
    });

    const sentB = await h.db.db.select().from(auditEvents).where(eq(auditEvents.actionId, b));
    const reminderAt = sentB.find((e) => e.type === 'reminder_sent')!.occurredAt.getTime();
    const overdueAt = sentB.find((e) => e.type === 'overdue_reminder_sent')!.occurredAt.getTime();
    expect({ reminder: calendarDate(cal, reminderAt), overdue: calendarDate(cal, overdueAt) }).toEqual({
      reminder: '2027-03-30',
      overdue: '2027-03-31',
    });
    for (const t of [reminderAt, overdueAt]) {
      expect({ at: virtual(t), inHours: inWorkingHours(t, '09:00', cal) }).toEqual({ at: virtual(t), inHours: true });
      // Fired at the window's opening (virtual 09:00), give or take the timer's latency, never before it.
      expect(localTime(Math.floor(toVirtual(cal, t)), 'Europe/London').msOfDay).toBeGreaterThanOrEqual(9 * 3_600_000);
    }
    for (const m of [reminder, escalation, overdue])
      expect(Date.parse(m.receivedAt)).toBeGreaterThanOrEqual(Math.min(reminderAt, raised));
    // Nothing went in the night, at the weekend or on the bank holidays.
    const allB = h
      .mailsFor(refs[1])
      .concat(h.mailsFor(refs[0]))
      .filter((m) => kindOf(m) !== 'assignment');
    for (const m of allB) expect(['2027-03-30', '2027-03-31']).toContain(calendarDate(cal, Date.parse(m.receivedAt)));
    if (process.env.RECORD_FIXTURES === '1') {
      await h.settled(b);
      await h.saveHistory(`action-${b}`, 'action-board-calendar.history.json');
    }
  },
  120_000,
);
