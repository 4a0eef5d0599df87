/**
 * The multi-agency action-plan template: one row per action. Headers are matched loosely
 * (case, spaces and punctuation ignored, a few common variants), because boards keep these
 * sheets by hand; the canonical names are what the example files and error messages use.
 */
export const COLUMNS = [
  {
    key: 'number',
    header: 'Recommendation number',
    aliases: ['recommendation number', 'recommendation no', 'rec no', 'rec number', 'number', 'no'],
    required: true,
  },
  {
    key: 'recommendation',
    header: 'Recommendation',
    aliases: ['recommendation', 'recommendation text'],
    required: true,
  },
  { key: 'action', header: 'Action', aliases: ['action', 'action title', 'actions'], required: true },
  {
    key: 'agency',
    header: 'Lead agency code',
    aliases: ['lead agency code', 'lead agency', 'agency code', 'agency'],
    required: true,
  },
  {
    key: 'successMeasure',
    header: 'Success measure',
    aliases: ['success measure', 'success measures', 'measure of success', 'evidence of success'],
    required: false,
  },
  {
    key: 'dueDate',
    header: 'Target date',
    aliases: ['target date', 'due date', 'deadline', 'target completion date'],
    required: true,
  },
  {
    key: 'description',
    header: 'Action detail',
    aliases: ['action detail', 'action details', 'description'],
    required: false,
  },
  { key: 'reviewType', header: 'Review type', aliases: ['review type', 'type of review'], required: false },
  { key: 'themes', header: 'Themes', aliases: ['themes', 'theme'], required: false },
  // Issue 17: what the impact check after approval measures, and "no" for no check at all.
  {
    key: 'impactMeasure',
    header: 'Impact measure',
    aliases: ['impact measure', 'measure of impact', 'impact'],
    required: false,
  },
  { key: 'impactCheck', header: 'Impact check', aliases: ['impact check'], required: false },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

/** A cell as read from either format: text, or a date when the spreadsheet stored a date. */
export type Cell = string | Date | null;

export interface SheetRow {
  /** 1-based row number as a spreadsheet shows it (the header is row 1). */
  row: number;
  cells: Cell[];
}

export interface Sheet {
  headers: string[];
  rows: SheetRow[];
}

/** A header as matched: lower case, punctuation and spacing folded to single spaces. */
export const normaliseHeader = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Column index per key, or the names of required columns that are missing. */
export function mapHeaders(headers: string[]): {
  index: Partial<Record<ColumnKey, number>>;
  missing: string[];
  unknown: string[];
} {
  const index: Partial<Record<ColumnKey, number>> = {};
  const unknown: string[] = [];
  headers.forEach((h, i) => {
    const n = normaliseHeader(h);
    if (!n) return;
    const col = COLUMNS.find((c) => (c.aliases as readonly string[]).includes(n));
    if (col && index[col.key] === undefined) index[col.key] = i;
    else unknown.push(h);
  });
  const missing = COLUMNS.filter((c) => c.required && index[c.key] === undefined).map((c) => c.header);
  return { index, missing, unknown };
}
