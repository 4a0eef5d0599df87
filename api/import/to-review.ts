import type { FieldIssue } from '../../lib/errors';
import { REVIEW_TYPES, type ReviewType } from '../../db/schema';
import { dateYearProblem } from '../../domain/vocabulary';
import { unstorableReason } from '../../workflows/storable-text';
import { ActionInput, RecommendationInput, ThemeCode } from '../schemas';
import { COLUMNS, mapHeaders, type Cell, type ColumnKey, type Sheet } from './template';

export interface ImportedRecommendation {
  number: string;
  text: string;
  actions: {
    agencyCode: string;
    title: string;
    description?: string;
    successMeasure?: string;
    impactMeasure?: string;
    impactCheck?: boolean;
    dueDate: string;
    themes?: string[];
  }[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Spreadsheet dates: a date cell, ISO `2017-03-31`, or the UK `31/03/2017` (also with - or .). */
export function toIsoDate(cell: Cell): string | null {
  if (cell instanceof Date) {
    const y = cell.getUTCFullYear();
    return Number.isNaN(y) || y < 1000 || y > 9999
      ? null
      : `${y}-${pad(cell.getUTCMonth() + 1)}-${pad(cell.getUTCDate())}`;
  }
  if (!cell) return null;
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:T.*)?$/.exec(cell);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(cell)))
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  // Any real day of a four-digit year: whether the year is one the system takes is the row's check (dateYearProblem).
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1000) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** 2020-01-01 as people write it in a sheet: 01/01/2020. */
const ukDate = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

const cellText = (cell: Cell): string | null =>
  cell instanceof Date ? toIsoDate(cell) : cell === null ? null : cell.trim() || null;

/**
 * Every row checked, every problem reported with its spreadsheet row and column: a board fixing
 * a sheet should see all of its mistakes at once, not one per upload.
 */
