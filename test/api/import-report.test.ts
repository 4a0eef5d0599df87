import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { csvToXlsx } from '../../examples/make-xlsx';
import { ApiStack, EXAMPLES, QUIET_POLICY } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

const exampleCsv = fs.readFileSync(path.join(EXAMPLES, 'scr-baby-m-action-plan.csv'));
const exampleXlsx = fs.readFileSync(path.join(EXAMPLES, 'scr-baby-m-action-plan.xlsx'));
const policy = JSON.stringify(QUIET_POLICY);

const importFile = (reference: string, file: Buffer, filename: string, contentType: string) =>
  stack
    .post('/api/v1/reviews/import', 'board')
    .field('reference', reference)
    .field('title', 'Serious Case Review: Baby M')
    .field('policy', policy)
    .attach('file', file, { filename, contentType });

describe('import', () => {
  it('the example CSV becomes the review: 8 recommendations, 22 actions, five agencies', async () => {
    const res = await importFile('SCR-BABY-M-CSV', exampleCsv, 'plan.csv', 'text/csv');
    expect(res.status).toBe(201);
    const actions = res.body.recommendations.flatMap((r: { actions: unknown[] }) => r.actions);
    expect(res.body.recommendations).toHaveLength(8);
    expect(actions).toHaveLength(22);
    expect(new Set(actions.map((a: { agencyCode: string }) => a.agencyCode))).toEqual(
      new Set(['BSCB', 'BHT', 'BCC', 'TVP', 'CCG']),
    );
    expect(actions[1]).toMatchObject({
      reference: '1.2',
      agencyCode: 'BSCB',
      dueDate: '2027-06-30T22:59:59.999Z',
      dueOn: '2027-06-30',
    });
  });

  it('the example XLSX (date cells) gives the same plan', async () => {
    const res = await importFile(
      'SCR-BABY-M-XLSX',
      exampleXlsx,
      'plan.xlsx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.status).toBe(201);
    const csvReview = (await stack.get('/api/v1/reviews')).body.find(
      (r: { reference: string }) => r.reference === 'SCR-BABY-M-CSV',
    );
    const a = (await stack.get(`/api/v1/reviews/${csvReview.id}`)).body;
    const strip = (r: {
      recommendations: {
        number: string;
        text: string;
        actions: { reference: string; title: string; agencyCode: string; dueDate: string; successMeasure: string }[];
      }[];
    }) =>
      r.recommendations.map((x) => ({
        n: x.number,
        t: x.text,
        a: x.actions.map((y) => [y.reference, y.title, y.agencyCode, y.dueDate, y.successMeasure]),
      }));
    expect(strip(res.body)).toEqual(strip(a));
  });

  it('bad rows are all reported by row and column, and nothing is imported (CSV)', async () => {
    const lines = exampleCsv.toString('utf8').split('\n');
    lines[3] = lines[3].replace(',BSCB,', ',XYZ,'); // row 4: unknown agency
    lines[5] = lines[5].replace(/,[^,]*$/, ',31/02/2027'); // row 6: no such date
    lines[8] = lines[8].replace(/^3,/, ','); // row 9: no recommendation number, so row 10 (3,,…) has no text for 3
    await stack.assignmentsProjected();
    const before = await stack.counts();
    const res = await importFile('BAD-CSV', Buffer.from(lines.join('\n')), 'plan.csv', 'text/csv');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const where = res.body.errors.map((e: { row: number; column: string }) => [e.row, e.column]);
    expect(where).toEqual([
      [4, 'Lead agency code'],
      [6, 'Target date'],
      [9, 'Recommendation number'],
      [10, 'Recommendation'],
    ]);
    expect(await stack.counts()).toEqual(before);
  });

  it('bad rows in an XLSX are reported by row and column, nothing imported', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exampleXlsx as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    ws.getCell('C3').value = null; // row 3: action missing
    ws.getCell('F7').value = 'soon'; // row 7: not a date
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    await stack.assignmentsProjected();
    const before = await stack.counts();
    const res = await importFile(
      'BAD-XLSX',
      file,
      'plan.xlsx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [3, 'Action'],
      [7, 'Target date'],
    ]);
    expect(await stack.counts()).toEqual(before);
  });

  it('a missing column, a non-spreadsheet, and no file are refused with nothing imported', async () => {
    await stack.assignmentsProjected();
    const before = await stack.counts();
    const noDate = Buffer.from('Recommendation number,Recommendation,Action,Lead agency code\n1,R,A,BHT\n');
    const r1 = await importFile('BAD-COLS', noDate, 'plan.csv', 'text/csv');
    expect(r1.status).toBe(400);
    expect(r1.body.errors).toEqual([expect.objectContaining({ row: 1, column: 'Target date' })]);
    expect((await importFile('BAD-TYPE', Buffer.from('%PDF-1.4'), 'plan.pdf', 'application/pdf')).status).toBe(415);
    expect(
      (await importFile('BAD-ZIP', Buffer.from('not a zip'), 'plan.xlsx', 'application/octet-stream')).status,
    ).toBe(415);
    const r4 = await stack.post('/api/v1/reviews/import', 'board').field('reference', 'NOFILE').field('title', 'T');
    expect(r4.status).toBe(400);
    expect(await stack.counts()).toEqual(before);
  });

  it('the committed XLSX is what the CSV generates', async () => {
    const fresh = await csvToXlsx(exampleCsv.toString('utf8'));
    const read = async (b: Buffer) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(b as unknown as ArrayBuffer);
      const rows: unknown[] = [];
      wb.worksheets[0].eachRow((r) => rows.push(r.values));
      return rows;
    };
    expect(await read(exampleXlsx)).toEqual(await read(fresh));
  });
});

