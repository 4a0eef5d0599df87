/** The red/amber/green rating of an action (workflows/rag.ts), at the edges of each band. */
import { deriveRag } from '../../workflows/rag';
import { CALENDAR_DAY_POLICY, type ActionStage, type Policy } from '../../workflows/types';

const DAY = 86_400_000;
const DUE = Date.UTC(2027, 0, 31);
const action = (
  over: Partial<{ stage: ActionStage; dueDate: number; escalationLevel: number; changesRequested: boolean }> = {},
) => ({
  stage: 'in_progress' as ActionStage,
  dueDate: DUE,
  escalationLevel: 0,
  changesRequested: false,
  ...over,
});

describe('deriveRag', () => {
  it.each(['closed', 'cancelled'] as const)('%s is complete, however late or escalated', (stage) => {
    expect(
      deriveRag(action({ stage, escalationLevel: 3, changesRequested: true }), CALENDAR_DAY_POLICY, DUE + 100 * DAY),
    ).toBe('complete');
  });

  it.each(['assigned', 'in_progress', 'under_review'] as const)(
    '%s: red once the due instant has passed (the instant itself is still in time)',
    (stage) => {
      expect(deriveRag(action({ stage }), CALENDAR_DAY_POLICY, DUE)).toBe('amber');
      expect(deriveRag(action({ stage }), CALENDAR_DAY_POLICY, DUE + 1)).toBe('red');
      expect(deriveRag(action({ stage }), CALENDAR_DAY_POLICY, DUE - 1)).toBe('amber');
    },
  );

  it('red while any escalation is open, even long before the due date', () => {
    expect(deriveRag(action({ escalationLevel: 1 }), CALENDAR_DAY_POLICY, DUE - 60 * DAY)).toBe('red');
    expect(deriveRag(action({ escalationLevel: 0 }), CALENDAR_DAY_POLICY, DUE - 60 * DAY)).toBe('green');
  });

  it('amber inside the last-but-one reminder window (P7D of P28D, P7D, P1D), green before it', () => {
    expect(deriveRag(action(), CALENDAR_DAY_POLICY, DUE - 7 * DAY)).toBe('amber');
    expect(deriveRag(action(), CALENDAR_DAY_POLICY, DUE - 7 * DAY - 1)).toBe('green');
    expect(deriveRag(action(), CALENDAR_DAY_POLICY, DUE - 27 * DAY)).toBe('green');
  });

  it('with one reminder, that reminder is the window', () => {
    const one: Policy = { ...CALENDAR_DAY_POLICY, remindBefore: ['P3D'] };
    expect(deriveRag(action(), one, DUE - 3 * DAY)).toBe('amber');
    expect(deriveRag(action(), one, DUE - 3 * DAY - 1)).toBe('green');
  });

  it('with two reminders, the first is the window', () => {
    const two: Policy = { ...CALENDAR_DAY_POLICY, remindBefore: ['P10D', 'P2D'] };
    expect(deriveRag(action(), two, DUE - 10 * DAY)).toBe('amber');
    expect(deriveRag(action(), two, DUE - 10 * DAY - 1)).toBe('green');
  });

  it('with no reminders there is no window: green until due', () => {
    const none: Policy = { ...CALENDAR_DAY_POLICY, remindBefore: [] };
    expect(deriveRag(action(), none, DUE - 1)).toBe('green');
    expect(deriveRag(action(), none, DUE)).toBe('green');
    expect(deriveRag(action(), none, DUE + 1)).toBe('red');
  });

  it('amber whenever the board asked for changes, until it is late', () => {
    expect(deriveRag(action({ changesRequested: true }), CALENDAR_DAY_POLICY, DUE - 60 * DAY)).toBe('amber');
    expect(
      deriveRag(action({ changesRequested: true }), { ...CALENDAR_DAY_POLICY, remindBefore: [] }, DUE - 60 * DAY),
    ).toBe('amber');
    expect(deriveRag(action({ changesRequested: true }), CALENDAR_DAY_POLICY, DUE + 1)).toBe('red');
  });
});
