/**
 * Issue 22's small rules: the GOV.UK date input read as a day (with GOV.UK's messages), the
 * check step's words for how far a date moves, and evidence links normalised by one rule.
 */
import { EvidenceBody, ImpactEvidenceBody, LINK_REFUSED } from '../../api/schemas';
import {
  dateFieldValues,
  dateInput,
  howMuchLater,
  moveQuestion,
  readDateInput,
  readDateInputs,
  readDateParts,
  withoutDateBoxes,
} from '../../api/web/date-input';
import { normaliseLink } from '../../domain/text';
import { AppError } from '../../lib/errors';

describe('the date input', () => {
  const read = (day: string, month: string, year: string) => readDateParts({ day, month, year }, 'the new due date');
  it.each([
    [['2', '12', '2027'], { day: '2027-12-02' }],
    [[' 02 ', '03', '2027'], { day: '2027-03-02' }],
    [['29', '2', '2028'], { day: '2028-02-29' }],
    [['', '', ''], { empty: true }],
    [['29', '2', '2027'], { problem: 'The new due date must be a real date' }],
    [['31', '4', '2027'], { problem: 'The new due date must be a real date' }],
    [['1', '13', '2027'], { problem: 'The new due date must be a real date' }],
    [['0', '1', '2027'], { problem: 'The new due date must be a real date' }],
    [['2', '', ''], { problem: 'The new due date must include a month and a year' }],
    [['', '12', '2027'], { problem: 'The new due date must include a day' }],
    [['2', '12', '27'], { problem: 'Year must include 4 numbers' }],
    [['2nd', '12', '2027'], { problem: 'The new due date must be a real date, in numbers' }],
    [['-1', '12', '2027'], { problem: 'The new due date must be a real date, in numbers' }],
  ])('%j reads as %j', ([d, m, y], expected) => {
    expect(read(d, m, y)).toEqual(expected);
  });

  it('a form: the day, nothing for an optional blank, a refusal on the field for a required blank or a bad date', () => {
    const fields = { 'd-day': '27', 'd-month': '3', 'd-year': '2027' };
    expect(readDateInput(fields, 'd', 'the date')).toBe('2027-03-27');
    expect(readDateInput({}, 'd', 'the date')).toBeUndefined();
    const refusal = (f: Record<string, unknown>) => {
      try {
        readDateInput(f, 'd', 'the date', { required: true });
      } catch (err) {
        return err instanceof AppError ? { kind: err.kind, errors: err.errors } : err;
      }
      return null;
    };
    expect(refusal({})).toEqual({ kind: 'validation', errors: [{ path: 'body.d', message: 'Enter the date' }] });
    expect(refusal({ ...fields, 'd-day': '32' })).toEqual({
      kind: 'validation',
      errors: [{ path: 'body.d', message: 'The date must be a real date' }],
    });
  });

  it('several dates: every problem named at once', () => {
    let caught: unknown;
    try {
      readDateInputs({ 'a-day': '31', 'a-month': '2', 'a-year': '2030' }, [
        { name: 'a', label: 'the first day', required: true },
        { name: 'b', label: 'the last day', required: true },
      ]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).errors).toEqual([
      { path: 'body.a', message: 'The first day must be a real date' },
      { path: 'body.b', message: 'Enter the last day' },
    ]);
  });

  it('a kept day fills the boxes again, and the boxes leave the fields a strict schema reads', () => {
    expect(dateFieldValues('publishedOn', '2017-03-01')).toEqual({
      'publishedOn-day': '1',
      'publishedOn-month': '3',
      'publishedOn-year': '2017',
    });
    expect(dateFieldValues('publishedOn', null)).toEqual({
      'publishedOn-day': '',
      'publishedOn-month': '',
      'publishedOn-year': '',
    });
    expect(
      withoutDateBoxes(
        {
          title: 't',
          'publishedOn-day': '1',
          'publishedOn-month': '3',
          'publishedOn-year': '2017',
          'publishedOn-x': 'k',
        },
        'publishedOn',
      ),
    ).toEqual({ title: 't', 'publishedOn-x': 'k' });
  });

  it("one form per row: the boxes take their own ids, the names (and the problem) stay the field's", () => {
    const page = String(
      dateInput({
        name: 'until',
        id: 'rt-until-e1',
        legend: 'Raise it again on',
        state: { values: { 'until-day': '31' }, errors: { until: 'The day must be a real date' } },
      }),
    );
    expect(page).toContain('id="rt-until-e1-day"');
    expect(page).toContain('name="until-day"');
    expect(page).toContain('for="rt-until-e1-year"');
    expect(page).toContain('id="rt-until-e1-error"');
    expect(page).toContain('aria-describedby="rt-until-e1-hint rt-until-e1-error"');
    expect(page).toContain('value="31"');
    expect(page).not.toContain('id="until-');
  });
});

describe('how far a date moves, in words', () => {
  it.each([
    ['2027-03-31', '2027-12-02', '8 months later'],
    ['2027-03-31', '2027-04-01', '1 day later'],
    ['2027-03-01', '2027-03-07', '6 days later'],
    ['2027-03-01', '2027-03-15', '2 weeks later'],
    ['2027-03-01', '2027-03-20', '2 weeks and 5 days later'],
    ['2027-03-10', '2027-04-10', '1 month later'],
    ['2027-01-31', '2027-03-01', '1 month and 1 day later'],
    ['2027-03-10', '2027-05-09', '1 month and 29 days later'],
    ['2027-03-10', '2027-05-10', '2 months later'],
    ['2027-03-10', '2027-03-10', 'the same day'],
    ['2027-03-31', '2027-03-24', '7 days earlier'],
  ])('%s to %s: %s', (from, to, words) => {
    expect(howMuchLater(from, to)).toBe(words);
  });
  it('the question leaves out the first year when it is the same', () => {
    expect(moveQuestion('2027-03-31', '2027-12-02')).toBe('Move from 31 March to 2 December 2027: 8 months later?');
    expect(moveQuestion('2026-12-31', '2027-01-14')).toBe(
      'Move from 31 December 2026 to 14 January 2027: 2 weeks later?',
    );
  });
});

describe('evidence links: one rule for the API and the forms', () => {
  it.each([
    ['www.example.org/report', 'https://www.example.org/report'],
    ['example.org', 'https://example.org'],
    ['  https://example.org/a  ', 'https://example.org/a'],
    ['http://intranet.example.org', 'http://intranet.example.org'],
    ['example.org:8443/minutes', 'https://example.org:8443/minutes'],
    ['//cdn.example.org/x', 'https://cdn.example.org/x'],
  ])('%j is stored as %j', (typed, stored) => {
    expect(EvidenceBody.parse({ statement: 'Done.', links: [typed] }).links).toEqual([stored]);
    expect(ImpactEvidenceBody.parse({ statement: 'Done.', method: 'audit', links: [typed] }).links).toEqual([stored]);
  });
  it.each([
    'javascript:alert(1)',
    'mailto:a@example.org',
    'ftp://example.org/x',
    'file:///etc/passwd',
    'intranet',
    'a b',
  ])('%j is refused with the rule in words', (typed) => {
    const r = EvidenceBody.safeParse({ statement: 'Done.', links: [typed] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['links.0', LINK_REFUSED]]);
  });
  it('normaliseLink leaves what is not text alone (the schema refuses it)', () => {
    expect(normaliseLink(42)).toBe(42);
    expect(normaliseLink('')).toBe('');
  });
});
