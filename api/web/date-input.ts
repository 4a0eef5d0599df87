/**
 * Issue 22: the GOV.UK date input (day, month and year as three boxes of numbers) wherever a page
 * asks for a date. A browser's own date control showed mm/dd/yyyy to some people and turned a UK
 * date typed with the keyboard into another day; three labelled boxes cannot be misread.
 *
 * The boxes are `<name>-day`, `<name>-month`, `<name>-year`; `readDateInput` turns them into the
 * `yyyy-mm-dd` the API's schema takes (so a form still goes through the API's own rules), or
 * refuses with the GOV.UK wording, beside the field and in the summary (field `<name>`, linked to
 * its day box: `dateFieldId`).
 */
import { formatDay } from '../../lib/board-time';
import { AppError } from '../../lib/errors';
import { html, raw, type Html } from './html';
import type { FormState } from './kit';

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? str(v[0]) : '');

/** The hint every date input carries after its own words. */
export const DATE_EXAMPLE = 'For example, 27 3 2027';

const PARTS = ['day', 'month', 'year'] as const;
type DatePart = (typeof PARTS)[number];

/** The id the error summary links to: the first box. */
export const dateFieldId = (name: string): string => `${name}-day`;

/** `yyyy-mm-dd` as the three boxes' values (no leading zeros), for a form shown with a date filled in. */
export function datePartsOf(isoDay: string | null | undefined): Record<string, string> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay ?? '');
  return m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1] } : {};
}

/** A date's three boxes as form values (`<name>-day`, …), for a form filled in again with a kept day. */
export function dateFieldValues(name: string, isoDay: string | null | undefined): Record<string, string> {
  const parts = datePartsOf(isoDay);
  return Object.fromEntries(PARTS.map((p) => [`${name}-${p}`, parts[p] ?? '']));
}

/** The fields without a date's three boxes (a strict schema refuses keys it does not know). */
export function withoutDateBoxes(fields: Record<string, unknown>, name: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !PARTS.some((p) => k === `${name}-${p}`)));
}

/** The outcome of reading three boxes: a day, nothing typed, or what is wrong in GOV.UK words. */
export type DateReading = { day: string } | { empty: true } | { problem: string };

/**
 * The three boxes as one local day. `label` is how the messages name the date, in lower case
 * ("the new due date"). Blanks around numbers are ignored; "03" and "3" are the same month.
 */
