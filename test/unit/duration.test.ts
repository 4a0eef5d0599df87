/**
 * Policy durations (workflows/duration.ts): ISO-8601 as policies write them (what is accepted,
 * what each unit is worth, what is refused), working days as people and clients write them, and
 * an instant moved by either.
 */
import type { BoardCalendar } from '../../workflows/calendar';
import {
  DurationError,
  durationLabel,
  isDuration,
  normaliseDuration,
  parseDuration,
  shiftBy,
  usesBoardCalendar,
} from '../../workflows/duration';
import { CALENDAR_DAY_POLICY, DEFAULT_POLICY, type Policy } from '../../workflows/types';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

describe('parseDuration', () => {
  it.each([
    ['P1W', W],
    ['P2W', 2 * W],
    ['P1D', D],
    ['P30D', 30 * D],
    ['PT1H', H],
    ['PT1M', M],
    ['PT1S', S],
    ['PT0S', 0],
    ['P0D', 0],
    ['P1W2D', W + 2 * D],
    ['P1DT2H3M4S', D + 2 * H + 3 * M + 4 * S],
    ['PT90M', 90 * M],
    ['PT1H30M', H + 30 * M],
    ['PT1H5S', H + 5 * S],
    ['P1DT1M', D + M],
    ['PT1.5S', 1500],
    ['P0.5D', 12 * H],
    ['PT0.25H', 15 * M],
    ['PT0.5M', 30 * S],
    ['P0.5W', 3.5 * D],
    ['PT0.0004S', 0],
    ['PT0.0006S', 1],
    // Several digits, before and after the point, in every unit.
    ['P10W', 10 * W],
    ['P12D', 12 * D],
    ['PT12H', 12 * H],
    ['PT45M', 45 * M],
    ['PT90S', 90 * S],
    ['P1.25W', 8.75 * D],
    ['P1.25D', 30 * H],
    ['PT1.25H', 75 * M],
    ['PT1.25M', 75 * S],
    ['PT1.25S', 1250],
    ['PT10.5S', 10_500],
    ['P2W3DT4H5M6S', 2 * W + 3 * D + 4 * H + 5 * M + 6 * S],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it('ignores case and surrounding space', () => {
    expect(parseDuration(' p5d ')).toBe(5 * D);
    expect(parseDuration('pt2s')).toBe(2 * S);
    expect(isDuration('\tp1w\n')).toBe(true);
  });

  it.each([
    '',
    ' ',
    'P',
    'PT',
    'T1H',
    '5D',
    'D5',
    'P1M',
    'P1Y',
    'P1Y2D',
    'PT1X',
    'P1DT',
    'P1H',
    'PT1D',
    'P-1D',
    'P1.D',
    'P.5D',
    'P1D1W',
    'PT1S1M',
    'xP1D',
    'P1Dx',
    'P1,5D',
    'P1e3D',
    'PT.5S',
    'PT1.S',
    'P1.2.3D',
    'P1W1W',
    'PT1H1H',
  ])('refuses %p, naming it', (text) => {
    expect(isDuration(text)).toBe(false);
    let thrown: unknown;
    try {
      parseDuration(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DurationError);
    const e = thrown as DurationError;
    expect(e.name).toBe('DurationError');
    expect(e.value).toBe(text);
    expect(e.message).toBe(
      `"${text}" is not an ISO-8601 duration in weeks, days, hours, minutes or seconds (for example P7D or PT2S)`,
    );
  });

  it('a duration with trailing space is the duration', () => {
    expect(parseDuration('P1D ')).toBe(D);
  });
});

/** Thursday 24 December 2026, 10:00 in London (winter: UTC). */
const CHRISTMAS_EVE = Date.UTC(2026, 11, 24, 10);
const at = (iso: string) => Date.parse(iso);
const cal: BoardCalendar = { timeZone: 'Europe/London', holidays: ['2026-12-25', '2026-12-28'] };

describe('shiftBy: an instant moved by a policy duration', () => {
  it('an ISO duration is exact time, forwards or back, whatever the calendar says', () => {
    expect(shiftBy(CHRISTMAS_EVE, 'P1D', 1, cal)).toBe(at('2026-12-25T10:00:00Z'));
    expect(shiftBy(CHRISTMAS_EVE, 'PT2H', -1, cal)).toBe(at('2026-12-24T08:00:00Z'));
    expect(shiftBy(CHRISTMAS_EVE, 'P1W', -1, undefined)).toBe(at('2026-12-17T10:00:00Z'));
  });

  it("working days skip weekends and the board's bank holidays, at the same time of day", () => {
    // Friday 25 (holiday), the weekend, Monday 28 (holiday): Tuesday 29 is the first working day.
    expect(shiftBy(CHRISTMAS_EVE, { workingDays: 1 }, 1, cal)).toBe(at('2026-12-29T10:00:00Z'));
    expect(shiftBy(CHRISTMAS_EVE, { workingDays: 2 }, 1, cal)).toBe(at('2026-12-30T10:00:00Z'));
  });

  it('working days count back for a reminder before the due date', () => {
    expect(shiftBy(at('2026-12-29T10:00:00Z'), { workingDays: 1 }, -1, cal)).toBe(CHRISTMAS_EVE);
    expect(shiftBy(at('2026-12-29T10:00:00Z'), { workingDays: 2 }, -1, cal)).toBe(at('2026-12-23T10:00:00Z'));
  });

  it('without a calendar, working days are Monday to Friday in London with no holidays', () => {
    expect(shiftBy(CHRISTMAS_EVE, { workingDays: 1 }, 1, undefined)).toBe(at('2026-12-25T10:00:00Z'));
    expect(shiftBy(CHRISTMAS_EVE, { workingDays: 2 }, 1, undefined)).toBe(at('2026-12-28T10:00:00Z'));
  });
});

describe('durationLabel: a stable name for occasions', () => {
  it('an ISO duration as it was written; working days as nWD', () => {
    expect(durationLabel('P7D')).toBe('P7D');
    expect(durationLabel('pt2s')).toBe('pt2s');
    expect(durationLabel({ workingDays: 5 })).toBe('5WD');
    expect(durationLabel({ workingDays: 12 })).toBe('12WD');
  });
});

describe('normaliseDuration: a policy duration as a person or a client writes it', () => {
  it.each([
    ['P5D', 'P5D'],
    ['PT2S', 'PT2S'],
    ['p1w', 'p1w'],
    ['5 working days', { workingDays: 5 }],
    ['1 working day', { workingDays: 1 }],
    ['1 working days', { workingDays: 1 }],
    ['10 Working Days', { workingDays: 10 }],
    ['  3  working   days  ', { workingDays: 3 }],
    ['\t3 working days\n', { workingDays: 3 }],
    ['999 working days', { workingDays: 999 }],
    [{ workingDays: 5 }, { workingDays: 5 }],
    [{ workingDays: 1 }, { workingDays: 1 }],
    [{ workingDays: 999 }, { workingDays: 999 }],
  ] as const)('%j is %j', (input, stored) => {
    expect(normaliseDuration(input)).toEqual(stored);
  });

  it('hands back a copy of working days, not the object it was given', () => {
    const given = { workingDays: 4 };
    const stored = normaliseDuration(given);
    expect(stored).toEqual({ workingDays: 4 });
    expect(stored).not.toBe(given);
  });

  it.each([
    ['0 working days'],
    ['1000 working days'],
    ['-1 working days'],
    ['1.5 working days'],
    ['five working days'],
    ['5 working'],
    ['5 days'],
    ['5workingdays'],
    ['5 working daysx'],
    ['x5 working days'],
    ['P1M'],
    ['P1Y'],
    ['soon'],
    [''],
    [{ workingDays: 0 }],
    [{ workingDays: -2 }],
    [{ workingDays: 1.5 }],
    [{ workingDays: 1000 }],
    [{ workingDays: '5' }],
    [{ workingDays: 5, extra: true }],
    [{ days: 5 }],
    [{}],
    [null],
    [undefined],
    [5],
    [['P5D']],
  ])('%j is refused (null)', (input) => {
    expect(normaliseDuration(input)).toBeNull();
  });
});

describe("usesBoardCalendar: a policy that needs the board's calendar", () => {
  const policy = (over: Partial<Policy>): Policy => ({ ...CALENDAR_DAY_POLICY, ...over });

  it('calendar days with no delivery window do not', () => {
    expect(usesBoardCalendar(CALENDAR_DAY_POLICY)).toBe(false);
    expect(usesBoardCalendar(policy({ deliverAt: null, remindBefore: [] }))).toBe(false);
    expect(usesBoardCalendar(policy({ impactCheckAfter: 'P6M' }))).toBe(false);
  });

  it('a delivery window does', () => {
    expect(usesBoardCalendar(policy({ deliverAt: '09:00' }))).toBe(true);
  });

  it.each<[string, Partial<Policy>]>([
    ['acknowledgeWithin', { acknowledgeWithin: { workingDays: 5 } }],
    ['stallAfter', { stallAfter: { workingDays: 20 } }],
    ['boardDecisionWithin', { boardDecisionWithin: { workingDays: 10 } }],
    ['overdueReminderEvery', { overdueReminderEvery: { workingDays: 5 } }],
    ['one of remindBefore', { remindBefore: ['P7D', { workingDays: 1 }] }],
    ['one of escalateAfterOverdue', { escalateAfterOverdue: [{ workingDays: 3 }, 'P21D'] }],
  ])('working days in %s do', (_field, over) => {
    expect(usesBoardCalendar(policy(over))).toBe(true);
  });

  it('the default policy does (working days and mail in working hours)', () => {
    expect(usesBoardCalendar(DEFAULT_POLICY)).toBe(true);
  });
});
