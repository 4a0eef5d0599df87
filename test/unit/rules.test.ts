/**
 * Who may do what, in which stage (workflows/rules.ts), checked directly: every refusal is an
 * ApplicationFailure with the type the API maps to a status and a message a person can act on,
 * and every permitted message passes without a word.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as rules from '../../workflows/rules';
import { REFUSAL, type ActionMemory, type ActionStage, type Actor } from '../../workflows/types';

const DAY = 86_400_000;
const DUE = Date.UTC(2027, 0, 31);
const STAGES: ActionStage[] = ['assigned', 'in_progress', 'under_review', 'closed', 'cancelled'];

const memory = (over: Partial<ActionMemory> = {}): ActionMemory => ({
  stage: 'assigned',
  outcome: null,
  agencyId: 'agency-csc',
  agencyCode: 'CSC',
  dueDate: DUE,
  dueDateSetAt: DUE - 60 * DAY,
  assignedAt: DUE - 60 * DAY,
  acknowledgedAt: null,
  lastActivityAt: DUE - 60 * DAY,
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
const boardFromPol: Actor = { userId: 'u-board-pol', role: 'board', agencyId: 'agency-pol' };
const csc: Actor = { userId: 'u-csc', role: 'agency', agencyId: 'agency-csc' };
const pol: Actor = { userId: 'u-pol', role: 'agency', agencyId: 'agency-pol' };

/** The refusal a check throws, or null when it lets the message through. */
function refusal(check: () => void): { type: string | undefined; message: string; nonRetryable: boolean } | null {
  try {
    check();
    return null;
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    return { type: err.type ?? undefined, message: err.message, nonRetryable: err.nonRetryable === true };
  }
}
const illegal = (message: string) => ({ type: REFUSAL.illegalTransition, message, nonRetryable: true });
const forbidden = (message: string) => ({ type: REFUSAL.forbidden, message, nonRetryable: true });
const invalid = (message: string) => ({ type: REFUSAL.invalidArgument, message, nonRetryable: true });

const OWNER_ONLY = 'only the owning agency may do this';
const BOARD_ONLY = 'only the board may do this';
const ADMIN_DECIDES = "an administrator may not decide on an action: decisions are the board's";
const CONFLICT = 'a board member from the owning agency may not decide on its action (conflict of interest)';
const NO_ACTOR = 'an actor with a role is required';

const evidence = (actor: Actor | undefined = csc, over: Record<string, unknown> = {}) =>
  ({ actor, evidenceId: 'ev-1', statement: 'Done and audited', links: [], attachments: [], ...over }) as Parameters<
    typeof rules.checkSubmitEvidence
  >[1];
const extension = (actor: Actor = csc, over: Record<string, unknown> = {}) =>
  ({
    actor,
    requestId: 'x-1',
    newDueDate: new Date(DUE + 30 * DAY).toISOString(),
    reason: 'Staff shortage',
    interimMeasures: 'Weekly checks',
    ...over,
  }) as Parameters<typeof rules.checkRequestExtension>[1];

describe('the actor', () => {
  it.each([
    ['missing', undefined],
    ['without a user id', { role: 'agency', agencyId: 'agency-csc' }],
    ['with a user id that is not text', { userId: 7, role: 'agency', agencyId: 'agency-csc' }],
    ['with an unknown role', { userId: 'u', role: 'chair', agencyId: null }],
    ['without a role', { userId: 'u', agencyId: null }],
  ])('%s is an invalid argument, whatever the message', (_what, actor) => {
    const m = memory();
    const a = actor as Actor;
    expect(refusal(() => rules.checkAcknowledge(m, { actor: a }))).toEqual(invalid(NO_ACTOR));
    expect(refusal(() => rules.checkCancel(m, { actor: a, reason: 'r' }))).toEqual(invalid(NO_ACTOR));
    expect(
      refusal(() =>
        rules.checkDecide(memory({ stage: 'under_review' }), { actor: a, outcome: 'approve', comment: '' }),
      ),
    ).toEqual(invalid(NO_ACTOR));
  });

  it('a message with no arguments at all is refused, not crashed on', () => {
    const none = undefined as never;
    expect(refusal(() => rules.checkAcknowledge(memory(), none))).toEqual(invalid(NO_ACTOR));
    expect(refusal(() => rules.checkDecide(memory({ stage: 'under_review' }), none))).toEqual(invalid(NO_ACTOR));
  });

  it.each(['admin', 'board', 'agency'] as const)('role %s is a role', (role) => {
    const r = refusal(() => rules.checkAcknowledge(memory(), { actor: { userId: 'u', role, agencyId: 'agency-csc' } }));
    expect(r?.message).not.toBe(NO_ACTOR);
  });
});

