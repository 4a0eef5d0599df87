/**
 * Board papers over a record with known events either side of a quarter: the period report's
 * exact rows (from inclusive, to exclusive), and the Word, PDF and spreadsheet packs opened the
 * way a reader would (docx unzipped, PDF text extracted) and checked for headings, tables and figures.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { PDFParse } from 'pdf-parse';
import type { Response } from 'supertest';
import { ROOT, TSX } from '../faults/stack';
import { QUARTER, seedBoardPapers, type PapersFixture } from './board-papers-fixture';
import { ApiStack, type Caller } from './stack';

let stack: ApiStack;
let fx: PapersFixture;
beforeAll(async () => {
  stack = await new ApiStack({ worker: false }).start();
  fx = await seedBoardPapers(stack.db.db, stack.agencyIds);
}, 120_000);
afterAll(() => stack?.stop());

const binary = (url: string, caller: Caller = 'board') =>
  stack
    .get(url, caller)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
const bytes = (res: Response) => res.body as Buffer;
const docxXml = async (buf: Buffer, part = 'word/document.xml') =>
  (await JSZip.loadAsync(buf)).file(part)!.async('string');
/** The words of a Word part with the markup taken out, so a check reads like the page. */
const docxText = (xml: string) =>
  xml
    .replace(/<w:tab\/>/g, ' ')
    .replace(/<w:br\/>/g, '\n')
    .replace(/<\/w:p>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const pdfText = async (buf: Buffer) => {
  const parser = new PDFParse({ data: new Uint8Array(buf) });
  try {
    const r = await parser.getText();
    return { text: r.text.replace(/\s+/g, ' '), pages: r.total };
  } finally {
    await parser.destroy();
  }
};
const verifyHead = (hash: string) =>
  promisify(execFile)(TSX, [path.join(ROOT, 'scripts', 'audit-verify.ts'), '--head', hash], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: stack.db.url, LOG_LEVEL: 'silent' },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
const HEAD = /Audit chain head: ([0-9a-f]{64})/;

describe('the progress statement as a Word and a PDF pack', () => {
  it('docx: headings, a table per agency with its figures, the board in the header, page numbers, the publication record', async () => {
    const res = await binary(`/api/v1/reviews/${fx.reviewA}/report?format=docx`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers['content-disposition']).toBe('attachment; filename="SCR-FIX-A-progress.docx"');
    const xml = await docxXml(bytes(res));
    const headings = [...xml.matchAll(/<w:pStyle w:val="(Heading\d)"\/>.*?<\/w:p>/g)].map(
      (m) => `${m[1]} ${docxText(m[0]).trim()}`,
    );
    expect(headings).toEqual([
      expect.stringMatching(
        /^Heading1 Serious Case Review: Child A: agency progress against action plan recommendations, /,
      ),
      'Heading2 1 Buckinghamshire Healthcare NHS Trust',
      'Heading2 2 Thames Valley Police',
      "Heading2 3 Buckinghamshire County Council Children's Social Care",
      'Heading2 4 Buckinghamshire Clinical Commissioning Groups',
      'Heading2 Publication record',
    ]);
    expect((xml.match(/<w:tbl>/g) ?? []).length).toBe(4);
    const text = docxText(xml);
    expect(text).toContain(
      'Of 4 actions, 2 have been implemented, 1 closed as not implemented, 0 cancelled and 1 remain open (1 past the target date).',
    );
    expect(text).toContain('The discharge checklist is in use on all 14 wards.');
    expect(text).toContain(
      'Not implemented, because: Police no longer attend health meetings; replaced by a written report.',
    );
    // The table header row repeats on each page; each action is a row.
    expect((xml.match(/<w:tblHeader\/>/g) ?? []).length).toBe(4);
    expect(docxText(await docxXml(bytes(res), 'word/header1.xml'))).toContain('Safeguarding Board');
    expect(await docxXml(bytes(res), 'word/footer1.xml')).toMatch(/PAGE.*NUMPAGES/s);
    const head = HEAD.exec(text)?.[1];
    expect(head).toBeDefined();
    expect(text).toMatch(/Generated: \d{4}-\d\d-\d\dT/);
    expect(text).toMatch(/Data as of: \d{4}-\d\d-\d\dT/);
    const check = await verifyHead(head!);
    expect(check).toMatchObject({ code: 0 });
    expect(check.out).toContain(`head ${head} is in the chain`);
  });

  it('a head that is not in the chain is reported as such', async () => {
    const check = await verifyHead('f'.repeat(64));
    expect(check.code).toBe(1);
    expect(check.out).toContain('is NOT in the audit chain');
  });

  it('pdf: the same headings, figures and record as extracted text, with page numbers', async () => {
    const res = await binary(`/api/v1/reviews/${fx.reviewA}/report?format=pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(bytes(res).subarray(0, 5).toString()).toBe('%PDF-');
    const { text, pages } = await pdfText(bytes(res));
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const s of [
      'Serious Case Review: Child A: agency progress',
      '1 Buckinghamshire Healthcare NHS Trust',
      '2 Thames Valley Police',
      '4 Buckinghamshire Clinical Commissioning Groups',
      'Of 4 actions, 2 have been implemented, 1 closed as not implemented',
      'Discharge checklist on every ward',
      'Publication record',
      `Page 1 of ${pages}`,
      `Page ${pages} of ${pages}`,
      'Safeguarding Board',
    ])
      expect(text).toContain(s);
    const head = HEAD.exec(text)?.[1];
    expect((await verifyHead(head!)).code).toBe(0);
  });

  it('xlsx: a sheet per agency and the publication record', async () => {
    const res = await binary(`/api/v1/reviews/${fx.reviewA}/report?format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes(res) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['BHT', 'TVP', 'BCC', 'CCG', 'Publication record']);
    expect(wb.getWorksheet('BHT')!.getCell('A2').value).toBe('1.1');
  });

  it('an agency gets only its own section; another review is not found for it', async () => {
    const xml = await docxXml(bytes(await binary(`/api/v1/reviews/${fx.reviewA}/report?format=docx`, 'other')));
    expect(docxText(xml)).toContain('Thames Valley Police');
    expect(docxText(xml)).not.toContain('Buckinghamshire Healthcare NHS Trust');
    expect((xml.match(/<w:tbl>/g) ?? []).length).toBe(1);
  });
});

describe('the period report over the quarter', () => {
  const url = (format: string, extra = '') =>
    `/api/v1/reports/period?from=${QUARTER.from}&to=${QUARTER.to}&format=${format}${extra}`;
  const refs = (rows: { reviewReference: string; reference: string }[]) =>
    rows.map((r) => `${r.reviewReference} ${r.reference}`);

  it('json: exactly the events inside [from, to), and the exceptions', async () => {
    const res = await stack.get(url('json'), 'board');
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.period).toEqual({
      from: '2026-04-01T00:00:00.000Z',
      to: '2026-07-01T00:00:00.000Z',
      boundaries: 'from inclusive, to exclusive',
    });
    expect(r.decisions.map((d: { reference: string; outcome: string }) => [d.reference, d.outcome])).toEqual([
      ['1.1', 'approve'],
      ['1.2', 'close_not_implemented'],
    ]);
    expect(r.closed).toEqual([
      expect.objectContaining({ reviewReference: 'SCR-FIX-A', reference: '1.1', outcome: 'implemented', reason: null }),
      expect.objectContaining({
        reviewReference: 'SCR-FIX-A',
        reference: '1.2',
        outcome: 'not_implemented',
        reason: 'Police no longer attend health meetings; replaced by a written report.',
      }),
    ]);
    expect(r.extensions).toEqual([
      expect.objectContaining({
        reviewReference: 'CSPR-FIX-B',
        reference: '1.1',
        reason: 'Records system replacement',
        interimMeasures: 'Weekly phone call between the named nurse and the police',
      }),
    ]);
    expect(
      r.escalations.map((e: { reference: string; level: number; reason: string; ended: string }) => [
        e.reference,
        e.level,
        e.reason,
        e.ended,
      ]),
    ).toEqual([
      ['1.2', 1, 'not_acknowledged', 'resolved 2026-06-05 (acknowledged)'],
      ['2.1', 1, 'stalled', 'still open'],
    ]);
    expect(r.newReviews.map((n: { reference: string }) => n.reference)).toEqual(['CSPR-FIX-B']);
    expect(refs(r.newActions)).toEqual(['CSPR-FIX-B 1.1', 'CSPR-FIX-B 1.2']);
    expect(refs(r.exceptions.overdue)).toEqual(['SCR-FIX-A 2.1']);
    expect(refs(r.exceptions.stalled)).toEqual(['SCR-FIX-A 2.1']);
    expect(refs(r.exceptions.noUpdate)).toEqual(['CSPR-FIX-B 1.2']);
    expect(r.exceptions.littleOrNoProgress).toEqual([
      { agencyCode: 'TVP', agencyName: 'Thames Valley Police', openActions: 1, updated: 0 },
    ]);
    expect(r.totals).toMatchObject({
      decisions: 2,
      approved: 1,
      changesRequested: 0,
      notImplemented: 1,
      actionsClosed: 2,
      extensionsGranted: 1,
      escalationsRaised: 2,
      newReviews: 1,
      newActions: 2,
    });
    expect(r.auditHead.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the next quarter picks up what was on the boundary', async () => {
    const r = (await stack.get('/api/v1/reports/period?from=2026-07-01&to=2026-10-01', 'board')).body;
    expect(r.decisions.map((d: { reference: string; outcome: string }) => [d.reference, d.outcome])).toEqual([
      ['2.1', 'request_changes'],
    ]);
    expect(r.escalations.map((e: { reference: string; level: number }) => [e.reference, e.level])).toEqual([
      ['1.2', 2],
      ['2.1', 3],
    ]);
    const before = (await stack.get('/api/v1/reports/period?from=2026-01-01&to=2026-04-01', 'board')).body;
    expect(before.decisions.map((d: { reference: string }) => d.reference)).toEqual(['2.2']);
    expect(before.newReviews.map((n: { reference: string }) => n.reference)).toEqual(['SCR-FIX-A']);
  });

  it('an agency sees only its own rows; a review filter narrows it', async () => {
    const r = (await stack.get(url('json'), 'other')).body;
    expect(refs(r.decisions)).toEqual(['SCR-FIX-A 1.2']);
    expect(refs(r.escalations)).toEqual(['CSPR-FIX-B 1.2']);
    expect(r.extensions).toEqual([]);
    const onlyA = (await stack.get(url('json', `&review=${fx.reviewA}`), 'board')).body;
    expect(onlyA.newReviews).toEqual([]);
    expect(refs(onlyA.exceptions.noUpdate)).toEqual([]);
  });

  it('csv: a row per event with its section', async () => {
    const res = await stack.get(url('csv'), 'board');
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('Section,Date,Review,Reference,Action,Agency,What,Reason or comment,Interim measures');
    expect(lines.filter((l) => l.startsWith('Decision,')).length).toBe(2);
    expect(lines).toContain(
      'Extension granted,2026-05-20,CSPR-FIX-B,1.1,Named nurse shares records with police,BHT,Due 2026-09-30 to 2030-12-31,Records system replacement,Weekly phone call between the named nurse and the police',
    );
  });

  it('docx, pdf, html and xlsx carry the same sections and rows', async () => {
    const xml = await docxXml(bytes(await binary(url('docx'))));
    const text = docxText(xml);
    expect(text).toContain('Board report for the period 1 April 2026 to 30 June 2026');
    for (const h of [
      'Decisions taken',
      'Actions closed',
      'Extensions granted',
      'Escalations',
      'New reviews',
      'New actions',
      'Exceptions: overdue now',
      'Exceptions: no update in the period',
    ])
      expect(text).toContain(h);
    expect(text).toContain('Weekly phone call between the named nurse and the police');
    const { text: pdf } = await pdfText(bytes(await binary(url('pdf'))));
    expect(pdf).toContain('Board report for the period 1 April 2026 to 30 June 2026');
    expect(pdf).toContain('Closed, not implemented');
    expect(pdf).toContain('Exceptions: agencies with little or no progress');
    const html = await stack.get(url('html'), 'board');
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toContain('<h2>Decisions taken</h2>');
    expect(html.text).toContain('@media print');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes(await binary(url('xlsx'))) as unknown as ArrayBuffer);
    expect(wb.getWorksheet('Decisions')!.rowCount).toBe(3);
    expect(wb.getWorksheet('Publication record')).toBeDefined();
  });

  it('a bad period is a 400 naming the field', async () => {
    const res = await stack.get('/api/v1/reports/period?from=2026-07-01&to=2026-04-01', 'board');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'query.to' })]);
    expect((await stack.get('/api/v1/reports/period?from=soon&to=2026-04-01', 'board')).status).toBe(400);
    expect(
      (await stack.get(`/api/v1/reports/period?from=${QUARTER.from}&to=${QUARTER.to}&format=odt`, 'board')).status,
    ).toBe(400);
  });
});

