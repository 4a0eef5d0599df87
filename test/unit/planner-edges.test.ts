/**
 * The planner (workflows/planner.ts) at its boundaries: instants exactly at the moment a due
 * date was set or exactly now, a zero or tiny interval, a ladder longer than three, instants
 * that fall together (their order is the order mails go out), and dueNow.
 */
import { dueNow, plan, type PlanFacts, type PlannedInstant } from '../../workflows/planner';
import { CALENDAR_DAY_POLICY, type Policy } from '../../workflows/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const DUE = T0 + 60 * DAY;

const facts = (over: Partial<PlanFacts> = {}): PlanFacts => ({
  stage: 'in_progress',
  dueDate: DUE,
  dueDateSetAt: T0,
  assignedAt: T0,
  acknowledgedAt: T0,
  lastActivityAt: T0,
  evidenceSubmittedAt: null,
  done: [],
  ...over,
});
const policy = (over: Partial<Policy> = {}): Policy => ({ ...CALENDAR_DAY_POLICY, stallAfter: 'P365D', ...over });
const occasions = (p: PlannedInstant[], kind?: string) =>
  p.filter((x) => !kind || x.kind === kind).map((x) => x.occasion);

describe('reminders', () => {
  it('a reminder falling exactly when the due date was set is still upcoming', () => {
    const p = plan(facts({ dueDateSetAt: DUE - 7 * DAY }), policy({ remindBefore: ['P7D'] }), DUE - 7 * DAY);
    expect(occasions(p, 'reminder')).toEqual([`reminder:${DUE}:P7D`]);
  });

  it('one millisecond earlier it was already past', () => {
    const p = plan(facts({ dueDateSetAt: DUE - 7 * DAY + 1 }), policy({ remindBefore: ['P7D'] }), DUE - 7 * DAY + 1);
    expect(occasions(p, 'reminder')).toEqual([]);
  });

  it('a reminder "zero before" the due date is no reminder', () => {
    expect(occasions(plan(facts(), policy({ remindBefore: ['PT0S'] }), T0), 'reminder')).toEqual([]);
  });

  it('the same duration twice is one reminder', () => {
    expect(occasions(plan(facts(), policy({ remindBefore: ['P7D', 'P7D'] }), T0), 'reminder')).toEqual([
      `reminder:${DUE}:P7D`,
    ]);
  });

  it('when one reminder is due exactly now and an earlier one was missed, only the one due now is sent', () => {
    const now = DUE - 7 * DAY;
    const p = plan(facts(), policy({ remindBefore: ['P28D', 'P7D', 'P1D'] }), now);
    expect(p.filter((x) => x.kind === 'reminder')).toEqual([
      { at: now, kind: 'reminder', occasion: `reminder:${DUE}:P7D` },
      { at: DUE - DAY, kind: 'reminder', occasion: `reminder:${DUE}:P1D` },
    ]);
  });

  it('one reminder missed alone is sent now', () => {
    const now = DUE - 20 * DAY;
    const p = plan(facts(), policy({ remindBefore: ['P28D', 'P7D'] }), now);
    expect(p.filter((x) => x.kind === 'reminder').map((x) => [x.occasion, x.at])).toEqual([
      [`reminder:${DUE}:P28D`, now],
      [`reminder:${DUE}:P7D`, DUE - 7 * DAY],
    ]);
  });

  it('no reminders once the evidence is with the board, or before acknowledgement is not required', () => {
    expect(
      occasions(plan(facts({ stage: 'under_review', evidenceSubmittedAt: T0 }), policy(), T0), 'reminder'),
    ).toEqual([]);
    expect(occasions(plan(facts({ stage: 'assigned', acknowledgedAt: null }), policy(), T0), 'reminder')).toHaveLength(
      3,
    );
  });
});

describe('overdue reminders', () => {
  it('repeat at least a second apart, even with a zero interval', () => {
    const p = plan(facts({ done: [`overdue:${DUE}:0`] }), policy({ overdueReminderEvery: 'PT0S' }), DUE);
    expect(p.find((x) => x.kind === 'overdue')).toEqual({
      at: DUE + 1000,
      kind: 'overdue',
      occasion: `overdue:${DUE}:1`,
    });
  });

  it('an interval under a second is a second', () => {
    const p = plan(facts({ done: [`overdue:${DUE}:0`] }), policy({ overdueReminderEvery: 'PT0.2S' }), DUE + 500);
    expect(p.find((x) => x.kind === 'overdue')).toEqual({
      at: DUE + 1000,
      kind: 'overdue',
      occasion: `overdue:${DUE}:1`,
    });
  });

  it('long overdue: the one for the current period, at once, not every one missed', () => {
    const now = DUE + 15 * DAY;
    const p = plan(facts({ done: [`overdue:${DUE}:0`] }), policy(), now);
    expect(p.find((x) => x.kind === 'overdue')).toEqual({ at: now, kind: 'overdue', occasion: `overdue:${DUE}:2` });
  });

  it('and after that one, the next period', () => {
    const now = DUE + 15 * DAY;
    const p = plan(facts({ done: [`overdue:${DUE}:0`, `overdue:${DUE}:2`] }), policy(), now);
    expect(p.find((x) => x.kind === 'overdue')).toEqual({
      at: DUE + 21 * DAY,
      kind: 'overdue',
      occasion: `overdue:${DUE}:3`,
    });
  });

  it('before the due date, the first one is at the due date', () => {
    expect(plan(facts(), policy(), T0).find((x) => x.kind === 'overdue')).toEqual({
      at: DUE,
      kind: 'overdue',
      occasion: `overdue:${DUE}:0`,
    });
  });
});