describe('acknowledge', () => {
  it('the owning agency acknowledges an assigned action; an administrator does not act for it', () => {
    expect(refusal(() => rules.checkAcknowledge(memory(), { actor: csc }))).toBeNull();
    expect(refusal(() => rules.checkAcknowledge(memory(), { actor: admin }))).toEqual(forbidden(OWNER_ONLY));
  });
  it('another agency, or the board, may not', () => {
    expect(refusal(() => rules.checkAcknowledge(memory(), { actor: pol }))).toEqual(forbidden(OWNER_ONLY));
    expect(refusal(() => rules.checkAcknowledge(memory(), { actor: board }))).toEqual(forbidden(OWNER_ONLY));
    expect(refusal(() => rules.checkAcknowledge(memory(), { actor: boardFromCsc }))).toEqual(forbidden(OWNER_ONLY));
  });
  it.each(STAGES.filter((s) => s !== 'assigned'))('not once %s', (stage) => {
    expect(refusal(() => rules.checkAcknowledge(memory({ stage }), { actor: csc }))).toEqual(
      illegal(`cannot acknowledge an action that is ${stage}`),
    );
  });
  it('checks who before when', () => {
    expect(refusal(() => rules.checkAcknowledge(memory({ stage: 'closed' }), { actor: pol }))).toEqual(
      forbidden(OWNER_ONLY),
    );
  });
});

describe('submit evidence', () => {
  const m = memory({ stage: 'in_progress' });
  it('the owning agency submits while in progress; an administrator does not', () => {
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence()))).toBeNull();
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence(admin)))).toEqual(forbidden(OWNER_ONLY));
    expect(
      refusal(() =>
        rules.checkSubmitEvidence(
          m,
          evidence(csc, { links: ['https://x.test'], attachments: [{ filename: 'a.pdf' }] }),
        ),
      ),
    ).toBeNull();
  });
  it('nobody else', () => {
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence(pol)))).toEqual(forbidden(OWNER_ONLY));
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence(board)))).toEqual(forbidden(OWNER_ONLY));
  });
  it.each(STAGES.filter((s) => s !== 'in_progress'))('not while %s', (stage) => {
    expect(refusal(() => rules.checkSubmitEvidence(memory({ stage }), evidence()))).toEqual(
      illegal(`cannot submit evidence for an action that is ${stage}`),
    );
  });
  it.each([
    ['no evidence id', { evidenceId: undefined }, 'evidenceId is required'],
    ['a blank evidence id', { evidenceId: '  ' }, 'evidenceId is required'],
    ['a non-text evidence id', { evidenceId: 42 }, 'evidenceId is required'],
    ['an empty statement', { statement: '' }, 'a progress statement is required'],
    ['a blank statement', { statement: ' \n\t ' }, 'a progress statement is required'],
    ['links not a list', { links: 'https://x.test' }, 'links and attachments must be lists'],
    ['attachments not a list', { attachments: {} }, 'links and attachments must be lists'],
  ])('refuses %s', (_what, over, message) => {
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence(csc, over)))).toEqual(invalid(message));
  });
  it('a statement with text around spaces is a statement', () => {
    expect(refusal(() => rules.checkSubmitEvidence(m, evidence(csc, { statement: '  ok  ' })))).toBeNull();
  });
});

