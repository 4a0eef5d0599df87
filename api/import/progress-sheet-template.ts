/**
 * The progress sheet's columns: the import template's, the action's identity and version, what the
 * record says now, and the columns the agency fills in: the progress update and, optionally, its
 * percent complete and the agency's own RAG with the reason (as POST /actions/:id/updates takes
 * them). Only those are read back from an upload (with the identity and version that say which
 * action, as it was, the words are about); every other column is there to be read, and is locked
 * in the workbook.
 */
import { normaliseHeader } from './template';

export const SHEET_COLUMNS = [
  { key: 'actionId', header: 'Action ID', width: 38 },
  { key: 'version', header: 'Version', width: 9 },
  { key: 'reference', header: 'Reference', width: 10 },
  { key: 'number', header: 'Recommendation number', width: 12 },
  { key: 'recommendation', header: 'Recommendation', width: 40 },
  { key: 'action', header: 'Action', width: 40 },
  { key: 'agency', header: 'Lead agency code', width: 10 },
  { key: 'successMeasure', header: 'Success measure', width: 30 },
  { key: 'targetDate', header: 'Target date', width: 12 },
  { key: 'status', header: 'Status', width: 14 },
  { key: 'owner', header: 'Owner', width: 24 },
  { key: 'dueDate', header: 'Due date', width: 12 },
  { key: 'latestUpdate', header: 'Latest update', width: 50 },
  { key: 'progressUpdate', header: 'Progress update', width: 60 },
  { key: 'percentComplete', header: 'Percent complete', width: 11 },
  { key: 'rag', header: 'RAG', width: 10 },
  { key: 'ragReason', header: 'RAG reason', width: 40 },
] as const;

export type SheetColumnKey = (typeof SHEET_COLUMNS)[number]['key'];

/** The columns an upload needs; the rest may be deleted or reordered without harm. */
export const READ_BACK: readonly SheetColumnKey[] = ['actionId', 'version', 'progressUpdate'];

/** The columns the agency fills in (unlocked in the workbook): the update and, optionally, its figures. */
export const FILLED_IN: readonly SheetColumnKey[] = ['progressUpdate', 'percentComplete', 'rag', 'ragReason'];

export const headerOf = (key: SheetColumnKey): string => SHEET_COLUMNS.find((c) => c.key === key)!.header;

/** Column index per key (headers matched ignoring case and punctuation), and the read-back columns missing. */
export function mapSheetHeaders(headers: string[]): {
  index: Partial<Record<SheetColumnKey, number>>;
  missing: string[];
} {
  const index: Partial<Record<SheetColumnKey, number>> = {};
  headers.forEach((h, i) => {
    const col = SHEET_COLUMNS.find((c) => normaliseHeader(c.header) === normaliseHeader(h));
    if (col && index[col.key] === undefined) index[col.key] = i;
  });
  return { index, missing: READ_BACK.filter((k) => index[k] === undefined).map(headerOf) };
}
