/**
 * Reads an uploaded progress sheet into the updates it asks for, every problem named by row and
 * column like the review import's. Pure: what the record says about each action (whose it is,
 * whether it changed since the export) is checked by the use-case (apply-progress-sheet.ts).
 */
import { isUuid } from '../../domain/text';
import type { FieldIssue } from '../../lib/errors';
import { unstorableReason } from '../../workflows/storable-text';
import { ProgressUpdateBody } from '../schemas';
import { headerOf, mapSheetHeaders, type SheetColumnKey } from './progress-sheet-template';
import type { Cell, Sheet } from './template';

export interface SheetUpdate {
  /** The spreadsheet's row number (the headings are row 1). */
  row: number;
  actionId: string;
  version: number;
  statement: string;
  /** The optional figures of the update, checked as POST /actions/:id/updates checks them. */
  percentComplete?: number;
  rag?: 'green' | 'amber' | 'red' | 'complete';
  ragReason?: string;
}

/** Which column each field of the progress update's body is read from. */
const BODY_COLUMN: Record<string, SheetColumnKey> = {
  statement: 'progressUpdate',
  percentComplete: 'percentComplete',
  rag: 'rag',
  ragReason: 'ragReason',
};

const text = (c: Cell): string | null => (c instanceof Date ? c.toISOString() : c === null ? null : c.trim() || null);

export function sheetToUpdates(sheet: Sheet): { updates: SheetUpdate[]; errors: FieldIssue[] } {
  const errors: FieldIssue[] = [];
  const { index, missing } = mapSheetHeaders(sheet.headers);
  for (const header of missing)
    errors.push({ path: 'file', row: 1, column: header, message: `the column "${header}" is missing` });
  if (missing.length) return { updates: [], errors };

  const updates: SheetUpdate[] = [];
  const seen = new Map<string, number>();
  for (const { row, cells } of sheet.rows) {
    const get = (key: SheetColumnKey) => cells[index[key]!] ?? null;
    const fail = (key: SheetColumnKey, message: string) =>
      errors.push({ path: `rows.${row}.${key}`, row, column: headerOf(key), message });
    const statement = text(get('progressUpdate'));
    // A row without an update is the sheet's normal case: nothing to say about that action this time.
    if (!statement) continue;
    const before = errors.length;
    // The update as the API's body: the same limits, the same RAG words, a RAG only with its reason.
    const body: Record<string, string> = { statement };
    for (const key of ['percentComplete', 'rag', 'ragReason'] as const) {
      const v = text(get(key));
      if (v !== null) body[key] = key === 'rag' ? v.toLowerCase() : key === 'percentComplete' ? v.replace(/%$/, '') : v;
    }
    let parsed: Omit<SheetUpdate, 'row' | 'actionId' | 'version'> | null = null;
    const unstorable = Object.entries(body).find(([, v]) => unstorableReason(v));
    if (unstorable) fail(BODY_COLUMN[unstorable[0]], `the cell ${unstorableReason(unstorable[1])}`);
    else {
      const r = ProgressUpdateBody.safeParse(body);
      if (r.success) parsed = r.data;
      else
        for (const issue of r.error.issues)
          fail(BODY_COLUMN[String(issue.path[0])] ?? 'progressUpdate', sheetWords(issue.message));
    }

    const actionId = text(get('actionId'));
    if (!actionId) fail('actionId', 'the action ID is missing: copy the row from a sheet exported by the system');
    else if (!isUuid(actionId))
      fail('actionId', `"${String(actionId).slice(0, 60)}" is not an action ID from this system`);
    else if (seen.has(actionId.toLowerCase()))
      fail('actionId', `the same action is updated on row ${seen.get(actionId.toLowerCase())}: one update per action`);
    else seen.set(actionId.toLowerCase(), row);

    const rawVersion = text(get('version'));
    const version = rawVersion !== null && /^\d{1,9}$/.test(rawVersion) ? Number(rawVersion) : null;
    if (rawVersion === null) fail('version', 'the version is missing: export the sheet again');
    else if (version === null) fail('version', `"${rawVersion.slice(0, 20)}" is not a version number`);

    if (errors.length === before && parsed)
      updates.push({
        row,
        actionId: actionId!.toLowerCase(),
        version: version!,
        ...parsed,
      });
  }
  if (!errors.length && !updates.length)
    errors.push({
      path: 'file',
      row: 2,
      column: headerOf('progressUpdate'),
      message: `no row has a "${headerOf('progressUpdate')}": nothing to send`,
    });
  return { updates, errors };
}

/** The API's messages name its fields; the sheet's name its columns. */
function sheetWords(message: string): string {
  return message
    .replace(/^percentComplete/, headerOf('percentComplete'))
    .replace(/^rag must/, `${headerOf('rag')} must`)
    .replace(/^at most (\d+) characters$/, 'longer than $1 characters');
}