describe('decide on evidence', () => {
  const m = memory({ stage: 'under_review', currentEvidenceId: 'ev-1' });
  it.each(['approve', 'request_changes'] as const)(
    'the board may %s without a comment; an administrator may not decide',
    (outcome) => {
      expect(refusal(() => rules.checkDecide(m, { actor: board, outcome, comment: '' }))).toBeNull();
      expect(refusal(() => rules.checkDecide(m, { actor: admin, outcome, comment: '' }))).toEqual(
        forbidden(ADMIN_DECIDES),
      );
      expect(refusal(() => rules.checkDecide(m, { actor: boardFromPol, outcome, comment: '' }))).toBeNull();
    },
  );
  it('closing as not implemented needs the reason', () => {
    expect(
      refusal(() =>
        rules.checkDecide(m, { actor: board, outcome: 'close_not_implemented', comment: 'Service decommissioned' }),
      ),
    ).toBeNull();
    const why = 'closing an action as not implemented needs the reason in the comment';
    expect(
      refusal(() => rules.checkDecide(m, { actor: board, outcome: 'close_not_implemented', comment: '  ' })),
    ).toEqual(invalid(why));
    expect(refusal(() => rules.checkDecide(m, { actor: board, outcome: 'close_not_implemented' } as never))).toEqual(
      invalid(why),
    );
  });
  it('an agency may not decide, even on its own action', () => {
    expect(refusal(() => rules.checkDecide(m, { actor: csc, outcome: 'approve', comment: '' }))).toEqual(
      forbidden(BOARD_ONLY),
    );
  });
  it('a board member from the owning agency has a conflict of interest', () => {
    expect(refusal(() => rules.checkDecide(m, { actor: boardFromCsc, outcome: 'approve', comment: '' }))).toEqual(
      forbidden(CONFLICT),
    );
  });
  it.each(STAGES.filter((s) => s !== 'under_review'))('not while %s', (stage) => {
    expect(
      refusal(() => rules.checkDecide(memory({ stage }), { actor: board, outcome: 'approve', comment: '' })),
    ).toEqual(illegal(`cannot decide on an action that is ${stage}`));
  });
  it('an unknown outcome is named', () => {
    expect(refusal(() => rules.checkDecide(m, { actor: board, outcome: 'maybe', comment: '' } as never))).toEqual(
      invalid('unknown outcome maybe'),
    );
  });
});

describe('request an extension', () => {
  it.each(['assigned', 'in_progress'] as const)('the owning agency may ask while %s', (stage) => {
    expect(refusal(() => rules.checkRequestExtension(memory({ stage }), extension()))).toBeNull();
    expect(refusal(() => rules.checkRequestExtension(memory({ stage }), extension(admin)))).toEqual(
      forbidden(OWNER_ONLY),
    );
  });
  it.each(['under_review', 'closed', 'cancelled'] as const)('not while %s', (stage) => {
    expect(refusal(() => rules.checkRequestExtension(memory({ stage }), extension()))).toEqual(
      illegal(`cannot request an extension for an action that is ${stage}`),
    );
  });
  it('only the owning agency', () => {
    expect(refusal(() => rules.checkRequestExtension(memory(), extension(pol)))).toEqual(forbidden(OWNER_ONLY));
    expect(refusal(() => rules.checkRequestExtension(memory(), extension(board)))).toEqual(forbidden(OWNER_ONLY));
  });
  it('one request at a time', () => {
    const m = memory({ pendingExtension: { requestId: 'x-0', newDueDate: DUE + DAY } });
    expect(refusal(() => rules.checkRequestExtension(m, extension()))).toEqual(
      illegal('an extension request is already waiting for the board'),
    );
  });
  it.each([
    ['no request id', { requestId: '' }, 'requestId is required'],
    ['a date that is not one', { newDueDate: 'next spring' }, 'newDueDate is not a date'],
    [
      'the same due date',
      { newDueDate: new Date(DUE).toISOString() },
      'the new due date must be after the current due date',
    ],
    [
      'an earlier due date',
      { newDueDate: new Date(DUE - DAY).toISOString() },
      'the new due date must be after the current due date',
    ],
    ['no reason', { reason: ' ' }, 'the reason for the delay is required'],
    ['no interim measures', { interimMeasures: '' }, 'the interim measures are required'],
  ])('refuses %s', (_what, over, message) => {
    expect(refusal(() => rules.checkRequestExtension(memory(), extension(csc, over)))).toEqual(invalid(message));
  });
  it('a due date one millisecond later is later', () => {
    expect(
      refusal(() =>
        rules.checkRequestExtension(memory(), extension(csc, { newDueDate: new Date(DUE + 1).toISOString() })),
      ),
    ).toBeNull();
  });
});

