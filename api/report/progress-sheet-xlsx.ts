/**
 * A review's action plan as a workbook an agency fills in offline: one row per action, every column
 * locked but the ones filled in (`Progress update`, `Percent complete`, `RAG`, `RAG reason`), and
 * an `About` sheet saying how the upload reads it. The sheet is
 * protected without a password: it guards against typing in the wrong column, not against anyone.
 */
import ExcelJS from 'exceljs';
import { dueOn, formatDay } from '../../lib/board-time';
import { RAGS } from '../../domain/vocabulary';
import { FILLED_IN, SHEET_COLUMNS, headerOf, type SheetColumnKey } from '../import/progress-sheet-template';
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

/** "progress update, 40% complete, RAG amber", or what became of a statement to the board. */
function updateWords(u: NonNullable<SheetAction['latestUpdate']>): string {
  if (u.status !== 'progress_update') return EVIDENCE_WORDS[u.status] ?? u.status;
  return [
    'progress update',
    u.percentComplete !== null && u.percentComplete !== undefined ? `${u.percentComplete}% complete` : null,
    u.rag ? `RAG ${u.rag}` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

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
    latestUpdate: u ? sheetText(`${formatDay(u.submittedAt)} (${updateWords(u)}): ${u.statement}`) : '',
    progressUpdate: '',
    percentComplete: '',
    rag: '',
    ragReason: '',
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
  const filledIn = FILLED_IN.map((k) => ws.getColumn(k).number);
  const percentCol = ws.getColumn('percentComplete').number;
  const ragCol = ws.getColumn('rag').number;
  ws.eachRow((row, n) => {
    row.alignment = { vertical: 'top', wrapText: true };
    if (n === 1) return;
    for (const c of filledIn) row.getCell(c).protection = { locked: false };
    // The spreadsheet helps as the upload checks: a whole number 0-100, one of the RAG words.
    row.getCell(percentCol).dataValidation = {
      type: 'whole',
      operator: 'between',
      formulae: [0, 100],
      allowBlank: true,
      showErrorMessage: true,
      errorTitle: headerOf('percentComplete'),
      error: 'A whole number from 0 to 100, or blank',
    };
    row.getCell(ragCol).dataValidation = {
      type: 'list',
      formulae: [`"${RAGS.join(',')}"`],
      allowBlank: true,
      showErrorMessage: true,
      errorTitle: headerOf('rag'),
      error: `One of ${RAGS.join(', ')}, or blank (with the reason in "${headerOf('ragReason')}")`,
    };
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
        '"Progress sheet" page (or POST it to /api/v1/reviews/:id/progress-sheet). Rows left blank are skipped. ' +
        `Optionally give "${headerOf('percentComplete')}" (a whole number 0-100) and your own "${headerOf('rag')}" ` +
        `(${RAGS.join(', ')}) with its "${headerOf('ragReason')}".`,
    ],
    [
      'What an update does',
      "Each update becomes a progress update on its action, as if posted on the action's page: the agency's current " +
        'position, shown on the action and in the progress statement. It asks the board for no decision and does not ' +
        'change the stage. The action must be acknowledged and still open (in progress or awaiting sign-off).',
    ],
    [
      'Who uploads it',
      'An agency uploads its own rows. The board may upload a sheet an agency sent it: each update is then recorded ' +
        'as made by the board member, for the agency.',
    ],
    [
      'Checked first',
      'Every row is checked before anything is sent. If any row has a problem, nothing is sent, and every problem ' +
        'is listed by row and column. An agency may only update its own actions. The same file uploaded again ' +
        'sends nothing twice.',
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
