/**
 * Issue 20, the pure parts: a re-timed escalation in the planner (raised at the chair's date, not
 * before, and only while its cause holds), the chair step's validator, and the challenge mail.
 */
import { recipients, type MailFacts } from '../../activities/mail-content';
import { checkChairStep } from '../../workflows/chair';
import { plan, type PlanFacts } from '../../workflows/planner';
import {
  CALENDAR_DAY_POLICY,
  type ActionMemory,
  type ChairStepArgs,
  type RetimedEscalation,
} from '../../workflows/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const QUIET = { ...CALENDAR_DAY_POLICY, remindBefore: [], escalateAfterOverdue: [] };

const facts = (over: Partial<PlanFacts> = {}): PlanFacts => ({
  stage: 'in_progress',
  dueDate: T0 + 60 * DAY,
  dueDateSetAt: T0,
  assignedAt: T0,
  acknowledgedAt: T0,
  lastActivityAt: T0,
  evidenceSubmittedAt: null,
  done: [],
  ...over,
});
const retimed = (over: Partial<RetimedEscalation> = {}): RetimedEscalation => ({
  escalationId: 'e1',
  level: 3,
  reason: 'overdue',
  at: T0 + 100 * DAY,
  setAt: T0 + 70 * DAY,
  ...over,
});
const retimedIn = (f: PlanFacts, now: number) =>
  plan(f, QUIET, now).filter((p) => p.occasion.startsWith('escalation:retimed:'));

describe('a re-timed escalation in the plan', () => {
  it('is planned at exactly the chair’s date, with its level and reason', () => {
    const [p] = retimedIn(facts({ retimed: [retimed()] }), T0 + 71 * DAY);
    expect(p).toMatchObject({ at: T0 + 100 * DAY, kind: 'escalation', level: 3, reason: 'overdue' });
  });
  it('is not planned once fired', () => {
    const f = facts({ retimed: [retimed()] });
    const [p] = retimedIn(f, T0 + 71 * DAY);
    expect(retimedIn({ ...f, done: [p.occasion] }, T0 + 101 * DAY)).toEqual([]);
  });
  it('is dropped when its cause has ended', () => {
    const at = T0 + 71 * DAY;
    // An extension past the chair's date: no longer overdue then.
    expect(retimedIn(facts({ dueDate: T0 + 120 * DAY, retimed: [retimed()] }), at)).toEqual([]);
    expect(retimedIn(facts({ stage: 'under_review', retimed: [retimed()] }), at)).toEqual([]);
    // Stalled: activity since the chair re-timed it.
    const stalled = retimed({ reason: 'stalled', level: 1 });
    expect(retimedIn(facts({ lastActivityAt: T0 + 72 * DAY, retimed: [stalled] }), T0 + 73 * DAY)).toEqual([]);
    expect(retimedIn(facts({ retimed: [stalled] }), at)).toHaveLength(1);
    const board = retimed({ reason: 'awaiting_board' });
    expect(
      retimedIn(facts({ stage: 'under_review', evidenceSubmittedAt: T0 + 60 * DAY, retimed: [board] }), at),
    ).toHaveLength(1);
    expect(retimedIn(facts({ stage: 'in_progress', retimed: [board] }), at)).toEqual([]);
    const ack = retimed({ reason: 'not_acknowledged' });
    expect(retimedIn(facts({ stage: 'assigned', acknowledgedAt: null, retimed: [ack] }), at)).toHaveLength(1);
    expect(retimedIn(facts({ retimed: [ack] }), at)).toEqual([]);
  });
  it('changes nothing for a workflow without one', () => {
    const f = facts();
    expect(plan({ ...f, retimed: [] }, QUIET, T0)).toEqual(plan(f, QUIET, T0));
  });
});

describe('the chair step validator', () => {
  const memory = {
    stage: 'in_progress',
    openEscalations: [{ id: 'e1', level: 3, reason: 'overdue', raisedAt: '2025-01-01T00:00:00Z', occasion: 'x' }],
  } as unknown as ActionMemory;
  const chair = { userId: 'u1', role: 'chair' as const, agencyId: null };
  const args = (over: Partial<ChairStepArgs>): ChairStepArgs => ({
    actor: chair,
    escalationId: 'e1',
    noteId: 'n1',
    step: 'challenge',
    text: 'Why?',
    sentTo: 'lead',
    ...over,
  });
  const refusal = (a: ChairStepArgs) => {
    try {
      checkChairStep(memory, a);
      return null;
    } catch (err) {
      return (err as { type?: string }).type;
    }
  };
  it('accepts the chair’s steps on an open escalation', () => {
    expect(refusal(args({}))).toBeNull();
    expect(refusal(args({ step: 'resolved', text: '' }))).toBeNull();
    expect(refusal(args({ step: 'retimed', text: '', until: new Date(Date.now() + DAY).toISOString() }))).toBeNull();
  });
  it('refuses anyone else, a closed escalation and bad arguments', () => {
    expect(refusal(args({ actor: { userId: 'u2', role: 'board', agencyId: null } }))).toBe('Forbidden');
    expect(refusal(args({ escalationId: 'gone' }))).toBe('IllegalTransition');
    expect(refusal(args({ text: '  ' }))).toBe('InvalidArgument');
    expect(refusal(args({ sentTo: undefined }))).toBe('InvalidArgument');
    expect(refusal(args({ step: 'response', text: '' }))).toBe('InvalidArgument');
    expect(refusal(args({ step: 'retimed', until: new Date(Date.now() - 1000).toISOString() }))).toBe(
      'InvalidArgument',
    );
    expect(refusal(args({ step: 'retimed', until: undefined }))).toBe('InvalidArgument');
    expect(refusal(args({ text: 'a\u0000b' }))).toBe('InvalidArgument');
  });
});

describe('the challenge mail', () => {
  const f = {
    boardChairEmail: 'Chair@Board.test',
    agency: { code: 'BHT', name: 'BHT', leadEmail: 'lead@bht.test', seniorEmail: 'senior@bht.test', userEmails: [] },
    boardEmails: [],
  } as unknown as MailFacts;
  const req = { workflowId: 'w', kind: 'chair_challenge' as const, occasion: 'challenge:n1' };
  it('goes to the officer the chair named, the chair in copy', () => {
    expect(recipients({ ...req, challengeTo: 'senior' }, f)).toEqual({
      to: ['senior@bht.test'],
      cc: ['chair@board.test'],
    });
    expect(recipients({ ...req, challengeTo: 'lead' }, f)).toEqual({ to: ['lead@bht.test'], cc: ['chair@board.test'] });
  });
});
