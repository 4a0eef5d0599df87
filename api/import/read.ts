import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { AppError } from '../../lib/errors';
import type { UploadedFile } from '../http/uploads';
import type { Cell, Sheet } from './template';
import { checkWorkbookSize } from './zip-limits';

export const MAX_IMPORT_ROWS = 2000;

export function importFormat(file: UploadedFile): 'csv' | 'xlsx' {
  const name = file.filename.toLowerCase();
  const isZip = file.buffer.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  if (
    name.endsWith('.xlsx') ||
    file.mediaType === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
  ) {
    if (!isZip) throw new AppError('unsupported_media_type', `${file.filename} is not an XLSX workbook`);
    return 'xlsx';
  }
  if (name.endsWith('.csv') || file.mediaType === 'text/csv' || file.mediaType === 'application/csv') {
    if (isZip || file.buffer.includes(0))
      throw new AppError('unsupported_media_type', `${file.filename} is not a CSV text file`);
    return 'csv';
  }
  throw new AppError(
    'unsupported_media_type',
    `Send the action plan as .csv or .xlsx (got ${file.filename}, ${file.mediaType})`,
  );
}

export function readCsv(buffer: Buffer): Sheet {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new AppError('validation', 'The CSV file is not UTF-8 text; save it as "CSV UTF-8"');
  }
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
      info: false,
    }) as string[][];
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new AppError(
      'validation',
      `The CSV file cannot be read: ${e.message}`,
      e.lines ? [{ path: `rows.${e.lines}`, row: e.lines, message: e.message }] : undefined,
    );
  }
  const [headers = [], ...rest] = records;
  return {
    headers,
    rows: rest
      .map((cells, i) => ({ row: i + 2, cells: cells.map((c) => (c === '' ? null : c)) }))
      .filter((r) => r.cells.some((c) => c !== null)),
  };
}

function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v)
      return (
        v.richText
          .map((t) => t.text)
          .join('')
          .trim() || null
      );
    if ('result' in v) return cellValue((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('text' in v && typeof (v as { text: unknown }).text === 'string')
      return (v as { text: string }).text.trim() || null;
    if ('error' in v) return null;
  }
  return String(v);
}

export async function readXlsx(buffer: Buffer): Promise<Sheet> {
  checkWorkbookSize(buffer);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch (err) {
    throw new AppError('validation', `The XLSX file cannot be read: ${(err as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new AppError('validation', 'The workbook has no worksheet');
  const headers: string[] = [];
  const rows: Sheet['rows'] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: Cell[] = [];
    for (let c = 1; c <= Math.max(row.cellCount, 1); c++) values.push(cellValue(row.getCell(c).value));
    if (rowNumber === 1) headers.push(...values.map((v) => (v instanceof Date ? v.toISOString() : (v ?? ''))));
    else if (values.some((v) => v !== null)) rows.push({ row: rowNumber, cells: values });
  });
  return { headers, rows };
}

export async function readSheet(file: UploadedFile): Promise<Sheet> {
  const sheet = importFormat(file) === 'xlsx' ? await readXlsx(file.buffer) : readCsv(file.buffer);
  if (sheet.rows.length > MAX_IMPORT_ROWS)
    throw new AppError('too_large', `At most ${MAX_IMPORT_ROWS} rows per import`);
  return sheet;
}