describe('escalation ladder', () => {
  it('has three levels at most', () => {
    const p = plan(facts(), policy({ escalateAfterOverdue: ['P1D', 'P2D', 'P3D', 'P4D'] }), T0);
    expect(p.filter((x) => x.reason === 'overdue').map((x) => [x.level, x.at])).toEqual([
      [1, DUE + DAY],
      [2, DUE + 2 * DAY],
      [3, DUE + 3 * DAY],
    ]);
  });

  it('a missed level is raised at once, and only the highest one due', () => {
    const now = DUE + 25 * DAY;
    const p = plan(facts(), policy(), now);
    expect(p.filter((x) => x.reason === 'overdue')).toEqual([
      { at: now, kind: 'escalation', reason: 'overdue', level: 2, occasion: `escalation:overdue:${DUE}:2` },
      { at: DUE + 42 * DAY, kind: 'escalation', reason: 'overdue', level: 3, occasion: `escalation:overdue:${DUE}:3` },
    ]);
  });
});

describe('stage escalations', () => {
  it('under review without an evidence time: nothing to plan', () => {
    expect(plan(facts({ stage: 'under_review', evidenceSubmittedAt: null }), policy(), T0)).toEqual([]);
  });

  it('assigned: the acknowledgement deadline from the assignment, never a stall', () => {
    const p = plan(
      facts({ stage: 'assigned', acknowledgedAt: null, assignedAt: T0 + DAY, lastActivityAt: T0 }),
      policy({ stallAfter: 'P1D' }),
      T0 + DAY,
    );
    expect(p.filter((x) => x.kind === 'escalation' && x.reason !== 'overdue')).toEqual([
      {
        at: T0 + 6 * DAY,
        kind: 'escalation',
        reason: 'not_acknowledged',
        level: 1,
        occasion: `escalation:not_acknowledged:${T0 + DAY}`,
      },
    ]);
  });

  it('the board decision escalation belongs to the review alone, whatever evidence time the facts still carry', () => {
    // The workflow clears the evidence time when the board decides; the planner does not rely on it.
    for (const stage of ['assigned', 'in_progress'] as const) {
      const p = plan(facts({ stage, evidenceSubmittedAt: T0 }), policy({ boardDecisionWithin: 'P1D' }), T0);
      expect(p.filter((x) => x.reason === 'awaiting_board')).toEqual([]);
    }
  });

  it('in progress: the stall from the last activity, never the acknowledgement', () => {
    const p = plan(facts({ lastActivityAt: T0 + 2 * DAY }), policy({ stallAfter: 'P3D' }), T0 + 2 * DAY);
    expect(p.filter((x) => x.kind === 'escalation' && x.reason !== 'overdue')).toEqual([
      {
        at: T0 + 5 * DAY,
        kind: 'escalation',
        reason: 'stalled',
        level: 1,
        occasion: `escalation:stalled:${T0 + 2 * DAY}`,
      },
    ]);
  });
});

describe('instants that fall together', () => {
  it('reminder, then overdue, then escalation', () => {
    // A reminder and the acknowledgement escalation at the same instant; the overdue mail and ladder level 1 at the due date.
    const p = plan(
      facts({ stage: 'assigned', acknowledgedAt: null, dueDate: T0 + 10 * DAY }),
      policy({ remindBefore: ['P5D'], acknowledgeWithin: 'P5D', escalateAfterOverdue: ['PT0S', 'P1D'] }),
      T0,
    );
    expect(p.map((x) => [x.at - T0, x.kind, x.reason ?? null, x.level ?? null])).toEqual([
      [5 * DAY, 'reminder', null, null],
      [5 * DAY, 'escalation', 'not_acknowledged', 1],
      [10 * DAY, 'overdue', null, null],
      [10 * DAY, 'escalation', 'overdue', 1],
      [11 * DAY, 'escalation', 'overdue', 2],
    ]);
  });

  it('escalations at one instant: lower level first, then by occasion', () => {
    const p = plan(
      facts({ stage: 'assigned', acknowledgedAt: null }),
      policy({ acknowledgeWithin: 'P67D', escalateAfterOverdue: ['P7D', 'P7D'] }),
      T0,
    );
    expect(p.filter((x) => x.at === DUE + 7 * DAY).map((x) => x.occasion)).toEqual([
      `escalation:not_acknowledged:${T0}`,
      `escalation:overdue:${DUE}:1`,
      `escalation:overdue:${DUE}:2`,
    ]);
  });

  it('all due at once (a worker back after a long outage): reminder, overdue, then escalations by level and occasion, all now', () => {
    const now = DUE + 30 * DAY;
    const p = plan(
      facts({ stage: 'assigned', acknowledgedAt: null }),
      policy({ acknowledgeWithin: 'P67D', escalateAfterOverdue: ['P7D', 'P7D'] }),
      now,
    );
    expect(p.map((x) => x.occasion)).toEqual([
      `reminder:${DUE}:P1D`,
      `overdue:${DUE}:4`,
      `escalation:not_acknowledged:${T0}`,
      `escalation:overdue:${DUE}:1`,
      `escalation:overdue:${DUE}:2`,
    ]);
    expect(p.every((x) => x.at === now)).toBe(true);
  });
});

describe('dueNow', () => {
  const at = (ms: number): PlannedInstant => ({ at: ms, kind: 'reminder', occasion: `r${ms}` });
  it('keeps what is due at or before now, in order', () => {
    expect(dueNow([at(1), at(5), at(6), at(9)], 5)).toEqual([at(1), at(5)]);
    expect(dueNow([at(6)], 5)).toEqual([]);
    expect(dueNow([], 5)).toEqual([]);
  });
});
