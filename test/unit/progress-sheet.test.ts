/**
 * The progress sheet as a file (api/report/progress-sheet-xlsx.ts, api/import/progress-sheet-rows.ts):
 * what the export holds and locks, and how an upload's rows become updates, every bad one named by
 * row and column. The record's side (whose action, stale versions, sending) is in
 * test/api/progress-sheet.test.ts.
 */
import ExcelJS from 'exceljs';
import { sheetToUpdates } from '../../api/import/progress-sheet-rows';
import { readXlsx } from '../../api/import/read';
import type { Sheet } from '../../api/import/template';
import type { SheetReview } from '../../api/queries/progress-sheet';
import { renderProgressSheet } from '../../api/report/progress-sheet-xlsx';
import { sheetUpdateId } from '../../api/use-cases/apply-progress-sheet';

const A1 = '11111111-1111-4111-8111-111111111111';
const A2 = '22222222-2222-4222-8222-222222222222';
const review: SheetReview = {
  id: '33333333-3333-4333-8333-333333333333',
  reference: 'SCR-BABY-M',
  title: 'Baby M',
  actions: [
    {
      id: A1,
      version: 4,
      reference: '1.1',
      recommendationNumber: '1',
      recommendationText: 'Thresholds are understood',
      title: '=Train every social worker on thresholds',
      agencyId: 'x',
      agencyCode: 'BCC',
      agencyName: 'Buckinghamshire County Council',
      ownerName: 'Priya Shah',
      ownerEmail: 'priya.shah@bcc.example',
      successMeasure: 'Audit shows consistent thresholds',
      originalDueDate: new Date('2027-01-31T23:59:59Z'),
      dueDate: new Date('2027-03-31T22:59:59Z'),
      status: 'in_progress',
      latestUpdate: {
        statement: 'Half the teams trained',
        status: 'changes_requested',
        submittedAt: new Date('2026-11-02T10:00:00Z'),
      },
    },
    {
      id: A2,
      version: 1,
      reference: '1.2',
      recommendationNumber: '1',
      recommendationText: 'Thresholds are understood',
      title: 'Publish the threshold guide',
      agencyId: 'y',
      agencyCode: 'BSCB',
      agencyName: 'Buckinghamshire Safeguarding Children Board',
      ownerName: null,
      ownerEmail: null,
      successMeasure: null,
      originalDueDate: new Date('2027-02-28T23:59:59Z'),
      dueDate: new Date('2027-02-28T23:59:59Z'),
      status: 'assigned',
      latestUpdate: {
        statement: 'Draft guide circulated',
        status: 'progress_update',
        submittedAt: new Date('2026-11-20T10:00:00Z'),
        percentComplete: 40,
        rag: 'amber',
      },
    },
  ],
};

const exported = () =>
  renderProgressSheet(review, { boardName: 'Test Board', generatedAt: new Date('2026-12-01T09:00:00Z') });

