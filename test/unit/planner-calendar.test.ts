/**
 * The planner (workflows/planner.ts) in the board's calendar: overdue notices every n working
 * days (bank holidays skipped, the count of periods already passed), the delivery window
 * (`deliverAt`) moving every kind of instant to a working morning, a reminder that the window
 * would push past the due date, a missed instant in and out of working hours, and the fallback
 * calendar when a policy needs one but the workflow was given none.
 *
 * Dates are chosen in winter (London is on UTC) unless a test is about summer time, so an
 * instant reads the same in UTC as on the board's clock.
 */
import type { BoardCalendar } from '../../workflows/calendar';
import { plan, type PlanFacts, type PlannedInstant } from '../../workflows/planner';
import { CALENDAR_DAY_POLICY, type Policy } from '../../workflows/types';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
/** Christmas 2026 in England: Friday 25 December, Monday 28 December (Boxing Day substitute), Friday 1 January. */
const cal: BoardCalendar = { timeZone: 'Europe/London', holidays: ['2026-12-25', '2026-12-28', '2027-01-01'] };

const facts = (over: Partial<PlanFacts> = {}): PlanFacts => ({
  stage: 'in_progress',
  dueDate: at('2027-06-30T12:00:00Z'),
  dueDateSetAt: at('2026-11-02T10:00:00Z'),
  assignedAt: at('2026-11-02T10:00:00Z'),
  acknowledgedAt: at('2026-11-02T10:00:00Z'),
  lastActivityAt: at('2026-11-02T10:00:00Z'),
  evidenceSubmittedAt: null,
  done: [],
  ...over,
});
/** Calendar-day policy with nothing but what a test names (no reminders, a far ladder and stall). */
const policy = (over: Partial<Policy> = {}): Policy => ({
  ...CALENDAR_DAY_POLICY,
  remindBefore: [],
  escalateAfterOverdue: ['P365D'],
  stallAfter: 'P365D',
  acknowledgeWithin: 'P365D',
  boardDecisionWithin: 'P365D',
  ...over,
});
const iso = (t: number) => new Date(t).toISOString();
const pick = (p: PlannedInstant[], kind: PlannedInstant['kind'], reason?: string) =>
  p.filter((x) => x.kind === kind && (reason === undefined || x.reason === reason)).map((x) => [x.occasion, iso(x.at)]);

