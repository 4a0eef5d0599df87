import fc from 'fast-check';
import { DurationError, parseDuration } from '../../workflows/duration';
import { plan, type PlanFacts } from '../../workflows/planner';
import { CALENDAR_DAY_POLICY, type Policy } from '../../workflows/types';

const S = 1000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

const facts = (over: Partial<PlanFacts> = {}): PlanFacts => ({
  stage: 'assigned',
  dueDate: T0 + 60 * DAY,
  dueDateSetAt: T0,
  assignedAt: T0,
  acknowledgedAt: null,
  lastActivityAt: T0,
  evidenceSubmittedAt: null,
  done: [],
  ...over,
});

describe('parseDuration', () => {
  it('parses days, weeks, times and seconds', () => {
    expect(parseDuration('P5D')).toBe(5 * DAY);
    expect(parseDuration('P1W')).toBe(7 * DAY);
    expect(parseDuration('PT2S')).toBe(2 * S);
    expect(parseDuration('P1DT12H30M')).toBe(DAY + 12.5 * 3_600_000);
    expect(parseDuration('PT0.5S')).toBe(500);
  });
  it.each(['', 'P', 'PT', '5D', 'P1M', 'P1Y', 'PT1X', 'P1DT'])('refuses %p', (v) => {
    expect(() => parseDuration(v)).toThrow(DurationError);
  });
});

