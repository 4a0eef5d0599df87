/**
 * The years a date given to the system may fall in (DATE_YEARS, domain/vocabulary.ts), checked in
 * the shared date schemas (DateOrInstant, Day in api/schemas.ts), so every route and form that
 * takes a date refuses 9999-12-31 with a 400 naming the field instead of a RangeError (a 500) from
 * the calendar; the import's rows and parseDueDate say the same. The API side (each route, nothing
 * written) is in test/api/bad-input.test.ts.
 */
import { sheetToRecommendations } from '../../api/import/to-review';
import { PeriodReportQuery } from '../../api/report/period-query';
import {
  CalendarDayBody,
  CoverBody,
  CreateReviewBody,
  DateOrInstant,
  Day,
  ExtensionBody,
  InspectorReadsQuery,
  RetimeBody,
} from '../../api/schemas';
import { parseDueDate } from '../../api/use-cases/actions';
import { DATE_YEARS, dateYearProblem } from '../../domain/vocabulary';
import { AppError } from '../../lib/errors';
import { endOfLocalDay, startOfLocalDay } from '../../workflows/calendar';

const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('dateYearProblem', () => {
  it.each([
    ['2099-12-31', null],
    ['2099-12-31T23:59:59.999+14:00', null],
    ['1900-01-01', null],
    ['2100-01-01', 'must be before 2100'],
    ['9999-12-31', 'must be before 2100'],
    ['9999-12-31T00:00:00Z', 'must be before 2100'],
    ['1899-12-31', 'must be in 1900 or later'],
    ['0000-01-01T00:00:00Z', 'must be in 1900 or later'],
    // Not a date at all: the format's own check says so.
    ['next week', null],
  ])('%s: %p', (v, expected) => expect(dateYearProblem(v)).toBe(expected));

  it('the calendar can place every day of the years taken, the first and the last', () => {
    for (const zone of ['Europe/London', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(Number.isFinite(endOfLocalDay(`${DATE_YEARS.last}-12-31`, zone))).toBe(true);
      expect(Number.isFinite(startOfLocalDay(`${DATE_YEARS.first}-01-01`, zone))).toBe(true);
    }
    // What the bound is for: the day after 9999-12-31 is no day the calendar can place.
    expect(() => endOfLocalDay('9999-12-31', 'Europe/London')).toThrow(RangeError);
  });
});

describe('the shared date schemas', () => {
  it('DateOrInstant: a day or an instant up to 2099, not 9999 or 1899', () => {
    for (const ok of ['2099-12-31', '2027-01-31', '2099-12-31T23:00:00-05:00', '1900-01-01'])
      expect(messages(DateOrInstant.safeParse(ok))).toEqual([]);
    expect(messages(DateOrInstant.safeParse('9999-12-31'))).toEqual([': must be before 2100']);
    expect(messages(DateOrInstant.safeParse('2100-01-01T00:00:00Z'))).toEqual([': must be before 2100']);
    expect(messages(DateOrInstant.safeParse('1899-12-31'))).toEqual([': must be in 1900 or later']);
    // A malformed value is the format's problem alone.
    expect(messages(DateOrInstant.safeParse('next week'))).toHaveLength(1);
  });

  it('Day: a real calendar day in the years taken, one message for each kind of mistake', () => {
    expect(messages(Day.safeParse('2099-12-31'))).toEqual([]);
    expect(messages(Day.safeParse('9999-12-31'))).toEqual([': must be before 2100']);
    expect(messages(Day.safeParse('9999-02-30'))).toEqual([': expected a calendar date as YYYY-MM-DD']);
    expect(messages(Day.safeParse('0050-01-01'))).toEqual([': expected a calendar date as YYYY-MM-DD']);
  });

  it('every body and query that takes a date names the field', () => {
    expect(messages(ExtensionBody.safeParse({ newDueDate: '9999-12-31', reason: 'r', interimMeasures: 'm' }))).toEqual([
      'newDueDate: must be before 2100',
    ]);
    expect(messages(RetimeBody.safeParse({ until: '9999-12-31' }))).toEqual(['until: must be before 2100']);
    expect(messages(InspectorReadsQuery.safeParse({ from: '9999-12-31' }))).toEqual(['from: must be before 2100']);
    expect(
      messages(
        CoverBody.safeParse({ deputyId: '11111111-1111-4111-8111-111111111111', from: '2027-01-04', to: '9999-12-31' }),
      ),
    ).toEqual(['to: must be before 2100']);
    expect(messages(CalendarDayBody.safeParse({ date: '2150-05-08', title: 'x' }))).toEqual([
      'date: must be before 2100',
    ]);
    expect(
      messages(
        CreateReviewBody.safeParse({
          reference: 'SCR-X',
          title: 'X',
          publishedOn: '1066-10-14',
          recommendations: [
            { number: '1', text: 't', actions: [{ agencyCode: 'BHT', title: 'a', dueDate: '9999-12-31' }] },
          ],
        }),
      ),
    ).toEqual(['publishedOn: must be in 1900 or later', 'recommendations.0.actions.0.dueDate: must be before 2100']);
    expect(messages(PeriodReportQuery.safeParse({ from: '9999-01-01', to: '9999-12-31' }))).toEqual([
      'from: must be before 2100',
      'to: must be before 2100',
    ]);
  });
});

describe('behind the schemas', () => {
  it('parseDueDate refuses a year out of range before asking the calendar (which would throw)', () => {
    let err: unknown;
    try {
      parseDueDate('9999-12-31', 'newDueDate');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      kind: 'validation',
      message: 'newDueDate must be before 2100',
      errors: [{ path: 'newDueDate', message: 'must be before 2100' }],
    });
    expect(parseDueDate('2099-12-31T12:00:00Z')).toBe('2099-12-31T12:00:00.000Z');
  });

  it("an imported row's target date in 9999 (typed or a date cell) is refused by row and column", () => {
    const r = sheetToRecommendations(
      {
        headers: ['Recommendation number', 'Recommendation', 'Action', 'Lead agency code', 'Target date'],
        rows: [
          { row: 2, cells: ['1', 'Text', 'Audit', 'BHT', '31/12/9999'] },
          { row: 3, cells: ['1', null, 'Train', 'BHT', new Date(Date.UTC(9999, 11, 31))] },
          { row: 4, cells: ['1', null, 'Brief', 'BHT', '1899-12-31'] },
          { row: 5, cells: ['1', null, 'Share', 'BHT', '31/12/2099'] },
        ],
      },
      new Set(['BHT']),
    );
    expect(r.errors).toEqual([
      { path: 'rows.2.dueDate', row: 2, column: 'Target date', message: 'the target date must be before 2100' },
      { path: 'rows.3.dueDate', row: 3, column: 'Target date', message: 'the target date must be before 2100' },
      { path: 'rows.4.dueDate', row: 4, column: 'Target date', message: 'the target date must be in 1900 or later' },
    ]);
  });
});