export function readDateParts(parts: Partial<Record<DatePart, string>>, label: string): DateReading {
  const v = Object.fromEntries(PARTS.map((p) => [p, (parts[p] ?? '').trim()])) as Record<DatePart, string>;
  const missing = PARTS.filter((p) => v[p] === '');
  if (missing.length === 3) return { empty: true };
  const Label = label.charAt(0).toUpperCase() + label.slice(1);
  if (missing.length) return { problem: `${Label} must include a ${missing.join(' and a ')}` };
  if (!PARTS.every((p) => /^\d+$/.test(v[p]))) return { problem: `${Label} must be a real date, in numbers` };
  if (v.year.length !== 4) return { problem: 'Year must include 4 numbers' };
  const [d, m, y] = [Number(v.day), Number(v.month), Number(v.year)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || date.getUTCDate() !== d || date.getUTCMonth() !== m - 1)
    return { problem: `${Label} must be a real date` };
  return { day: `${v.year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

/**
 * The form's date `name` as `yyyy-mm-dd`; undefined when nothing was typed and it is optional.
 * A refusal is the API's kind of error, on `body.<name>`, so the page shows it beside the field.
 */
export function readDateInput(
  fields: Record<string, unknown>,
  name: string,
  label: string,
  opts: { required?: boolean } = {},
): string | undefined {
  const r = readDateParts(
    Object.fromEntries(PARTS.map((p) => [p, str(fields[`${name}-${p}`])])) as Record<DatePart, string>,
    label,
  );
  const refuse = (message: string) => {
    throw new AppError('validation', message, [{ path: `body.${name}`, message }]);
  };
  if ('problem' in r) return refuse(r.problem);
  if ('empty' in r) return opts.required ? refuse(`Enter ${label}`) : undefined;
  return r.day;
}

/**
 * Several dates of one form at once, so every box in trouble is named together (not only the
 * first). Each as `readDateInput`; undefined for an optional date left blank.
 */
export function readDateInputs<K extends string>(
  fields: Record<string, unknown>,
  dates: { name: K; label: string; required?: boolean }[],
): Record<K, string | undefined> {
  const out = {} as Record<K, string | undefined>;
  const issues: { path: string; message: string }[] = [];
  for (const d of dates) {
    try {
      out[d.name] = readDateInput(fields, d.name, d.label, { required: d.required });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      issues.push(...(err.errors ?? []).map((e) => ({ path: e.path, message: e.message })));
    }
  }
  if (issues.length) throw new AppError('validation', issues.map((i) => i.message).join('; '), issues);
  return out;
}

/**
 * A GET form's date inputs (the board papers' period): each `<name>` whose boxes were sent
 * becomes `yyyy-mm-dd` and the boxes leave the query, so the query then goes through the API's
 * own schema. A problem is returned on the field's name, as a schema's issue would be.
 */
export function queryWithDates(
  query: Record<string, unknown>,
  dates: { name: string; label: string }[],
): { query: Record<string, unknown>; issues: { path: string[]; message: string }[] } {
  const out = { ...query };
  const issues: { path: string[]; message: string }[] = [];
  for (const { name, label } of dates) {
    const keys = PARTS.map((p) => `${name}-${p}`);
    if (!keys.some((k) => k in out)) continue;
    const r = readDateParts(
      Object.fromEntries(PARTS.map((p) => [p, str(out[`${name}-${p}`])])) as Record<DatePart, string>,
      label,
    );
    for (const k of keys) delete out[k];
    if ('day' in r) out[name] = r.day;
    else issues.push({ path: [name], message: 'problem' in r ? r.problem : `Enter ${label}` });
  }
  return { query: out, issues };
}

/**
 * The GOV.UK date input: a fieldset whose legend is the question, the hint (with the example),
 * the problem if refused, then Day, Month and Year boxes that take numbers only.
 * `value` is the day to show when the form is not being re-shown (`yyyy-mm-dd`).
 */
export function dateInput(opts: {
  name: string;
  /**
   * The boxes' ids when they must differ from their names: a page with one such form per row
   * (the chair's "Raise it again on", one per escalation) keeps its ids unique. Defaults to `name`.
   */
  id?: string;
  legend: string;
  hint?: string;
  state?: FormState;
  value?: string;
  /** Marks the legend as the page's question (larger type). */
  legendClass?: string;
}): Html {
  const { name, state } = opts;
  const id = opts.id ?? name;
  const error = state?.errors[name];
  const shown = datePartsOf(opts.value);
  const value = (p: DatePart) => state?.values[`${name}-${p}`] ?? (state ? '' : (shown[p] ?? ''));
  const describedBy = [`${id}-hint`, error ? `${id}-error` : undefined].filter(Boolean).join(' ');
  const box = (p: DatePart, label: string, width: string) =>
    html`<div class="date-input-item">
      <label for="${id}-${p}">${label}</label
      ><input
        class="date-input-box ${width}"
        id="${id}-${p}"
        name="${name}-${p}"
        type="text"
        inputmode="numeric"
        spellcheck="false"
        value="${value(p)}"
        ${error ? raw('aria-invalid="true"') : ''}
      />
    </div>`;
  return html`<div class="form-group${error ? ' form-group-error' : ''}">
    <fieldset class="date-input" role="group" aria-describedby="${describedBy}">
      <legend${opts.legendClass ? html` class="${opts.legendClass}"` : ''}>${opts.legend}</legend>
      <span class="hint" id="${id}-hint">${opts.hint ? `${opts.hint} ` : ''}${DATE_EXAMPLE}</span>
      ${error ? html`<span class="field-error" id="${id}-error"><span class="visually-hidden">Error:</span> ${error}</span>` : ''}
      <div class="date-input-row">
        ${box('day', 'Day', 'w2')}${box('month', 'Month', 'w2')}${box('year', 'Year', 'w4')}
      </div>
    </fieldset>
  </div>`;
}

/** The boxes' styles (layout.ts adds them to the page's CSS). */
export const DATE_INPUT_CSS = `
.form-group{margin:0 0 1rem}
.date-input{border:0;padding:0;margin:0}
.date-input legend{font-weight:700;padding:0;margin:0 0 .2rem}
.date-input-row{display:flex;flex-wrap:wrap;gap:1rem;margin-top:.3rem}
.date-input-item label{display:block;font-weight:400;margin:0 0 .2rem}
.date-input-box{font:inherit;padding:.4rem;border:2px solid var(--fg);background:#fff}
.date-input-box.w2{width:3.4em}.date-input-box.w4{width:5.4em}
.date-input-box:focus{outline:3px solid #fd0;box-shadow:inset 0 0 0 2px var(--fg)}
.form-group-error{border-left:5px solid var(--red);padding-left:.8rem}
.form-group-error .date-input-box[aria-invalid=true]{border-color:var(--red)}
`;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * How far one local day (`yyyy-mm-dd`) is after another, in the words a person would use:
 * "3 days later", "2 weeks and 1 day later", "1 month and 4 days later", "8 months later"
 * (from two months on, whole months only). "earlier" when it is before; "the same day".
 */
export function howMuchLater(fromDay: string, toDay: string): string {
  if (fromDay === toDay) return 'the same day';
  if (toDay < fromDay) return howMuchLater(toDay, fromDay).replace(/later$/, 'earlier');
  const [fy, fm, fd] = fromDay.split('-').map(Number);
  const [ty, tm, td] = toDay.split('-').map(Number);
  const dayMs = 86_400_000;
  const days = Math.round((Date.UTC(ty, tm - 1, td) - Date.UTC(fy, fm - 1, fd)) / dayMs);
  const months = (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
  if (months >= 2) return `${plural(months, 'month')} later`;
  if (months === 1) {
    // The day one month on (the last of a shorter month when it has no such day).
    const monthOn = new Date(Date.UTC(fy, fm, Math.min(fd, new Date(Date.UTC(fy, fm + 1, 0)).getUTCDate())));
    const rest = Math.round((Date.UTC(ty, tm - 1, td) - monthOn.getTime()) / dayMs);
    return rest > 0 ? `1 month and ${plural(rest, 'day')} later` : '1 month later';
  }
  if (days >= 14) {
    const rest = days % 7;
    return `${plural(Math.floor(days / 7), 'week')}${rest ? ` and ${plural(rest, 'day')}` : ''} later`;
  }
  return `${plural(days, 'day')} later`;
}

/** "Move from 31 March to 2 December 2027: 8 months later?" (the first year is left out when it is the same). */
export function moveQuestion(fromDay: string, toDay: string): string {
  const words = (day: string, withYear: boolean) => (withYear ? formatDay(day) : formatDay(day).replace(/ \d{4}$/, ''));
  const sameYear = fromDay.slice(0, 4) === toDay.slice(0, 4);
  return `Move from ${words(fromDay, !sameYear)} to ${words(toDay, true)}: ${howMuchLater(fromDay, toDay)}?`;
}
