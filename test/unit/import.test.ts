/**
 * Reading an action plan from a spreadsheet (api/import): which files are accepted, how CSV and
 * XLSX cells become text and dates, how loosely headers match, and how rows become
 * recommendations with every problem named by row and column. Uses the example files in
 * examples/ and files written here; nothing is uploaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { importFormat, MAX_IMPORT_ROWS, readCsv, readSheet, readXlsx } from '../../api/import/read';
import { mapHeaders, type Sheet } from '../../api/import/template';
import { sheetToRecommendations, toIsoDate } from '../../api/import/to-review';
import { AppError } from '../../lib/errors';

const examples = path.join(__dirname, '..', '..', 'examples');
const exampleCsv = fs.readFileSync(path.join(examples, 'scr-baby-m-action-plan.csv'));
const exampleXlsx = fs.readFileSync(path.join(examples, 'scr-baby-m-action-plan.xlsx'));
const KNOWN = new Set(['BSCB', 'BCC', 'CCG', 'BHT', 'TVP']);
const HEADER = 'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date';

const file = (filename: string, mediaType: string, buffer: Buffer) => ({
  field: 'file',
  filename,
  mediaType,
  size: buffer.length,
  buffer,
});
const appError = async (f: () => unknown): Promise<AppError> => {
  try {
    await f();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
};

describe('importFormat', () => {
  it('by name or media type', () => {
    expect(importFormat(file('plan.CSV', 'application/octet-stream', Buffer.from('a,b')))).toBe('csv');
    expect(importFormat(file('plan', 'text/csv', Buffer.from('a,b')))).toBe('csv');
    expect(importFormat(file('plan', 'application/csv', Buffer.from('a,b')))).toBe('csv');
    expect(importFormat(file('plan.XLSX', 'application/octet-stream', exampleXlsx))).toBe('xlsx');
    expect(
      importFormat(file('plan', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', exampleXlsx)),
    ).toBe('xlsx');
  });

  it('refuses a workbook that is not a zip, a "CSV" that is binary, and anything else', async () => {
    expect(await appError(() => importFormat(file('plan.xlsx', 'text/plain', Buffer.from('a,b'))))).toMatchObject({
      kind: 'unsupported_media_type',
      message: 'plan.xlsx is not an XLSX workbook',
    });
    expect(await appError(() => importFormat(file('plan.csv', 'text/csv', exampleXlsx)))).toMatchObject({
      kind: 'unsupported_media_type',
      message: 'plan.csv is not a CSV text file',
    });
    expect(
      await appError(() => importFormat(file('plan.csv', 'text/csv', Buffer.from([0x61, 0x00, 0x62])))),
    ).toMatchObject({ message: 'plan.csv is not a CSV text file' });
    expect(await appError(() => importFormat(file('notes.txt', 'text/plain', Buffer.from('hello'))))).toMatchObject({
      kind: 'unsupported_media_type',
      message: 'Send the action plan as .csv or .xlsx (got notes.txt, text/plain)',
    });
  });
});

describe('readCsv', () => {
  it('headers, then rows numbered as a spreadsheet shows them; empty cells are null, blank lines dropped, cells trimmed', () => {
    const sheet = readCsv(
      Buffer.from(
        `\uFEFF${HEADER}\r\n1, Share early ,Audit,BSCB,,2027-03-31\r\n\r\n,,,,,\r\n2,Thresholds,Brief,TVP,Done,31/03/2027\r\n`,
      ),
    );
    expect(sheet.headers).toEqual(HEADER.split(','));
    expect(sheet.rows).toEqual([
      { row: 2, cells: ['1', 'Share early', 'Audit', 'BSCB', null, '2027-03-31'] },
      { row: 5, cells: ['2', 'Thresholds', 'Brief', 'TVP', 'Done', '31/03/2027'] },
    ]);
  });

  it('an empty file has no headers and no rows', () => {
    expect(readCsv(Buffer.from(''))).toEqual({ headers: [], rows: [] });
  });

  it('refuses text that is not UTF-8', async () => {
    expect(await appError(() => readCsv(Buffer.from([0x61, 0x2c, 0xff, 0xfe, 0x0a])))).toMatchObject({
      kind: 'validation',
      message: 'The CSV file is not UTF-8 text; save it as "CSV UTF-8"',
    });
  });

  it('a broken quote is a validation error pointing at the line', async () => {
    const e = await appError(() => readCsv(Buffer.from(`${HEADER}\n1,"unclosed,Audit,BSCB,,2027-03-31\n`)));
    expect(e.kind).toBe('validation');
    expect(e.message).toMatch(/^The CSV file cannot be read: /);
    expect(e.errors?.[0]).toMatchObject({ path: expect.stringMatching(/^rows\.\d+$/), row: expect.any(Number) });
  });
});

describe('readXlsx', () => {
  it('reads the example workbook as the CSV it was made from, dates as dates', async () => {
    const x = await readXlsx(exampleXlsx);
    const c = readCsv(exampleCsv);
    expect(x.headers).toEqual(c.headers);
    expect(x.rows.map((r) => r.row)).toEqual(c.rows.map((r) => r.row));
    const dateCol = c.headers.indexOf('Target date');
    for (const [i, r] of x.rows.entries()) {
      const cell = r.cells[dateCol];
      const expected = c.rows[i].cells[dateCol];
      expect(cell === null || cell === undefined ? null : toIsoDate(cell)).toBe(expected ?? null);
      expect(r.cells.slice(0, dateCol)).toEqual(c.rows[i].cells.slice(0, dateCol));
    }
  });

  it('rich text, formulas, hyperlinks, numbers and errors become text or nothing', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Plan');
    ws.addRow(['Recommendation number', 'Recommendation', 'Action', 'Lead agency code', 'Target date']);
    ws.addRow([
      3.1,
      { richText: [{ text: 'Share ' }, { text: 'early', font: { bold: true } }] },
      { formula: 'CONCAT("Au","dit")', result: 'Audit' },
      { text: 'BSCB', hyperlink: 'https://bscb.example' },
      new Date(Date.UTC(2027, 2, 31)),
    ]);
    ws.addRow(['4', '  ', { error: '#N/A' }, true, null]);
    ws.addRow([]);
    const sheet = await readXlsx(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(sheet.headers).toEqual([
      'Recommendation number',
      'Recommendation',
      'Action',
      'Lead agency code',
      'Target date',
    ]);
    expect(sheet.rows).toEqual([
      { row: 2, cells: ['3.1', 'Share early', 'Audit', 'BSCB', new Date(Date.UTC(2027, 2, 31))] },
      { row: 3, cells: ['4', null, null, 'true'] },
    ]);
  });

  it('refuses what is not a workbook', async () => {
    const e = await appError(() => readXlsx(Buffer.from('PK\u0003\u0004 broken')));
    expect(e.kind).toBe('validation');
    expect(e.message).toMatch(/^The XLSX file cannot be read: /);
  });
});

describe('readSheet', () => {
  it('picks the reader by format', async () => {
    expect((await readSheet(file('plan.csv', 'text/csv', exampleCsv))).rows).toHaveLength(
      readCsv(exampleCsv).rows.length,
    );
    expect((await readSheet(file('plan.xlsx', 'application/octet-stream', exampleXlsx))).rows).toHaveLength(
      readCsv(exampleCsv).rows.length,
    );
  });

  it(`at most ${MAX_IMPORT_ROWS} rows`, async () => {
    const row = '1,Text,Action,BSCB,,2027-03-31';
    const ok = Buffer.from([HEADER, ...Array(MAX_IMPORT_ROWS).fill(row)].join('\n'));
    expect((await readSheet(file('plan.csv', 'text/csv', ok))).rows).toHaveLength(MAX_IMPORT_ROWS);
    const big = Buffer.from([HEADER, ...Array(MAX_IMPORT_ROWS + 1).fill(row)].join('\n'));
    expect(await appError(() => readSheet(file('plan.csv', 'text/csv', big)))).toMatchObject({
      kind: 'too_large',
      message: `At most ${MAX_IMPORT_ROWS} rows per import`,
    });
  });
});

describe('mapHeaders', () => {
  it('matches headers loosely and reports the unknown ones and the missing required ones', () => {
    const m = mapHeaders([
      'Rec. No',
      'RECOMMENDATION TEXT',
      'Action title',
      'Agency',
      'Deadline',
      'Owner',
      '',
      'Notes',
      'Action',
    ]);
    expect(m.index).toEqual({ number: 0, recommendation: 1, action: 2, agency: 3, dueDate: 4 });
    expect(m.unknown).toEqual(['Owner', 'Notes', 'Action']);
    expect(m.missing).toEqual([]);
  });

  it('names each missing required column, never an optional one', () => {
    expect(mapHeaders(['Action', 'Success measure']).missing).toEqual([
      'Recommendation number',
      'Recommendation',
      'Lead agency code',
      'Target date',
    ]);
    expect(mapHeaders([]).missing).toHaveLength(5);
  });
});

describe('toIsoDate', () => {
  it.each([
    ['2027-03-31', '2027-03-31'],
    ['2027-3-1', '2027-03-01'],
    ['2027-03-31T00:00:00Z', '2027-03-31'],
    ['31/03/2027', '2027-03-31'],
    ['1/3/2027', '2027-03-01'],
    ['31-03-2027', '2027-03-31'],
    ['31.03.2027', '2027-03-31'],
    ['29/02/2028', '2028-02-29'],
    ['01/01/1900', '1900-01-01'],
    // Any real day of a four-digit year is read; the row check refuses years the system does not take.
    ['31/12/2200', '2200-12-31'],
    ['31/12/9999', '9999-12-31'],
    ['31/12/1899', '1899-12-31'],
  ])('%s is %s', (text, iso) => expect(toIsoDate(text)).toBe(iso));

  it.each([
    '',
    '31/02/2027',
    '29/02/2027',
    '2027-13-01',
    '2027-00-10',
    '00/01/2027',
    '31/12/0999',
    '03/31',
    '2027/03/31',
    'soon',
    '31/03/27',
    ' 2027-03-31',
  ])('%p is not a date', (text) => expect(toIsoDate(text)).toBeNull());

  it('a date cell is its UTC day; an invalid one or no cell is nothing', () => {
    expect(toIsoDate(new Date(Date.UTC(2027, 0, 5, 23, 59)))).toBe('2027-01-05');
    expect(toIsoDate(new Date(Number.NaN))).toBeNull();
    expect(toIsoDate(new Date(Date.UTC(9999, 11, 31)))).toBe('9999-12-31');
    expect(toIsoDate(new Date(Date.UTC(10000, 0, 1)))).toBeNull();
    expect(toIsoDate(null)).toBeNull();
  });
});

describe('sheetToRecommendations', () => {
  const sheet = (...rows: (string | Date | null)[][]): Sheet => ({
    headers: HEADER.split(','),
    rows: rows.map((cells, i) => ({ row: i + 2, cells })),
  });

  it('groups the example plan by recommendation, the text written once per group', () => {
    const { recommendations, errors } = sheetToRecommendations(readCsv(exampleCsv), KNOWN);
    const rowsWithDates = readCsv(exampleCsv).rows.filter((r) => r.cells[5]);
    expect(errors.map((e) => e.message)).toEqual(
      readCsv(exampleCsv)
        .rows.filter((r) => !r.cells[5])
        .map(() => 'the target date is missing'),
    );
    expect(recommendations.map((r) => r.number)).toEqual([...new Set(rowsWithDates.map((r) => String(r.cells[0])))]);
    expect(recommendations[0].text).toMatch(/^Pre-birth planning was poor/);
  });

  it('issue 22: a target date before today is refused by row and column; today and later are not; no today, no comparison', () => {
    const rows = sheet(
      ['1', 'Share early', 'Audit', 'BSCB', 'Report', '01/01/2020'],
      ['1', null, 'Brief', 'TVP', null, '2026-11-28'],
      ['1', null, 'Train', 'TVP', null, '2026-11-29'],
      ['1', null, 'Review', 'TVP', null, '30/11/2026'],
    );
    const r = sheetToRecommendations(rows, KNOWN, undefined, '2026-11-29');
    expect(r.errors).toEqual([
      {
        path: 'rows.2.dueDate',
        row: 2,
        column: 'Target date',
        message:
          '01/01/2020 is in the past: an action due before today would be overdue and escalated as soon as it is imported. Give a target date from 29/11/2026 on.',
      },
      expect.objectContaining({
        row: 3,
        column: 'Target date',
        message: expect.stringMatching(/^28\/11\/2026 is in the past/),
      }),
    ]);
    expect(r.recommendations[0].actions.map((a) => a.dueDate)).toEqual(['2026-11-29', '2026-11-30']);
    expect(sheetToRecommendations(rows, KNOWN).errors).toEqual([]);
  });

  it('issue 17: an impact measure and "no" impact check per row; anything but yes/no is refused by row and column', () => {
    const withImpact: Sheet = {
      headers: [...HEADER.split(','), 'Impact measure', 'Impact check'],
      rows: [
        { row: 2, cells: ['1', 'Share early', 'Audit', 'BSCB', 'Report', '2027-03-31', 'Re-audit in a year', 'no'] },
        { row: 3, cells: ['1', null, 'Brief', 'TVP', null, '2027-03-31', null, 'maybe'] },
      ],
    };
    const r = sheetToRecommendations(withImpact, KNOWN);
    expect(r.recommendations[0].actions[0]).toMatchObject({ impactMeasure: 'Re-audit in a year', impactCheck: false });
    expect(r.errors).toEqual([expect.objectContaining({ row: 3, message: '"maybe" is not yes or no' })]);
  });

  it('a good sheet: codes upper-cased, dates as days, optional columns only when given', () => {
    const r = sheetToRecommendations(
      sheet(
        ['1', 'Share early', 'Audit', 'bscb', 'Report', '31/03/2027'],
        ['1', null, 'Brief', 'TVP', null, new Date(Date.UTC(2027, 5, 30))],
        ['2', 'Thresholds', 'Train', 'BCC', null, '2027-12-31'],
      ),
      KNOWN,
    );
    expect(r).toEqual({
      errors: [],
      recommendations: [
        {
          number: '1',
          text: 'Share early',
          actions: [
            {
              agencyCode: 'BSCB',
              title: 'Audit',
              successMeasure: 'Report',
              description: undefined,
              dueDate: '2027-03-31',
            },
            {
              agencyCode: 'TVP',
              title: 'Brief',
              successMeasure: undefined,
              description: undefined,
              dueDate: '2027-06-30',
            },
          ],
        },
        {
          number: '2',
          text: 'Thresholds',
          actions: [
            {
              agencyCode: 'BCC',
              title: 'Train',
              successMeasure: undefined,
              description: undefined,
              dueDate: '2027-12-31',
            },
          ],
        },
      ],
    });
  });

  it('every problem at once, each with its row and the column as the sheet names it', () => {
    const r = sheetToRecommendations(
      {
        headers: ['Rec no', 'Recommendation', 'Action', 'Agency', 'Deadline'],
        rows: [
          { row: 2, cells: [null, 'Text', 'Audit', 'BSCB', '2027-03-31'] },
          { row: 3, cells: ['one', 'Text', 'Audit', 'BSCB', '2027-03-31'] },
          { row: 4, cells: ['1', null, null, null, null] },
          { row: 5, cells: ['2', 'Text', 'Audit', 'B S', 'tomorrow'] },
          { row: 6, cells: ['2', 'Other text', 'Audit', 'XYZ', '2027-03-31'] },
        ],
      },
      KNOWN,
    );
    expect(r.errors).toEqual([
      { path: 'rows.2.number', row: 2, column: 'Rec no', message: 'the recommendation number is missing' },
      {
        path: 'rows.3.number',
        row: 3,
        column: 'Rec no',
        message: '"one" is not a recommendation number such as 3 or 3.1',
      },
      { path: 'rows.4.action', row: 4, column: 'Action', message: 'the action is missing' },
      { path: 'rows.4.agency', row: 4, column: 'Agency', message: 'the lead agency code is missing' },
      { path: 'rows.4.dueDate', row: 4, column: 'Deadline', message: 'the target date is missing' },
      {
        path: 'rows.4.recommendation',
        row: 4,
        column: 'Recommendation',
        message: 'the text of recommendation 1 is missing',
      },
      { path: 'rows.5.agency', row: 5, column: 'Agency', message: '"B S" is not an agency code' },
      {
        path: 'rows.5.dueDate',
        row: 5,
        column: 'Deadline',
        message: '"tomorrow" is not a date (use YYYY-MM-DD or DD/MM/YYYY)',
      },
      { path: 'rows.6.agency', row: 6, column: 'Agency', message: 'no agency has the code XYZ' },
      {
        path: 'rows.6.recommendation',
        row: 6,
        column: 'Recommendation',
        message: 'differs from the text of recommendation 2 on row 5',
      },
    ]);
    expect(r.recommendations).toEqual([
      { number: '1', text: '', actions: [] },
      { number: '2', text: 'Text', actions: [] },
    ]);
  });

  it('limits on length, named by column', () => {
    const long = (n: number) => 'x'.repeat(n);
    const r = sheetToRecommendations(
      {
        headers: [...HEADER.split(','), 'Action detail'],
        rows: [{ row: 2, cells: ['1', long(10001), long(2001), 'BSCB', long(4001), '2027-03-31', long(10001)] }],
      },
      KNOWN,
    );
    expect(r.errors.map((e) => [e.column, e.message])).toEqual([
      ['Recommendation', 'longer than 10000 characters'],
      ['Action', 'longer than 2000 characters'],
      ['Success measure', 'longer than 4000 characters'],
      ['Action detail', 'longer than 10000 characters'],
    ]);
    const edge = sheetToRecommendations(
      {
        headers: [...HEADER.split(','), 'Description'],
        rows: [{ row: 2, cells: ['1', long(10000), long(2000), 'BSCB', long(4000), '2027-03-31', long(10000)] }],
      },
      KNOWN,
    );
    expect(edge.errors).toEqual([]);
    expect(edge.recommendations[0].actions[0].description).toHaveLength(10000);
  });

  it('missing columns stop the import before any row is read', () => {
    expect(
      sheetToRecommendations(
        { headers: ['Action', 'Target date'], rows: [{ row: 2, cells: ['Audit', '2027-03-31'] }] },
        KNOWN,
      ),
    ).toEqual({
      recommendations: [],
      errors: [
        {
          path: 'file',
          row: 1,
          column: 'Recommendation number',
          message: 'the column "Recommendation number" is missing',
        },
        { path: 'file', row: 1, column: 'Recommendation', message: 'the column "Recommendation" is missing' },
        { path: 'file', row: 1, column: 'Lead agency code', message: 'the column "Lead agency code" is missing' },
      ],
    });
  });

  it('a sheet with headers and no rows says so', () => {
    expect(sheetToRecommendations(sheet(), KNOWN)).toEqual({
      recommendations: [],
      errors: [{ path: 'file', row: 2, message: 'the file has no action rows' }],
    });
  });
});
