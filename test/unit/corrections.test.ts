/**
 * Issue 22: the rules of the board's corrections (workflows/corrections.ts), and the day, month
 * and year boxes of the correction pages read as a day (api/web/corrections-pages.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { dayFromBoxes } from '../../api/web/corrections-pages';
import { checkCorrectDueDate, checkWithdrawWithReview } from '../../workflows/corrections';
import { REFUSAL, type ActionMemory, type ActionStage, type Actor } from '../../workflows/types';

const DAY = 86_400_000;
const DUE = Date.UTC(2027, 0, 31);

const memory = (over: Partial<ActionMemory> = {}): ActionMemory => ({
  stage: 'in_progress',
  outcome: null,
  agencyId: 'agency-csc',
  agencyCode: 'CSC',
  dueDate: DUE,
  dueDateSetAt: DUE - 60 * DAY,
  assignedAt: DUE - 60 * DAY,
  acknowledgedAt: DUE - 59 * DAY,
  lastActivityAt: DUE - 59 * DAY,
  evidenceSubmittedAt: null,
  currentEvidenceId: null,
  closedAt: null,
  changesRequested: false,
  pendingExtension: null,
  openEscalations: [],
  done: [],
  seq: 1,
  outbox: [],
  ...over,
});

const admin: Actor = { userId: 'u-admin', role: 'admin', agencyId: null };
const board: Actor = { userId: 'u-board', role: 'board', agencyId: null };
const boardFromCsc: Actor = { userId: 'u-board-csc', role: 'board', agencyId: 'agency-csc' };
const csc: Actor = { userId: 'u-csc', role: 'agency', agencyId: 'agency-csc' };

function refusal(check: () => void): { type: string | undefined; message: string } | null {
  try {
    check();
    return null;
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    return { type: err.type ?? undefined, message: err.message };
  }
}

const later = new Date(DUE + 30 * DAY).toISOString();

describe('correcting a due date', () => {
  it.each(['assigned', 'in_progress', 'under_review'] as ActionStage[])(
    'the board and admin may, while %s',
    (stage) => {
      expect(
        refusal(() => checkCorrectDueDate(memory({ stage }), { actor: board, dueDate: later, reason: 'typo' })),
      ).toBeNull();
      expect(
        refusal(() => checkCorrectDueDate(memory({ stage }), { actor: admin, dueDate: later, reason: 'typo' })),
      ).toBeNull();
    },
  );
  it('an earlier date is a correction too', () => {
    const earlier = new Date(DUE - 10 * DAY).toISOString();
    expect(refusal(() => checkCorrectDueDate(memory(), { actor: board, dueDate: earlier, reason: 'typo' }))).toBeNull();
  });
  it.each(['closed', 'cancelled'] as ActionStage[])('not once %s', (stage) => {
    expect(
      refusal(() => checkCorrectDueDate(memory({ stage }), { actor: board, dueDate: later, reason: 'x' })),
    ).toEqual({
      type: REFUSAL.illegalTransition,
      message: `cannot correct the due date of an action that is ${stage}`,
    });
  });
  it('not the agency, nor a board member from the owning agency', () => {
    expect(refusal(() => checkCorrectDueDate(memory(), { actor: csc, dueDate: later, reason: 'x' }))?.type).toBe(
      REFUSAL.forbidden,
    );
    expect(
      refusal(() => checkCorrectDueDate(memory(), { actor: boardFromCsc, dueDate: later, reason: 'x' }))?.type,
    ).toBe(REFUSAL.forbidden);
  });
  it('needs a date that differs, a reason, and no extension request waiting', () => {
    expect(refusal(() => checkCorrectDueDate(memory(), { actor: board, dueDate: 'soon', reason: 'x' }))).toEqual({
      type: REFUSAL.invalidArgument,
      message: 'dueDate is not a date',
    });
    expect(
      refusal(() => checkCorrectDueDate(memory(), { actor: board, dueDate: new Date(DUE).toISOString(), reason: 'x' })),
    ).toEqual({ type: REFUSAL.invalidArgument, message: 'the action is already due then' });
    expect(refusal(() => checkCorrectDueDate(memory(), { actor: board, dueDate: later, reason: ' ' }))).toEqual({
      type: REFUSAL.invalidArgument,
      message: 'the reason for the correction is required',
    });
    const waiting = memory({ pendingExtension: { requestId: 'x-1', newDueDate: DUE + DAY } });
    expect(refusal(() => checkCorrectDueDate(waiting, { actor: board, dueDate: later, reason: 'x' }))).toEqual({
      type: REFUSAL.illegalTransition,
      message: 'an extension request is waiting for the board: decide it first',
    });
  });
});

describe('withdrawing with the review', () => {
  it('the board, admin, and a board member of the agency may (it is the whole review)', () => {
    for (const actor of [board, admin, boardFromCsc])
      expect(refusal(() => checkWithdrawWithReview(memory(), { actor, reason: 'Entered twice' }))).toBeNull();
  });
  it('not the agency, not a finished action, not without a reason', () => {
    expect(refusal(() => checkWithdrawWithReview(memory(), { actor: csc, reason: 'x' }))?.type).toBe(REFUSAL.forbidden);
    expect(
      refusal(() => checkWithdrawWithReview(memory({ stage: 'closed' }), { actor: board, reason: 'x' }))?.type,
    ).toBe(REFUSAL.illegalTransition);
    expect(refusal(() => checkWithdrawWithReview(memory(), { actor: board, reason: '' }))?.type).toBe(
      REFUSAL.invalidArgument,
    );
    expect(
      refusal(() => checkWithdrawWithReview(memory(), { actor: board, reason: 'x', tellAgency: { references: ' ' } }))
        ?.message,
    ).toBe('tellAgency.references is required');
  });
});

describe('a date typed as day, month and year', () => {
  const boxes = (day: string, month: string, year: string) => ({ 'd-day': day, 'd-month': month, 'd-year': year });
  it('reads as the day, with or without leading zeros', () => {
    expect(dayFromBoxes(boxes('2', '12', '2027'), 'd')).toEqual({ day: '2027-12-02' });
    expect(dayFromBoxes(boxes(' 02 ', '03', '2027'), 'd')).toEqual({ day: '2027-03-02' });
  });
  it('says which part is missing, or that the date is not real', () => {
    expect(dayFromBoxes(boxes('', '', ''), 'd')).toEqual({ problem: 'Enter the new due date' });
    expect(dayFromBoxes(boxes('', '3', '2027'), 'd')).toEqual({ problem: 'The date must include a day' });
    expect(dayFromBoxes(boxes('1', '', '2027'), 'd')).toEqual({ problem: 'The date must include a month' });
    expect(dayFromBoxes(boxes('1', '3', ''), 'd')).toEqual({ problem: 'The date must include a year' });
    for (const [d, m, y] of [
      ['31', '2', '2027'],
      ['1', '13', '2027'],
      ['1', '3', '27'],
      ['x', '3', '2027'],
    ])
      expect(dayFromBoxes(boxes(d, m, y), 'd')).toEqual({ problem: 'Enter a real date, like 31 3 2027' });
  });
});