describe('the yearly extract', () => {
  it('json: reviews carried, actions by status and agency, on time, slippage, not implemented, chair escalations', async () => {
    const res = await stack.get('/api/v1/reports/yearly?from=2026-01-01&to=2027-01-01', 'board');
    expect(res.status).toBe(200);
    const y = res.body;
    expect(
      y.reviewsCarried.map((r: { reference: string; actions: number; closedInYear: number; openAtEnd: number }) => [
        r.reference,
        r.actions,
        r.closedInYear,
        r.openAtEnd,
      ]),
    ).toEqual([
      ['CSPR-FIX-B', 2, 0, 2],
      ['SCR-FIX-A', 4, 3, 1],
    ]);
    expect(
      y.byAgency.map((a: Record<string, unknown>) => [a.agencyCode, a.assigned, a.in_progress, a.closed, a.total]),
    ).toEqual([
      ['BCC', 0, 1, 0, 1],
      ['BHT', 0, 1, 1, 2],
      ['CCG', 0, 0, 1, 1],
      ['TVP', 1, 0, 1, 2],
    ]);
    // A1 closed 14 days after its due date; A2 and A4 on their due days.
    expect(y).toMatchObject({ closedInYear: 3, closedOnTime: 2, averageSlippageDays: 4.7 });
    expect(y.shareClosedOnTime).toBeCloseTo(2 / 3);
    expect(y.notImplemented).toEqual([
      expect.objectContaining({
        reference: '1.2',
        reason: 'Police no longer attend health meetings; replaced by a written report.',
      }),
    ]);
    expect(y.chairEscalations).toEqual([
      expect.objectContaining({ reference: '2.1', reason: 'overdue', resolvedAt: null }),
    ]);
  });

  it('xlsx: the figures sheet and a sheet per table', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      bytes(await binary('/api/v1/reports/yearly?from=2026-01-01&to=2027-01-01&format=xlsx')) as unknown as ArrayBuffer,
    );
    const figures = wb.getWorksheet('Figures')!;
    const rows: Record<string, unknown> = {};
    figures.eachRow((r, i) => {
      if (i > 1) rows[String(r.getCell(1).value)] = r.getCell(2).value;
    });
    expect(rows).toMatchObject({
      'Reviews carried': '2',
      'Actions closed in the year': '3',
      'Share closed on time': '67%',
      'Escalations to the chair': '1',
    });
  });
});