describe('plan (examples)', () => {
  it('schedules reminders, overdue, ladder and the acknowledgement escalation for a new action', () => {
    const p = plan(facts(), CALENDAR_DAY_POLICY, T0);
    const byOccasion = Object.fromEntries(p.map((x) => [x.occasion, x.at]));
    const due = T0 + 60 * DAY;
    expect(byOccasion[`escalation:not_acknowledged:${T0}`]).toBe(T0 + 5 * DAY);
    expect(byOccasion[`reminder:${due}:P28D`]).toBe(due - 28 * DAY);
    expect(byOccasion[`reminder:${due}:P7D`]).toBe(due - 7 * DAY);
    expect(byOccasion[`reminder:${due}:P1D`]).toBe(due - DAY);
    expect(byOccasion[`overdue:${due}:0`]).toBe(due);
    expect(byOccasion[`escalation:overdue:${due}:1`]).toBe(due + 7 * DAY);
    expect(byOccasion[`escalation:overdue:${due}:3`]).toBe(due + 42 * DAY);
    expect(p[0].occasion).toBe(`escalation:not_acknowledged:${T0}`);
  });

  it('skips reminders that were already past when the due date was set', () => {
    const p = plan(facts({ dueDate: T0 + 10 * DAY }), CALENDAR_DAY_POLICY, T0);
    expect(p.filter((x) => x.kind === 'reminder').map((x) => x.occasion)).toEqual([
      `reminder:${T0 + 10 * DAY}:P7D`,
      `reminder:${T0 + 10 * DAY}:P1D`,
    ]);
  });

  it('fires a missed instant now, and only the latest one of a series', () => {
    const due = T0 + 60 * DAY;
    const now = due - 12 * 3_600_000; // past the P28D, P7D and P1D reminders
    const p = plan(facts({ stage: 'in_progress', acknowledgedAt: T0, lastActivityAt: now }), CALENDAR_DAY_POLICY, now);
    const reminders = p.filter((x) => x.kind === 'reminder');
    expect(reminders).toEqual([{ at: now, kind: 'reminder', occasion: `reminder:${due}:P1D` }]);
  });

  it('repeats the overdue reminder every overdueReminderEvery', () => {
    const due = T0 + 60 * DAY;
    const f = facts({ stage: 'in_progress', done: [`overdue:${due}:0`] });
    const next = plan(f, CALENDAR_DAY_POLICY, due + DAY).find((x) => x.kind === 'overdue');
    expect(next).toEqual({ at: due + 7 * DAY, kind: 'overdue', occasion: `overdue:${due}:1` });
  });

  it('plans by stage: stall while in progress, board delay while under review, nothing when closed', () => {
    const inProgress = plan(facts({ stage: 'in_progress', lastActivityAt: T0 + DAY }), CALENDAR_DAY_POLICY, T0 + DAY);
    expect(inProgress.find((x) => x.reason === 'stalled')?.at).toBe(T0 + 31 * DAY);
    expect(inProgress.some((x) => x.reason === 'not_acknowledged')).toBe(false);
    const review = plan(
      facts({ stage: 'under_review', evidenceSubmittedAt: T0 + 2 * DAY }),
      CALENDAR_DAY_POLICY,
      T0 + 2 * DAY,
    );
    expect(review).toEqual([
      {
        at: T0 + 16 * DAY,
        kind: 'escalation',
        reason: 'awaiting_board',
        level: 3,
        occasion: `escalation:awaiting_board:${T0 + 2 * DAY}`,
      },
    ]);
    expect(plan(facts({ stage: 'closed' }), CALENDAR_DAY_POLICY, T0)).toEqual([]);
    expect(plan(facts({ stage: 'cancelled' }), CALENDAR_DAY_POLICY, T0)).toEqual([]);
  });

  it('a waiting extension request runs the board-delay clock from when it was asked; none without it or once closed', () => {
    const asked = T0 + 3 * DAY;
    const f = facts({ stage: 'in_progress', acknowledgedAt: T0, lastActivityAt: asked, extensionRequestedAt: asked });
    expect(plan(f, CALENDAR_DAY_POLICY, asked).find((x) => x.reason === 'awaiting_board')).toEqual({
      at: asked + 14 * DAY,
      kind: 'escalation',
      reason: 'awaiting_board',
      level: 3,
      occasion: `escalation:awaiting_board:extension:${asked}`,
    });
    // Both clocks when evidence and a request wait together; once fired, not again.
    const both = plan(
      { ...f, stage: 'under_review', evidenceSubmittedAt: asked + DAY },
      CALENDAR_DAY_POLICY,
      asked + DAY,
    ).filter((x) => x.reason === 'awaiting_board');
    expect(both.map((x) => x.occasion)).toEqual([
      `escalation:awaiting_board:extension:${asked}`,
      `escalation:awaiting_board:${asked + DAY}`,
    ]);
    const fired = { ...f, done: [`escalation:awaiting_board:extension:${asked}`] };
    expect(plan(fired, CALENDAR_DAY_POLICY, asked + 20 * DAY).some((x) => x.reason === 'awaiting_board')).toBe(false);
    expect(
      plan({ ...f, extensionRequestedAt: null }, CALENDAR_DAY_POLICY, asked).some((x) => x.reason === 'awaiting_board'),
    ).toBe(false);
    expect(plan({ ...f, stage: 'closed' }, CALENDAR_DAY_POLICY, asked)).toEqual([]);
  });

  it('an extension moves every due-date timer', () => {
    const before = plan(facts({ stage: 'in_progress' }), CALENDAR_DAY_POLICY, T0 + DAY);
    const after = plan(
      facts({ stage: 'in_progress', dueDate: T0 + 90 * DAY, dueDateSetAt: T0 + DAY }),
      CALENDAR_DAY_POLICY,
      T0 + DAY,
    );
    const dueTimers = (p: typeof before) => p.filter((x) => x.reason !== 'stalled').map((x) => x.at);
    expect(dueTimers(after)).toEqual(dueTimers(before).map((at) => at + 30 * DAY));
  });
});

// ---- properties ----