describe('the exported sheet', () => {
  it('has the plan columns, the version, status, owner, due date, latest update and blank columns to fill in', async () => {
    const sheet = await readXlsx(await exported());
    expect(sheet.headers).toEqual([
      'Action ID',
      'Version',
      'Reference',
      'Recommendation number',
      'Recommendation',
      'Action',
      'Lead agency code',
      'Success measure',
      'Target date',
      'Status',
      'Owner',
      'Due date',
      'Latest update',
      'Progress update',
      'Percent complete',
      'RAG',
      'RAG reason',
    ]);
    expect(sheet.rows.map((r) => r.cells)).toEqual([
      [
        A1,
        '4',
        '1.1',
        '1',
        'Thresholds are understood',
        // A cell a spreadsheet would run as a formula is kept as text.
        "'=Train every social worker on thresholds",
        'BCC',
        'Audit shows consistent thresholds',
        '2027-01-31',
        'In progress',
        'Priya Shah <priya.shah@bcc.example>',
        '2027-03-31',
        '2 November 2026 (changes requested): Half the teams trained',
        null,
        null,
        null,
        null,
      ],
      [
        A2,
        '1',
        '1.2',
        '1',
        'Thresholds are understood',
        'Publish the threshold guide',
        'BSCB',
        null,
        '2027-02-28',
        'Assigned',
        'Buckinghamshire Safeguarding Children Board',
        '2027-02-28',
        '20 November 2026 (progress update, 40% complete, RAG amber): Draft guide circulated',
        null,
        null,
        null,
        null,
      ],
    ]);
  });

  it('locks every cell but the Progress update of each action row, and says how the upload reads it', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await exported()) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Actions')!;
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Actions', 'About']);
    expect((ws as unknown as { sheetProtection: { sheet: boolean } }).sheetProtection.sheet).toBe(true);
    for (const col of ['N', 'O', 'P', 'Q'])
      for (const row of [2, 3]) expect(ws.getCell(`${col}${row}`).protection).toMatchObject({ locked: false });
    expect(ws.getCell('O2').dataValidation).toMatchObject({ type: 'whole', formulae: [0, 100] });
    expect(ws.getCell('P2').dataValidation).toMatchObject({ type: 'list', formulae: ['"green,amber,red,complete"'] });
    expect(ws.getCell('A2').protection?.locked).not.toBe(false);
    expect(ws.getCell('B2').protection?.locked).not.toBe(false);
    const about = wb.getWorksheet('About')!;
    const words = about.getColumn(2).values.join(' ');
    expect(words).toContain('SCR-BABY-M: Baby M');
    expect(words).toMatch(/Reminders and escalations the system sent by itself do not count as a change/);
    expect(words).toMatch(/Each update becomes a progress update on its action/);
    expect(words).toMatch(/The board may upload a sheet an agency sent it/);
  });
});