describe('review types and themes', () => {
  const refs = (rows: { reviewReference: string; reference: string }[]) =>
    rows.map((r) => `${r.reviewReference} ${r.reference}`);

  it('lists, filters and reports cut by type and by theme', async () => {
    expect((await stack.get('/api/v1/themes')).body).toEqual(
      expect.arrayContaining([{ code: 'thresholds', label: 'Thresholds and escalation', active: true }]),
    );
    expect(
      (await stack.get('/api/v1/reviews?type=scr', 'board')).body.map((r: { reference: string; type: string }) => [
        r.reference,
        r.type,
      ]),
    ).toEqual([['SCR-FIX-A', 'scr']]);
    expect((await stack.get('/api/v1/reviews?type=nope', 'board')).status).toBe(400);
    const byTheme = (await stack.get('/api/v1/actions?theme=thresholds', 'board')).body.items;
    expect(byTheme.map((a: { reference: string; themes: string[] }) => [a.reference, a.themes])).toEqual([
      ['2.1', ['thresholds']],
    ]);
    expect(refs((await stack.get('/api/v1/actions?type=cspr', 'board')).body.items)).toEqual([
      'CSPR-FIX-B 1.1',
      'CSPR-FIX-B 1.2',
    ]);
    const cspr = (await stack.get(`/api/v1/reports/period?from=${QUARTER.from}&to=${QUARTER.to}&type=cspr`, 'board'))
      .body;
    expect(cspr.decisions).toEqual([]);
    expect(cspr.newReviews.map((r: { reference: string }) => r.reference)).toEqual(['CSPR-FIX-B']);
    const thresholds = (
      await stack.get(`/api/v1/reports/period?from=${QUARTER.from}&to=${QUARTER.to}&theme=thresholds`, 'board')
    ).body;
    expect(refs(thresholds.exceptions.overdue)).toEqual(['SCR-FIX-A 2.1']);
    expect(thresholds.extensions).toEqual([]);
    const dash = (await stack.get('/api/v1/dashboard?theme=thresholds', 'board')).body;
    expect(dash).toMatchObject({ total: 1, byStatus: { in_progress: 1 } });
    expect(dash.overdue.map((a: { reference: string }) => a.reference)).toEqual(['2.1']);
    expect((await stack.get('/api/v1/dashboard?type=cspr', 'board')).body.total).toBe(2);
  });

  it('the cross-review view: every open action about a theme, in every review', async () => {
    const res = await stack.get('/api/v1/themes/domestic-abuse/actions', 'board');
    expect(res.body).toMatchObject({
      theme: { code: 'domestic-abuse' },
      openActions: 1,
      reviews: [{ reference: 'CSPR-FIX-B', type: 'cspr', actions: [{ reference: '1.1', agencyCode: 'BHT' }] }],
    });
    expect((await stack.get('/api/v1/themes/domestic-abuse/actions', 'other')).body.openActions).toBe(0);
    expect((await stack.get('/api/v1/themes/no-such-theme/actions', 'board')).status).toBe(404);
  });

  it("a new review takes its type's policy (admin-changeable) and carries its themes; an unknown theme is refused", async () => {
    const retired = await stack
      .post('/api/v1/themes', 'admin')
      .send({ code: 'old-theme', label: 'Retired', active: false });
    expect(retired.status).toBe(201);
    expect((await stack.post('/api/v1/themes', 'board').send({ code: 'x', label: 'X' })).status).toBe(403);
    const set = await stack.post('/api/v1/review-types/dhr/policy', 'admin').send({ stallAfter: 'P60D' });
    expect(set.body).toMatchObject({
      type: 'dhr',
      changed: true,
      policy: { stallAfter: 'P60D', acknowledgeWithin: 'P5D' },
    });
    const types = (await stack.get('/api/v1/review-types', 'board')).body;
    expect(types.map((t: { type: string }) => t.type)).toEqual([
      'cspr',
      'lcspr',
      'scr',
      'sar',
      'dhr',
      'audit',
      'other',
    ]);
    const due = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const body = (themes: string[]) => ({
      reference: `DHR-${themes.length}`,
      title: 'Domestic Homicide Review: Adult C',
      type: 'dhr',
      recommendations: [
        {
          number: '1',
          text: 'Share risk information',
          themes: ['information-sharing'],
          actions: [{ agencyCode: 'TVP', title: 'MARAC referral audit', dueDate: due, themes }],
        },
      ],
    });
    const bad = await stack.post('/api/v1/reviews', 'board').send(body(['domestic-abuse', 'old-theme']));
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'recommendations.0.actions.0.themes.1' })]);
    const res = await stack.post('/api/v1/reviews', 'board').send(body(['domestic-abuse']));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'dhr', policy: { stallAfter: 'P60D' } });
    expect(res.body.recommendations[0].themes).toEqual(['information-sharing']);
    expect(res.body.recommendations[0].actions[0].themes).toEqual(['information-sharing', 'domestic-abuse']);
  });

  it('import takes optional Review type and Themes columns, checked by row and column', async () => {
    const due = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const head =
      'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date,Review type,Themes\n';
    const send = (csv: string, reference: string) =>
      stack
        .post('/api/v1/reviews/import', 'board')
        .field('reference', reference)
        .field('title', 'Audit of neglect')
        .attach('file', Buffer.from(csv), { filename: 'plan.csv', contentType: 'text/csv' });
    const bad = await send(
      head + `1,Neglect,Audit cases,BCC,Done,${due},audit,neglect;nonsense\n1,,Train staff,BHT,Done,${due},sar,\n`,
      'AUDIT-BAD',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [2, 'Themes'],
      [3, 'Review type'],
    ]);
    const good = await send(
      head + `1,Neglect,Audit cases,BCC,Done,${due},audit,neglect; supervision\n1,,Train staff,BHT,Done,${due},,\n`,
      'AUDIT-GOOD',
    );
    expect(good.status).toBe(201);
    expect(good.body.type).toBe('audit');
    expect(good.body.recommendations[0].actions.map((a: { themes: string[] }) => a.themes)).toEqual([
      ['neglect', 'supervision'],
      [],
    ]);
  });
});