describe('overdue notices every n working days', () => {
  // Due Wednesday 23 December 2026 at 17:00; every 2 working days: Tuesday 29 (Thursday 24 and
  // Tuesday 29, over Christmas and Boxing Day), Thursday 31, then Tuesday 5 January (New Year's Day skipped).
  const DUE = at('2026-12-23T17:00:00Z');
  const every2 = policy({ overdueReminderEvery: { workingDays: 2 } });
  const f = (done: string[] = []) => facts({ dueDate: DUE, done });
  const overdue = (done: string[], now: number) => pick(plan(f(done), every2, now, cal), 'overdue');

  it('the first is at the due date', () => {
    expect(overdue([], at('2026-12-01T10:00:00Z'))).toEqual([[`overdue:${DUE}:0`, '2026-12-23T17:00:00.000Z']]);
  });

  it('the next ones skip weekends and bank holidays', () => {
    expect(overdue([`overdue:${DUE}:0`], DUE + HOUR)).toEqual([[`overdue:${DUE}:1`, '2026-12-29T17:00:00.000Z']]);
    expect(overdue([`overdue:${DUE}:0`, `overdue:${DUE}:1`], at('2026-12-29T17:00:00Z'))).toEqual([
      [`overdue:${DUE}:2`, '2026-12-31T17:00:00.000Z'],
    ]);
    expect(overdue([`overdue:${DUE}:2`], at('2026-12-31T17:00:00Z'))).toEqual([
      [`overdue:${DUE}:3`, '2027-01-05T17:00:00.000Z'],
    ]);
  });

  it('missed while the worker was down: the one for the current period goes at once', () => {
    // Wednesday 30 10:00: period 1 began Tuesday 29 17:00, period 2 begins Thursday 31 17:00.
    const now = at('2026-12-30T10:00:00Z');
    expect(overdue([`overdue:${DUE}:0`], now)).toEqual([[`overdue:${DUE}:1`, iso(now)]]);
  });

  it('on the day a period begins, but before its hour, it is still the previous period', () => {
    // Thursday 31 at 10:00 is two working days after the due date by the calendar, but period 2 starts at 17:00.
    const now = at('2026-12-31T10:00:00Z');
    expect(overdue([`overdue:${DUE}:0`], now)).toEqual([[`overdue:${DUE}:1`, iso(now)]]);
    expect(overdue([`overdue:${DUE}:0`, `overdue:${DUE}:1`], now)).toEqual([
      [`overdue:${DUE}:2`, '2026-12-31T17:00:00.000Z'],
    ]);
  });

  it('exactly at the hour a period begins, it is that period', () => {
    const now = at('2026-12-31T17:00:00Z');
    expect(overdue([`overdue:${DUE}:0`], now)).toEqual([[`overdue:${DUE}:2`, iso(now)]]);
  });

  it('a millisecond before the first period ends, it is still the due date notice', () => {
    const now = at('2026-12-29T16:59:59.999Z');
    expect(overdue([], now)).toEqual([[`overdue:${DUE}:0`, iso(now)]]);
    expect(overdue([`overdue:${DUE}:0`], now)).toEqual([[`overdue:${DUE}:1`, '2026-12-29T17:00:00.000Z']]);
  });

  it('long overdue: counted over many periods, not one at a time', () => {
    // 12 January 2027 is 11 working days after 23 December (24, 29, 30, 31, 4-8, 11, 12 January): period 5.
    const now = at('2027-01-12T18:00:00Z');
    expect(overdue([`overdue:${DUE}:0`], now)).toEqual([[`overdue:${DUE}:5`, iso(now)]]);
    expect(overdue([`overdue:${DUE}:5`], now)).toEqual([[`overdue:${DUE}:6`, '2027-01-13T17:00:00.000Z']]);
  });

  it('due on a Saturday: the first working-day period ends on the Tuesday', () => {
    const due = at('2027-01-09T12:00:00Z');
    const p = plan(facts({ dueDate: due, done: [`overdue:${due}:0`] }), every2, due + HOUR, cal);
    expect(pick(p, 'overdue')).toEqual([[`overdue:${due}:1`, '2027-01-12T12:00:00.000Z']]);
  });

  it('the first is never before the due date, even in the repeated hour of the autumn clock change', () => {
    // Sunday 25 October 2026: 01:30 happens twice in London; the due date is the second (01:30 GMT).
    const due = at('2026-10-25T01:30:00Z');
    const p = plan(
      facts({ dueDate: due }),
      policy({ overdueReminderEvery: { workingDays: 1 } }),
      at('2026-10-20T10:00:00Z'),
      cal,
    );
    expect(pick(p, 'overdue')).toEqual([[`overdue:${due}:0`, '2026-10-25T01:30:00.000Z']]);
  });

  it('without a calendar from the workflow, working days are Monday to Friday in London with no holidays', () => {
    const p = plan(f([`overdue:${DUE}:0`]), every2, DUE + HOUR);
    // Christmas Day counts as a working day here: Thursday 24, Friday 25.
    expect(pick(p, 'overdue')).toEqual([[`overdue:${DUE}:1`, '2026-12-25T17:00:00.000Z']]);
    const late = at('2026-12-30T18:00:00Z'); // 24, 25, 28, 29, 30: period 2
    expect(pick(plan(f([`overdue:${DUE}:0`]), every2, late), 'overdue')).toEqual([[`overdue:${DUE}:2`, iso(late)]]);
  });
});