describe('the progress statement of the example review', () => {
  let id: string;
  beforeAll(async () => {
    const list = (await stack.get('/api/v1/reviews')).body as { id: string; reference: string }[];
    id = list.find((r) => r.reference === 'SCR-BABY-M-CSV')!.id;
  });

  it('json: a section per agency in the order the plan names them', async () => {
    const res = await stack.get(`/api/v1/reviews/${id}/report?format=json`, 'board');
    expect(res.status).toBe(200);
    expect(res.body.sections.map((s: { agencyCode: string }) => s.agencyCode)).toEqual([
      'BSCB',
      'BCC',
      'CCG',
      'BHT',
      'TVP',
    ]);
    expect(res.body.sections[0]).toMatchObject({
      number: 1,
      agencyName: 'Buckinghamshire Safeguarding Children Board',
    });
    expect(res.body.totals).toMatchObject({ actions: 22, open: 22, implemented: 0 });
    expect(res.body.sections[0].actions[0]).toMatchObject({
      reference: '1.1',
      status: 'assigned',
      outcome: null,
      dueDate: '2027-03-31T22:59:59.999Z',
      dueOn: '2027-03-31',
    });
  });
  it('html: printable, escaped, every agency a section', async () => {
    const res = await stack.get(`/api/v1/reviews/${id}/report?format=html`, 'board');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('@media print');
    expect(res.text).toContain('<h2>1 Buckinghamshire Safeguarding Children Board</h2>');
    expect(res.text).toContain('Thames Valley Police');
    expect(res.text).toContain('challenge senior colleagues&#39; decisions');
  });
  it('md and csv', async () => {
    const md = await stack.get(`/api/v1/reviews/${id}/report?format=md`, 'board');
    expect(md.headers['content-type']).toMatch(/text\/markdown/);
    expect(md.text).toMatch(/^# Serious Case Review: Baby M/);
    expect(md.text).toContain('## 5 Thames Valley Police');
    // Dates as the board writes them, on their day in the board's zone.
    expect(md.text).toContain('- Target date: 31 March 2027');
    expect(md.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const csv = await stack.get(`/api/v1/reviews/${id}/report?format=csv`, 'board');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^Agency code,Agency,Reference/);
    expect(lines).toHaveLength(23);
    expect(lines.some((l) => l.includes(',31 January 2027,'))).toBe(true);
  });
  it('an agency user sees only its own section', async () => {
    const res = await stack.get(`/api/v1/reviews/${id}/report?format=json`, 'other');
    expect(res.body.sections.map((s: { agencyCode: string }) => s.agencyCode)).toEqual(['TVP']);
  });
});

describe('the board calendar', () => {
  it('an admin adds a substitute bank holiday: listed, audited, and in the calendar of reviews created afterwards', async () => {
    const before = (await stack.get('/api/v1/calendar/bank-holidays', 'board')).body;
    expect(before).toMatchObject({
      timeZone: 'Europe/London',
      division: 'england-and-wales',
      source: expect.stringMatching(/gov\.uk\/bank-holidays/),
    });
    expect(before.days).toEqual(
      expect.arrayContaining([
        {
          date: '2023-05-08',
          title: expect.stringMatching(/coronation/i),
          origin: 'shipped',
          replaces: null,
          replacedBy: null,
        },
      ]),
    );

    const added = await stack
      .post('/api/v1/calendar/bank-holidays', 'admin')
      .send({ date: '2030-05-10', title: 'Early May bank holiday (moved)', replaces: '2030-05-06' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      date: '2030-05-10',
      title: 'Early May bank holiday (moved)',
      origin: 'added',
      replaces: '2030-05-06',
      replacedBy: null,
    });
    const days = (await stack.get('/api/v1/calendar/bank-holidays', 'other')).body.days as {
      date: string;
      replacedBy: string | null;
    }[];
    expect(days.find((d) => d.date === '2030-05-06')?.replacedBy).toBe('2030-05-10');
    expect(
      (await stack.post('/api/v1/calendar/bank-holidays', 'admin').send({ date: '2030-05-10', title: 'again' })).status,
    ).toBe(409);

    const audit = (await stack.db.db.execute(
      sql`select type, actor, payload from audit_events where type = 'calendar_day_added'`,
    )) as unknown as { rows: { type: string; payload: unknown }[] };
    expect(audit.rows).toEqual([
      expect.objectContaining({
        payload: { date: '2030-05-10', title: 'Early May bank holiday (moved)', replaces: '2030-05-06' },
      }),
    ]);

    const res = await stack.post('/api/v1/reviews', 'board').send({
      reference: 'CAL-1',
      title: 'Calendar review',
      recommendations: [
        {
          number: '1',
          text: 'Share information',
          actions: [{ agencyCode: 'BHT', title: 'Do it', dueDate: '2030-06-28' }],
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.policy).toMatchObject({
      acknowledgeWithin: { workingDays: 5 },
      boardDecisionWithin: { workingDays: 10 },
      deliverAt: '09:00',
      stallAfter: 'P30D',
    });
    // The import without a policy field gets the same defaults.
    const imported = await stack
      .post('/api/v1/reviews/import', 'board')
      .field('reference', 'CAL-IMPORT')
      .field('title', 'Imported without a policy')
      .attach(
        'file',
        Buffer.from(
          'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do it,BHT,Done,2030-06-28\n',
        ),
        { filename: 'plan.csv', contentType: 'text/csv' },
      );
    expect(imported.status).toBe(201);
    expect(imported.body.policy).toEqual(res.body.policy);
    const history = await stack.client.workflow
      .getHandle(res.body.recommendations[0].workflowId ?? `recommendation-${res.body.recommendations[0].id}`)
      .fetchHistory();
    const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
    const input = JSON.parse(Buffer.from(payload).toString('utf8'));
    const calendar = input.actions[0].calendar;
    expect(calendar.timeZone).toBe('Europe/London');
    expect(calendar.holidays).toContain('2030-05-10');
    expect(calendar.holidays).not.toContain('2030-05-06');
    expect(calendar.holidays).toContain('2030-12-25');
  });
});