describe('reading an upload', () => {
  const sheetOf = (headers: string[], ...rows: (string | null)[][]): Sheet => ({
    headers,
    rows: rows.map((cells, i) => ({ row: i + 2, cells })),
  });
  const H = ['Action ID', 'Version', 'Reference', 'Progress update'];

  it('a round trip: the exported file with one update typed in gives exactly that update', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await exported()) as unknown as ArrayBuffer);
    wb.getWorksheet('Actions')!.getCell('N2').value = '  All teams trained; audit booked for March  ';
    const sheet = await readXlsx(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(sheetToUpdates(sheet)).toEqual({
      updates: [{ row: 2, actionId: A1, version: 4, statement: 'All teams trained; audit booked for March' }],
      errors: [],
    });
  });

  it('percent complete and the own RAG with its reason are read and checked as the API checks them, by column', () => {
    const F = [...H, 'Percent complete', 'RAG', 'RAG reason'];
    const A3 = '33333333-3333-4333-8333-333333333333';
    const A4 = '44444444-4444-4444-8444-444444444444';
    const A5 = '55555555-5555-4555-8555-555555555555';
    const good = sheetToUpdates(
      sheetOf(
        F,
        [A1, '4', '1.1', 'Half trained', '50%', 'Amber', 'Two teams on leave'],
        [A2, '1', '1.2', 'Begun', '0', null, null],
      ),
    );
    expect(good).toEqual({
      updates: [
        {
          row: 2,
          actionId: A1,
          version: 4,
          statement: 'Half trained',
          percentComplete: 50,
          rag: 'amber',
          ragReason: 'Two teams on leave',
        },
        { row: 3, actionId: A2, version: 1, statement: 'Begun', percentComplete: 0 },
      ],
      errors: [],
    });
    const bad = sheetToUpdates(
      sheetOf(
        F,
        [A1, '4', '1.1', 'a', '101', null, null],
        [A2, '1', '1.2', 'b', '12.5', null, null],
        [A3, '1', '1.3', 'c', 'most', null, null],
        [A4, '1', '1.4', 'd', null, 'red', null],
        [A5, '1', '1.5', 'e', null, 'blue', 'why'],
      ),
    );
    expect(bad.updates).toEqual([]);
    expect(bad.errors.map((e) => [e.row, e.column, e.message])).toEqual([
      [2, 'Percent complete', 'Percent complete must be from 0 to 100'],
      [3, 'Percent complete', 'Percent complete must be a whole number'],
      [4, 'Percent complete', 'Percent complete must be a number from 0 to 100'],
      [5, 'RAG reason', 'say why the action is red'],
      [6, 'RAG', 'RAG must be one of green, amber, red, complete'],
    ]);
  });

  it('headers match loosely, columns may move, blank rows are skipped', () => {
    const out = sheetToUpdates(
      sheetOf(['progress UPDATE', 'version', 'action id'], [null, '3', A1], ['Done', '2', A2.toUpperCase()]),
    );
    expect(out).toEqual({ updates: [{ row: 3, actionId: A2, version: 2, statement: 'Done' }], errors: [] });
  });

  it('every bad row is named by row and column, and nothing is read from a sheet with any', () => {
    const out = sheetToUpdates(
      sheetOf(
        H,
        [A1, '4', '1.1', 'Fine'],
        ['not-an-id', '4', '1.2', 'Words'],
        [A2, 'four', '1.2', 'Words'],
        [null, null, '1.3', 'Words'],
        [A1.toUpperCase(), '4', '1.1', 'Twice'],
        ['44444444-4444-4444-8444-444444444444', '1', '1.4', 'bad \u0000 text'],
        ['55555555-5555-4555-8555-555555555555', '1', '1.5', 'x'.repeat(10001)],
      ),
    );
    expect(out.errors.map((e) => [e.row, e.column, e.message])).toEqual([
      [3, 'Action ID', '"not-an-id" is not an action ID from this system'],
      [4, 'Version', '"four" is not a version number'],
      [5, 'Action ID', 'the action ID is missing: copy the row from a sheet exported by the system'],
      [5, 'Version', 'the version is missing: export the sheet again'],
      [6, 'Action ID', 'the same action is updated on row 2: one update per action'],
      [7, 'Progress update', expect.stringMatching(/^the cell /)],
      [8, 'Progress update', 'longer than 10000 characters'],
    ]);
  });

  it('a sheet without the columns an upload needs, or without any update, is refused', () => {
    expect(sheetToUpdates(sheetOf(['Reference', 'Progress update'], ['1.1', 'x'])).errors).toEqual([
      { path: 'file', row: 1, column: 'Action ID', message: 'the column "Action ID" is missing' },
      { path: 'file', row: 1, column: 'Version', message: 'the column "Version" is missing' },
    ]);
    expect(sheetToUpdates(sheetOf(H, [A1, '4', '1.1', null])).errors).toEqual([
      expect.objectContaining({
        column: 'Progress update',
        message: 'no row has a "Progress update": nothing to send',
      }),
    ]);
  });
});

describe('the update id a row becomes', () => {
  it('is a UUID fixed by the action, the version and what the row says, whoever uploads it, so a second upload is recognised', () => {
    const u = { actionId: A1, version: 4, statement: 'Done' };
    const id = sheetUpdateId(u);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sheetUpdateId({ ...u })).toBe(id);
    // A RAG reason without a RAG is not part of the update (the workflow drops it), so not of its id.
    expect(sheetUpdateId({ ...u, ragReason: 'ignored' })).toBe(id);
    expect(
      new Set([
        sheetUpdateId({ ...u, version: 5 }),
        sheetUpdateId({ ...u, statement: 'Done.' }),
        sheetUpdateId({ ...u, actionId: A2 }),
        sheetUpdateId({ ...u, percentComplete: 0 }),
        sheetUpdateId({ ...u, rag: 'green', ragReason: 'On track' }),
      ]).has(id),
    ).toBe(false);
    expect(sheetUpdateId({ ...u, rag: 'green', ragReason: 'On track' })).not.toBe(
      sheetUpdateId({ ...u, rag: 'green', ragReason: 'On track.' }),
    );
  });
});