export function sheetToRecommendations(
  sheet: Sheet,
  knownAgencyCodes: Set<string>,
  knownThemes?: Set<string>,
  /**
   * Today as a local day (YYYY-MM-DD) in the board's zone: a target date before it is refused by
   * row and column (issue 22), because such an action would be overdue, and escalated up to the
   * chair, the moment it was imported. Unset: dates are not compared with today.
   */
  today?: string,
): { recommendations: ImportedRecommendation[]; errors: FieldIssue[]; type?: ReviewType } {
  let type: { value: ReviewType; row: number } | undefined;
  const errors: FieldIssue[] = [];
  const { index, missing } = mapHeaders(sheet.headers);
  for (const header of missing)
    errors.push({ path: 'file', row: 1, column: header, message: `the column "${header}" is missing` });
  if (missing.length) return { recommendations: [], errors };
  if (sheet.rows.length === 0)
    return { recommendations: [], errors: [{ path: 'file', row: 2, message: 'the file has no action rows' }] };

  const headerOf = (key: ColumnKey) => sheet.headers[index[key]!] || COLUMNS.find((c) => c.key === key)!.header;
  const byNumber = new Map<string, ImportedRecommendation & { row: number }>();
  for (const { row, cells } of sheet.rows) {
    const get = (key: ColumnKey) => (index[key] === undefined ? null : (cells[index[key]!] ?? null));
    const fail = (key: ColumnKey, message: string) =>
      errors.push({ path: `rows.${row}.${key}`, row, column: headerOf(key), message });
    const before = errors.length;
    // A cell that cannot be stored is named by row and column like any other bad cell; the row goes no further.
    for (const { key } of COLUMNS) {
      const cell = get(key);
      const reason = typeof cell === 'string' ? unstorableReason(cell) : null;
      if (reason) fail(key, `the cell ${reason}`);
    }
    if (errors.length > before) continue;

    const number = cellText(get('number'));
    if (!number) fail('number', 'the recommendation number is missing');
    else if (!RecommendationInput.shape.number.safeParse(number).success)
      fail('number', `"${number}" is not a recommendation number such as 3 or 3.1`);

    const text = cellText(get('recommendation'));
    if (text && text.length > 10000) fail('recommendation', 'longer than 10000 characters');
    const title = cellText(get('action'));
    if (!title) fail('action', 'the action is missing');
    else if (!ActionInput.shape.title.safeParse(title).success) fail('action', 'longer than 2000 characters');

    const rawCode = cellText(get('agency'));
    const code = rawCode?.toUpperCase() ?? null;
    if (!code) fail('agency', 'the lead agency code is missing');
    else if (!ActionInput.shape.agencyCode.safeParse(code).success)
      fail('agency', `"${rawCode}" is not an agency code`);
    else if (!knownAgencyCodes.has(code)) fail('agency', `no agency has the code ${code}`);

    const successMeasure = cellText(get('successMeasure')) ?? undefined;
    if (successMeasure && successMeasure.length > 4000) fail('successMeasure', 'longer than 4000 characters');
    const description = cellText(get('description')) ?? undefined;
    if (description && description.length > 10000) fail('description', 'longer than 10000 characters');

    const impactMeasure = cellText(get('impactMeasure')) ?? undefined;
    if (impactMeasure && impactMeasure.length > 4000) fail('impactMeasure', 'longer than 4000 characters');
    const rawCheck = cellText(get('impactCheck'))?.trim().toLowerCase();
    let impactCheck: boolean | undefined;
    if (rawCheck) {
      if (['no', 'none', 'n', 'false'].includes(rawCheck)) impactCheck = false;
      else if (['yes', 'y', 'true'].includes(rawCheck)) impactCheck = true;
      else fail('impactCheck', `"${rawCheck}" is not yes or no`);
    }

    const rawDate = get('dueDate');
    const dueDate = toIsoDate(rawDate);
    if (rawDate === null) fail('dueDate', 'the target date is missing');
    else if (!dueDate) fail('dueDate', `"${String(rawDate)}" is not a date (use YYYY-MM-DD or DD/MM/YYYY)`);
    else if (today && dueDate < today)
      fail(
        'dueDate',
        `${ukDate(dueDate)} is in the past: an action due before today would be overdue and escalated as soon as it is imported. Give a target date from ${ukDate(today)} on.`,
      );
    else if (dateYearProblem(dueDate)) fail('dueDate', `the target date ${dateYearProblem(dueDate)}`);

    const rawType = cellText(get('reviewType'))?.toLowerCase();
    if (rawType) {
      if (!(REVIEW_TYPES as readonly string[]).includes(rawType))
        fail('reviewType', `"${rawType}" is not a review type (${REVIEW_TYPES.join(', ')})`);
      else if (type && type.value !== rawType)
        fail('reviewType', `differs from the review type ${type.value} on row ${type.row}`);
      else type ??= { value: rawType as ReviewType, row };
    }
    // Themes as codes separated by ; or , (a blank cell means none).
    const themes: string[] = [];
    for (const raw of (cellText(get('themes')) ?? '')
      .split(/[;,]/)
      .map((t) => t.trim())
      .filter(Boolean)) {
      const parsed = ThemeCode.safeParse(raw);
      if (!parsed.success) fail('themes', `"${raw}" is not a theme code`);
      else if (knownThemes && !knownThemes.has(parsed.data)) fail('themes', `no theme has the code ${parsed.data}`);
      else themes.push(parsed.data);
    }

    if (!number || (errors.length > before && !RecommendationInput.shape.number.safeParse(number).success)) continue;
    let rec = byNumber.get(number);
    if (!rec) {
      // The recommendation text is written once, on the first row of its group; later rows may leave it blank.
      if (!text) fail('recommendation', `the text of recommendation ${number} is missing`);
      rec = { number, text: text ?? '', actions: [], row };
      byNumber.set(number, rec);
    } else if (text && text !== rec.text) {
      fail('recommendation', `differs from the text of recommendation ${number} on row ${rec.row}`);
    }
    if (errors.length === before)
      rec.actions.push({
        agencyCode: code!,
        title: title!,
        description,
        successMeasure,
        ...(impactMeasure ? { impactMeasure } : {}),
        ...(impactCheck !== undefined ? { impactCheck } : {}),
        dueDate: dueDate!,
        ...(themes.length ? { themes } : {}),
      });
  }
  const recommendations = [...byNumber.values()].map(({ row: _row, ...r }) => r);
  return { recommendations, errors, type: type?.value };
}
