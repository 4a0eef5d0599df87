/**
 * A review's action plan as a workbook an agency fills in offline: one row per action, every column
 * locked but `Progress update`, and an `About` sheet saying how the upload reads it. The sheet is
 * protected without a password: it guards against typing in the wrong column, not against anyone.
 */
import ExcelJS from 'exceljs';
import { dueOn, formatDay } from '../../lib/board-time';
import { SHEET_COLUMNS, headerOf, type SheetColumnKey } from '../import/progress-sheet-template';
import type { SheetAction, SheetReview } from '../queries/progress-sheet';
import { sheetText } from './paper-xlsx';

const STATUS_WORDS: Record<string, string> = {
  assigned: 'Assigned',
  in_progress: 'In progress',
  under_review: 'Awaiting sign-off',
  closed: 'Closed',
  cancelled: 'Cancelled',
};
const EVIDENCE_WORDS: Record<string, string> = {
  submitted: 'awaiting the board',
  accepted: 'accepted by the board',
  changes_requested: 'changes requested',
  not_accepted: 'not accepted',
};

function cells(a: SheetAction): Record<SheetColumnKey, string | number> {
  const u = a.latestUpdate;
  return {
    actionId: a.id,
    version: a.version,
    reference: a.reference,
    number: a.recommendationNumber,
    recommendation: sheetText(a.recommendationText),
    action: sheetText(a.title),
    agency: a.agencyCode,
    successMeasure: sheetText(a.successMeasure ?? ''),
    targetDate: dueOn(a.originalDueDate),
    status: STATUS_WORDS[a.status] ?? a.status,
    // The named owner where there is one; otherwise the agency owns it as a whole.
    owner: sheetText(a.ownerName ? `${a.ownerName} <${a.ownerEmail}>` : a.agencyName),
    dueDate: dueOn(a.dueDate),
    latestUpdate: u
      ? sheetText(`${formatDay(u.submittedAt)} (${EVIDENCE_WORDS[u.status] ?? u.status}): ${u.statement}`)
      : '',
    progressUpdate: '',
  };
}

export const progressSheetFileName = (reference: string) =>
  `${reference.replace(/[^A-Za-z0-9._-]+/g, '-')}-progress-sheet.xlsx`;

export async function renderProgressSheet(
  review: SheetReview,
  meta: { boardName: string; generatedAt: Date },
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = meta.boardName;
  wb.created = meta.generatedAt;
  wb.title = `${review.reference} progress sheet`;
  // The upload reads the first sheet: the actions come first.
  const ws = wb.addWorksheet('Actions', { views: [{ state: 'frozen', ySplit: 1, xSplit: 3 }] });
  ws.columns = SHEET_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  ws.getRow(1).font = { bold: true };
  for (const a of review.actions) ws.addRow(cells(a));
  const updateCol = ws.getColumn('progressUpdate');
  ws.eachRow((row, n) => {
    row.alignment = { vertical: 'top', wrapText: true };
    if (n > 1) row.getCell(updateCol.number).protection = { locked: false };
  });
  // Rows an agency may add below the plan are of no use: only the plan's rows are unlocked.
  await ws.protect('', {
    selectLockedCells: true,
    selectUnlockedCells: true,
    formatColumns: true,
    formatRows: true,
    autoFilter: true,
    sort: false,
  });
  if (review.actions.length)
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: SHEET_COLUMNS.length } };

  const about = wb.addWorksheet('About');
  about.columns = [{ width: 24 }, { width: 100 }];
  const lines: [string, string][] = [
    ['Review', `${review.reference}: ${review.title}`],
    ['Board', meta.boardName],
    ['Exported', meta.generatedAt.toISOString()],
    [
      'How to use it',
      `Write each action's progress in the "${headerOf('progressUpdate')}" column and upload the file on the review's ` +
        '"Progress sheet" page (or POST it to /api/v1/reviews/:id/progress-sheet). Rows left blank are skipped.',
    ],
    [
      'What an update does',
      'Each update is sent as a progress statement to the board, as if written on the action page: the action ' +
        'must be in progress (acknowledged, not already awaiting sign-off).',
    ],
    [
      'Checked first',
      'Every row is checked before anything is sent. If any row has a problem, nothing is sent, and every problem ' +
        'is listed by row and column. Your agency may only update its own actions.',
    ],
    [
      headerOf('version'),
      'Which state of the action the row shows. If the action has changed since this file was exported ' +
        '(a statement, a decision, an extension, a new agency), that row is refused: download the sheet again. ' +
        'Reminders and escalations the system sent by itself do not count as a change.',
    ],
  ];
  for (const [k, v] of lines) about.addRow([k, sheetText(v)]).alignment = { vertical: 'top', wrapText: true };
  about.getColumn(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