describe('escalations and reminders counted in working days', () => {
  it('the ladder, the stall and the board decision skip weekends and bank holidays, labelled as written', () => {
    const due = at('2026-12-23T17:00:00Z');
    const p = plan(
      facts({ dueDate: due, lastActivityAt: at('2026-12-22T11:00:00Z') }),
      policy({ escalateAfterOverdue: [{ workingDays: 1 }, { workingDays: 3 }], stallAfter: { workingDays: 4 } }),
      at('2026-12-22T11:00:00Z'),
      cal,
    );
    // Ladder: Thursday 24, then 24, 29, 30; the stall: four working days after Tuesday 22 (23, 24, 29, 30).
    expect(pick(p, 'escalation')).toEqual([
      [`escalation:overdue:${due}:1`, '2026-12-24T17:00:00.000Z'],
      [`escalation:stalled:${at('2026-12-22T11:00:00Z')}`, '2026-12-30T11:00:00.000Z'],
      [`escalation:overdue:${due}:2`, '2026-12-30T17:00:00.000Z'],
    ]);

    const submitted = at('2026-12-24T09:30:00Z');
    const review = plan(
      facts({ stage: 'under_review', evidenceSubmittedAt: submitted }),
      policy({ boardDecisionWithin: { workingDays: 2 } }),
      submitted,
      cal,
    );
    expect(pick(review, 'escalation')).toEqual([
      [`escalation:awaiting_board:${submitted}`, '2026-12-30T09:30:00.000Z'],
    ]);
  });

  it('a reminder n working days before the due date', () => {
    const due = at('2027-01-04T17:00:00Z'); // Monday after New Year
    const p = plan(
      facts({ dueDate: due, dueDateSetAt: at('2026-12-01T10:00:00Z') }),
      policy({ remindBefore: [{ workingDays: 2 }, { workingDays: 2 }, 'P1D'] }),
      at('2026-12-01T10:00:00Z'),
      cal,
    );
    // Two working days back from Monday 4 January: Wednesday 30 December (Friday 1 January is a holiday).
    expect(pick(p, 'reminder')).toEqual([
      [`reminder:${due}:2WD`, '2026-12-30T17:00:00.000Z'],
      [`reminder:${due}:P1D`, '2027-01-03T17:00:00.000Z'],
    ]);
  });
});