describe('decide an extension', () => {
  const pending = { requestId: 'x-1', newDueDate: DUE + 30 * DAY };
  it.each(['assigned', 'in_progress', 'under_review'] as const)(
    'the board decides a waiting request while %s',
    (stage) => {
      for (const outcome of ['approve', 'reject'] as const) {
        expect(
          refusal(() =>
            rules.checkDecideExtension(memory({ stage, pendingExtension: pending }), {
              actor: board,
              requestId: 'x-1',
              outcome,
            }),
          ),
        ).toBeNull();
      }
      expect(
        refusal(() =>
          rules.checkDecideExtension(memory({ stage, pendingExtension: pending }), {
            actor: admin,
            requestId: 'x-1',
            outcome: 'approve',
          }),
        ),
      ).toEqual(forbidden(ADMIN_DECIDES));
    },
  );
  it.each(['closed', 'cancelled'] as const)('not once %s', (stage) => {
    expect(
      refusal(() =>
        rules.checkDecideExtension(memory({ stage, pendingExtension: pending }), {
          actor: board,
          requestId: 'x-1',
          outcome: 'approve',
        }),
      ),
    ).toEqual(illegal(`cannot decide an extension for an action that is ${stage}`));
  });
  it('only a waiting request, by its id', () => {
    const none = 'no such extension request is waiting';
    expect(
      refusal(() => rules.checkDecideExtension(memory(), { actor: board, requestId: 'x-1', outcome: 'approve' })),
    ).toEqual(illegal(none));
    expect(
      refusal(() =>
        rules.checkDecideExtension(memory({ pendingExtension: pending }), {
          actor: board,
          requestId: 'x-2',
          outcome: 'approve',
        }),
      ),
    ).toEqual(illegal(none));
  });
  it('the board only, without a conflict of interest', () => {
    const m = memory({ pendingExtension: pending });
    expect(refusal(() => rules.checkDecideExtension(m, { actor: csc, requestId: 'x-1', outcome: 'approve' }))).toEqual(
      forbidden(BOARD_ONLY),
    );
    expect(
      refusal(() => rules.checkDecideExtension(m, { actor: boardFromCsc, requestId: 'x-1', outcome: 'approve' })),
    ).toEqual(forbidden(CONFLICT));
  });
  it('an unknown outcome is named', () => {
    const m = memory({ pendingExtension: pending });
    expect(
      refusal(() => rules.checkDecideExtension(m, { actor: board, requestId: 'x-1', outcome: 'later' } as never)),
    ).toEqual(invalid('unknown outcome later'));
  });
});

describe('cancel', () => {
  it.each(['assigned', 'in_progress', 'under_review'] as const)('the board cancels with a reason while %s', (stage) => {
    expect(refusal(() => rules.checkCancel(memory({ stage }), { actor: board, reason: 'Superseded' }))).toBeNull();
    expect(refusal(() => rules.checkCancel(memory({ stage }), { actor: admin, reason: 'Superseded' }))).toBeNull();
  });
  it('a board member from the owning agency may not cancel its action (it would end its escalations)', () => {
    expect(refusal(() => rules.checkCancel(memory(), { actor: boardFromCsc, reason: 'Superseded' }))).toEqual(
      forbidden(CONFLICT),
    );
  });
  it.each(['closed', 'cancelled'] as const)('not once %s', (stage) => {
    expect(refusal(() => rules.checkCancel(memory({ stage }), { actor: board, reason: 'Superseded' }))).toEqual(
      illegal(`cannot cancel an action that is ${stage}`),
    );
  });
  it('never by an agency; never without a reason', () => {
    expect(refusal(() => rules.checkCancel(memory(), { actor: csc, reason: 'Not wanted' }))).toEqual(
      forbidden(BOARD_ONLY),
    );
    expect(refusal(() => rules.checkCancel(memory(), { actor: board, reason: '  ' }))).toEqual(
      invalid('a reason for the cancellation is required'),
    );
  });
});

describe('reassign', () => {
  const to = (agencyId: string) => ({ agencyId, agencyCode: agencyId.replace('agency-', '').toUpperCase() });
  it.each(['assigned', 'in_progress'] as const)('the board moves an action to another agency while %s', (stage) => {
    expect(refusal(() => rules.checkReassign(memory({ stage }), { actor: board, ...to('agency-pol') }))).toBeNull();
    expect(
      refusal(() => rules.checkReassign(memory({ stage }), { actor: boardFromCsc, ...to('agency-pol') })),
    ).toBeNull();
  });
  it.each(['under_review', 'closed', 'cancelled'] as const)('not while %s', (stage) => {
    expect(refusal(() => rules.checkReassign(memory({ stage }), { actor: board, ...to('agency-pol') }))).toEqual(
      illegal(`cannot reassign an action that is ${stage}`),
    );
  });
  it('never by an agency, never to nobody, never to the same agency', () => {
    expect(refusal(() => rules.checkReassign(memory(), { actor: csc, ...to('agency-pol') }))).toEqual(
      forbidden(BOARD_ONLY),
    );
    expect(refusal(() => rules.checkReassign(memory(), { actor: board, agencyId: ' ', agencyCode: 'X' }))).toEqual(
      invalid('agencyId is required'),
    );
    expect(refusal(() => rules.checkReassign(memory(), { actor: board, ...to('agency-csc') }))).toEqual(
      invalid('the action already belongs to that agency'),
    );
  });
});