const dur = fc.oneof(
  fc.integer({ min: 1, max: 120 }).map((n) => `PT${n}S`),
  fc.integer({ min: 1, max: 60 }).map((n) => `P${n}D`),
);
const policyArb: fc.Arbitrary<Policy> = fc.record({
  acknowledgeWithin: dur,
  remindBefore: fc.array(dur, { maxLength: 4 }),
  overdueReminderEvery: dur,
  escalateAfterOverdue: fc
    .array(dur, { minLength: 1, maxLength: 3 })
    .map((a) => [...a].sort((x, y) => parseDuration(x) - parseDuration(y))),
  stallAfter: dur,
  boardDecisionWithin: dur,
});
const stageArb = fc.constantFrom('assigned', 'in_progress', 'under_review', 'closed', 'cancelled' as const);
const factsArb = fc
  .record({
    stage: stageArb,
    setAt: fc.integer({ min: 0, max: 100 * DAY }),
    dueAfter: fc.integer({ min: 0, max: 100 * DAY }),
    assignedAfter: fc.integer({ min: 0, max: 10 * DAY }),
    activityAfter: fc.integer({ min: 0, max: 10 * DAY }),
    nowAfter: fc.integer({ min: 0, max: 200 * DAY }),
    doneMask: fc.array(fc.boolean(), { maxLength: 12 }),
  })
  .map((r) => {
    const base = T0 + r.setAt;
    const f: PlanFacts = {
      stage: r.stage,
      dueDate: base + r.dueAfter,
      dueDateSetAt: base,
      assignedAt: T0 + r.assignedAfter,
      acknowledgedAt: r.stage === 'assigned' ? null : T0 + r.assignedAfter,
      lastActivityAt: T0 + r.assignedAfter + r.activityAfter,
      evidenceSubmittedAt: r.stage === 'under_review' ? T0 + r.assignedAfter + r.activityAfter : null,
      done: [],
    };
    return { f, now: base + r.nowAfter, doneMask: r.doneMask };
  });

describe('plan (properties)', () => {
  it('returns instants in order, none in the past, none after closure, no occasion twice', () => {
    fc.assert(
      fc.property(factsArb, policyArb, ({ f, now, doneMask }, policy) => {
        // Mark some of the planned occasions as done, as the workflow would after firing them.
        const first = plan(f, policy, now);
        const facts2 = { ...f, done: first.filter((_, i) => doneMask[i]).map((p) => p.occasion) };
        for (const p of [first, plan(facts2, policy, now)]) {
          for (let i = 1; i < p.length; i++) expect(p[i].at).toBeGreaterThanOrEqual(p[i - 1].at);
          for (const x of p) expect(x.at).toBeGreaterThanOrEqual(now);
          expect(new Set(p.map((x) => x.occasion)).size).toBe(p.length);
          if (f.stage === 'closed' || f.stage === 'cancelled') expect(p).toEqual([]);
        }
        for (const x of plan(facts2, policy, now)) expect(facts2.done).not.toContain(x.occasion);
      }),
      { numRuns: 500 },
    );
  });

  it('never plans an earlier escalation after an extension', () => {
    fc.assert(
      fc.property(factsArb, policyArb, fc.integer({ min: 1, max: 60 * DAY }), ({ f, now }, policy, extra) => {
        const before = plan(f, policy, now);
        const extended = plan({ ...f, dueDate: Math.max(f.dueDate, now) + extra, dueDateSetAt: now }, policy, now);
        const key = (x: { reason?: string; level?: number }) => `${x.reason}:${x.level}`;
        const earlier = new Map(before.filter((x) => x.kind === 'escalation').map((x) => [key(x), x.at]));
        for (const x of extended.filter((e) => e.kind === 'escalation')) {
          const was = earlier.get(key(x));
          if (was !== undefined) expect(x.at).toBeGreaterThanOrEqual(was);
        }
        const minOf = (p: typeof before) =>
          Math.min(...p.filter((x) => x.kind === 'escalation' && x.reason === 'overdue').map((x) => x.at));
        expect(minOf(extended)).toBeGreaterThanOrEqual(minOf(before));
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(factsArb, policyArb, ({ f, now }, policy) => {
        expect(plan(f, policy, now)).toEqual(plan(f, policy, now));
      }),
    );
  });
});