describe('the delivery window', () => {
  const window = (over: Partial<Policy> = {}) => policy({ deliverAt: '09:00', ...over });

  it('moves the acknowledgement escalation to 09:00 on the next working day (Christmas 2026)', () => {
    const assigned = at('2026-12-24T15:00:00Z');
    const f = facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: assigned, lastActivityAt: assigned });
    const p = plan(f, window({ acknowledgeWithin: { workingDays: 1 } }), assigned, cal);
    expect(pick(p, 'escalation', 'not_acknowledged')).toEqual([
      [`escalation:not_acknowledged:${assigned}`, '2026-12-30T09:00:00.000Z'],
    ]);
    // Without the window, the instant itself.
    const plain = plan(f, policy({ acknowledgeWithin: { workingDays: 1 } }), assigned, cal);
    expect(pick(plain, 'escalation', 'not_acknowledged')).toEqual([
      [`escalation:not_acknowledged:${assigned}`, '2026-12-29T15:00:00.000Z'],
    ]);
    expect(
      pick(
        plan(f, policy({ acknowledgeWithin: { workingDays: 1 }, deliverAt: null }), assigned, cal),
        'escalation',
        'not_acknowledged',
      ),
    ).toEqual(pick(plain, 'escalation', 'not_acknowledged'));
  });

  it('moves calendar-day instants too: the overdue notice, the ladder, the stall and the board decision', () => {
    const due = at('2027-01-09T12:00:00Z'); // a Saturday
    const active = at('2027-01-07T14:00:00Z'); // Thursday
    const p = plan(
      facts({ dueDate: due, lastActivityAt: active }),
      window({ escalateAfterOverdue: ['P2D'], stallAfter: 'P1D' }),
      active,
      cal,
    );
    expect(pick(p, 'overdue')).toEqual([[`overdue:${due}:0`, '2027-01-11T09:00:00.000Z']]);
    expect(pick(p, 'escalation', 'overdue')).toEqual([[`escalation:overdue:${due}:1`, '2027-01-12T09:00:00.000Z']]);
    expect(pick(p, 'escalation', 'stalled')).toEqual([[`escalation:stalled:${active}`, '2027-01-11T09:00:00.000Z']]);

    const submitted = at('2027-01-08T08:00:00Z'); // Friday before 09:00, decision within 3 days: Monday 08:00
    const review = plan(
      facts({ stage: 'under_review', evidenceSubmittedAt: submitted }),
      window({ boardDecisionWithin: 'P3D' }),
      submitted,
      cal,
    );
    expect(pick(review, 'escalation')).toEqual([
      [`escalation:awaiting_board:${submitted}`, '2027-01-11T09:00:00.000Z'],
    ]);
  });

  it('an instant exactly at 09:00 on a working day stays where it is', () => {
    const assigned = at('2027-01-05T09:00:00Z'); // Tuesday
    const f = facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: assigned, lastActivityAt: assigned });
    const p = plan(f, window({ acknowledgeWithin: 'P1D' }), assigned, cal);
    expect(pick(p, 'escalation', 'not_acknowledged')).toEqual([
      [`escalation:not_acknowledged:${assigned}`, '2027-01-06T09:00:00.000Z'],
    ]);
  });

  it('counts 09:00 on the board clock: in summer that is 08:00 UTC, also for the fallback calendar', () => {
    const assigned = at('2026-06-05T12:00:00Z'); // Friday, 13:00 in London
    const f = facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: assigned, lastActivityAt: assigned });
    for (const c of [cal, undefined]) {
      const p = plan(f, window({ acknowledgeWithin: 'PT1H' }), assigned, c);
      expect(pick(p, 'escalation', 'not_acknowledged')).toEqual([
        [`escalation:not_acknowledged:${assigned}`, '2026-06-08T08:00:00.000Z'],
      ]);
    }
  });

  describe('a reminder the window would push to or past the due date', () => {
    // Due Monday 11 January 2027 at 09:00; a reminder one hour before would be 08:00, and the next window is the due instant itself.
    const due = at('2027-01-11T09:00:00Z');
    const oneHour = window({ remindBefore: ['PT1H'] });

    it('goes at the last window before its instant instead (the Friday before)', () => {
      const setAt = at('2027-01-04T10:00:00Z');
      const p = plan(facts({ dueDate: due, dueDateSetAt: setAt }), oneHour, setAt, cal);
      expect(pick(p, 'reminder')).toEqual([[`reminder:${due}:PT1H`, '2027-01-08T09:00:00.000Z']]);
    });

    it('a reminder after the morning window of the due day goes at that window', () => {
      const due10 = at('2027-01-11T10:00:00Z');
      const setAt = at('2027-01-04T10:00:00Z');
      const p = plan(facts({ dueDate: due10, dueDateSetAt: setAt }), window({ remindBefore: ['PT30M'] }), setAt, cal);
      // 09:30 is after 09:00, so the next window is Tuesday 09:00, after the due date: back to Monday 09:00.
      expect(pick(p, 'reminder')).toEqual([[`reminder:${due10}:PT30M`, '2027-01-11T09:00:00.000Z']]);
    });

    it('is dropped when that earlier window was before the due date was set', () => {
      const setAt = at('2027-01-08T10:00:00Z'); // Friday 10:00, after the Friday window
      const p = plan(facts({ dueDate: due, dueDateSetAt: setAt }), oneHour, setAt, cal);
      expect(pick(p, 'reminder')).toEqual([]);
    });

    it('is kept when that earlier window is the very instant the due date was set', () => {
      const setAt = at('2027-01-08T09:00:00Z');
      const p = plan(facts({ dueDate: due, dueDateSetAt: setAt }), oneHour, setAt, cal);
      expect(pick(p, 'reminder')).toEqual([[`reminder:${due}:PT1H`, '2027-01-08T09:00:00.000Z']]);
    });

    it('moved back only when its window reaches the due date', () => {
      const setAt = at('2027-01-04T10:00:00Z');
      const p = plan(facts({ dueDate: due, dueDateSetAt: setAt }), window({ remindBefore: ['P1D'] }), setAt, cal);
      // Sunday 09:00: the next window is Monday 09:00, which is the due date: back to Friday 09:00.
      expect(pick(p, 'reminder')).toEqual([[`reminder:${due}:P1D`, '2027-01-08T09:00:00.000Z']]);
      const p3 = plan(facts({ dueDate: due, dueDateSetAt: setAt }), window({ remindBefore: ['P3D'] }), setAt, cal);
      // Friday 09:00 exactly: a window already.
      expect(pick(p3, 'reminder')).toEqual([[`reminder:${due}:P3D`, '2027-01-08T09:00:00.000Z']]);
      const p4 = plan(facts({ dueDate: due, dueDateSetAt: setAt }), window({ remindBefore: ['P4DT1H'] }), setAt, cal);
      // Thursday 08:00: the same morning's window.
      expect(pick(p4, 'reminder')).toEqual([[`reminder:${due}:P4DT1H`, '2027-01-07T09:00:00.000Z']]);
    });
  });

  describe('a missed instant', () => {
    const assigned = at('2027-01-04T09:00:00Z'); // Monday
    const f = facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: assigned, lastActivityAt: assigned });
    const ackEscalation = (now: number, c: BoardCalendar | undefined = cal, deliverAt: string | null = '09:00') =>
      pick(plan(f, policy({ acknowledgeWithin: 'P1D', deliverAt }), now, c), 'escalation', 'not_acknowledged');
    const occasion = `escalation:not_acknowledged:${assigned}`;

    it('goes at once in working hours', () => {
      expect(ackEscalation(at('2027-01-06T10:15:00Z'))).toEqual([[occasion, '2027-01-06T10:15:00.000Z']]);
      expect(ackEscalation(at('2027-01-06T09:00:00Z'))).toEqual([[occasion, '2027-01-06T09:00:00.000Z']]);
      expect(ackEscalation(at('2027-01-06T17:59:59.999Z'))).toEqual([[occasion, '2027-01-06T17:59:59.999Z']]);
    });

    it('waits for the next window outside them: the evening, the early morning, a weekend, a bank holiday', () => {
      expect(ackEscalation(at('2027-01-06T18:00:00Z'))).toEqual([[occasion, '2027-01-07T09:00:00.000Z']]);
      expect(ackEscalation(at('2027-01-07T07:30:00Z'))).toEqual([[occasion, '2027-01-07T09:00:00.000Z']]);
      expect(ackEscalation(at('2027-01-09T11:00:00Z'))).toEqual([[occasion, '2027-01-11T09:00:00.000Z']]);
      const f2 = facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: at('2026-12-21T09:00:00Z') });
      const p = plan(f2, policy({ acknowledgeWithin: 'P1D', deliverAt: '09:00' }), at('2026-12-28T10:00:00Z'), cal);
      expect(pick(p, 'escalation', 'not_acknowledged')).toEqual([
        [`escalation:not_acknowledged:${at('2026-12-21T09:00:00Z')}`, '2026-12-29T09:00:00.000Z'],
      ]);
    });

    it('without a window, goes at once whatever the hour', () => {
      expect(ackEscalation(at('2027-01-09T23:00:00Z'), cal, null)).toEqual([[occasion, '2027-01-09T23:00:00.000Z']]);
    });

    it('with a window and no calendar from the workflow, the London weekday hours apply', () => {
      expect(ackEscalation(at('2027-01-09T11:00:00Z'), undefined)).toEqual([[occasion, '2027-01-11T09:00:00.000Z']]);
      expect(ackEscalation(at('2027-01-06T10:15:00Z'), undefined)).toEqual([[occasion, '2027-01-06T10:15:00.000Z']]);
    });
  });
});
