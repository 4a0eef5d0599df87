/**
 * The progress sheet round trip on the real stack (Postgres, a Temporal dev server, the worker):
 * export, fill in, upload. Good rows become statements through the actions' workflows; bad,
 * foreign-agency and stale rows are refused by row and column with nothing sent; the same file
 * twice sends nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { sheetEvidenceId } from '../../api/use-cases/apply-progress-sheet';
import { ApiStack, QUIET_POLICY, inDays, type Caller } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

interface Plan {
  reviewId: string;
  /** Action id by reference. */
  ids: Record<string, string>;
}

/** BHT (the "owner" caller's agency) has 1.1 and 1.2 in progress and 1.3 assigned; TVP ("other") has 2.1 in progress. */
async function plan(): Promise<Plan> {
  const res = await stack.post('/api/v1/reviews', 'board').send({
    reference: `PS-${randomUUID().slice(0, 8)}`,
    title: 'Sheet review',
    policy: QUIET_POLICY,
    recommendations: [
      {
        number: '1',
        text: 'Discharge planning',
        actions: [
          { agencyCode: 'BHT', title: 'Rewrite the discharge policy', dueDate: inDays(60) },
          { agencyCode: 'BHT', title: 'Train ward staff', dueDate: inDays(90) },
          { agencyCode: 'BHT', title: 'Audit discharges', dueDate: inDays(120) },
        ],
      },
      {
        number: '2',
        text: 'Information sharing',
        actions: [{ agencyCode: 'TVP', title: 'Share referrals the same day', dueDate: inDays(60) }],
      },
    ],
  });
  expect(res.status).toBe(201);
  const ids: Record<string, string> = {};
  for (const rec of res.body.recommendations as { actions: { id: string; reference: string }[] }[])
    for (const a of rec.actions) ids[a.reference] = a.id;
  for (const [ref, who] of [
    ['1.1', 'owner'],
    ['1.2', 'owner'],
    ['2.1', 'other'],
  ] as const)
    expect((await stack.post(`/api/v1/actions/${ids[ref]}/acknowledge`, who)).status).toBe(200);
  return { reviewId: res.body.id, ids };
}

const download = async (reviewId: string, caller: Caller = 'owner') => {
  const res = await stack
    .get(`/api/v1/reviews/${reviewId}/progress-sheet`, caller)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  return res.body as Buffer;
};

/** The exported workbook with progress typed in, by action reference (column C) into column N. */
async function fill(xlsx: Buffer, updates: Record<string, string>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('Actions')!;
  ws.eachRow((row, n) => {
    const ref = String(row.getCell(3).value);
    if (n > 1 && updates[ref] !== undefined) row.getCell(14).value = updates[ref];
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const upload = (reviewId: string, file: Buffer, caller: Caller = 'owner') =>
  stack.post(`/api/v1/reviews/${reviewId}/progress-sheet`, caller).attach('file', file, {
    filename: 'progress.xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });

const rowsOf = async (reviewId: string) =>
  (
    (await stack.db.db.execute(sql`
      select a.reference, a.status, a.projected_seq as version,
        (select count(*)::int from evidence e where e.action_id = a.id) as statements
      from actions a where a.review_id = ${reviewId} order by a.reference`)) as unknown as {
      rows: { reference: string; status: string; version: number; statements: number }[];
    }
  ).rows;

const sheetRows = async (xlsx: Buffer) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const out: { id: string; version: string; reference: string; agency: string }[] = [];
  wb.getWorksheet('Actions')!.eachRow((row, n) => {
    if (n > 1)
      out.push({
        id: String(row.getCell(1).value),
        version: String(row.getCell(2).value),
        reference: String(row.getCell(3).value),
        agency: String(row.getCell(7).value),
      });
  });
  return out;
};

describe('exporting the progress sheet', () => {
  it("gives an agency its own rows and the board every row, each with the action's current version", async () => {
    const p = await plan();
    const versions = Object.fromEntries((await rowsOf(p.reviewId)).map((r) => [r.reference, String(r.version)]));
    const mine = await sheetRows(await download(p.reviewId, 'owner'));
    expect(mine).toEqual(
      ['1.1', '1.2', '1.3'].map((ref) => ({ id: p.ids[ref], version: versions[ref], reference: ref, agency: 'BHT' })),
    );
    expect((await sheetRows(await download(p.reviewId, 'board'))).map((r) => r.reference)).toEqual([
      '1.1',
      '1.2',
      '1.3',
      '2.1',
    ]);
    // An agency with no action in a review does not learn it exists.
    const bhtOnly = await stack.post('/api/v1/reviews', 'board').send({
      reference: `PS-${randomUUID().slice(0, 8)}`,
      title: 'BHT only',
      policy: QUIET_POLICY,
      recommendations: [{ number: '1', text: 'x', actions: [{ agencyCode: 'BHT', title: 'y', dueDate: inDays(60) }] }],
    });
    expect(bhtOnly.status).toBe(201);
    expect((await stack.get(`/api/v1/reviews/${bhtOnly.body.id}/progress-sheet`, 'other')).status).toBe(404);
    expect((await stack.get(`/api/v1/reviews/${bhtOnly.body.id}/progress-sheet`, 'owner')).status).toBe(200);
  });
});

describe('uploading it back', () => {
  it('good rows become progress statements on their actions through the workflow; the same file again sends nothing twice', async () => {
    const p = await plan();
    const file = await fill(await download(p.reviewId), {
      '1.1': 'Policy redrafted and out for consultation',
      '1.2': 'Two of five wards trained',
    });
    const res = await upload(p.reviewId, file);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      reviewId: p.reviewId,
      sent: [
        { row: 2, actionId: p.ids['1.1'], reference: '1.1', evidenceId: expect.any(String) },
        { row: 3, actionId: p.ids['1.2'], reference: '1.2', evidenceId: expect.any(String) },
      ],
      alreadySent: [],
      blankRows: 1,
    });
    // The workflow took each in (its stage moved and it projected the statement with the row's id).
    const detail = await stack.get(`/api/v1/actions/${p.ids['1.1']}`, 'board');
    expect(detail.body).toMatchObject({ status: 'under_review', liveStage: 'under_review' });
    expect(detail.body.evidence).toEqual([
      expect.objectContaining({
        id: res.body.sent[0].evidenceId,
        statement: 'Policy redrafted and out for consultation',
        status: 'submitted',
        submittedByName: 'owner',
      }),
    ]);
    expect(res.body.sent[0].evidenceId).toBe(
      sheetEvidenceId(
        { userId: await ownerId() },
        {
          actionId: p.ids['1.1'],
          version: Number((await sheetRows(file))[0].version),
          statement: 'Policy redrafted and out for consultation',
        },
      ),
    );
    const history = await stack.get(`/api/v1/actions/${p.ids['1.2']}/history`, 'board');
    expect(history.body.map((e: { type: string }) => e.type)).toContain('evidence_submitted');

    const before = await rowsOf(p.reviewId);
    const again = await upload(p.reviewId, file);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sent: [], alreadySent: res.body.sent, blankRows: 1 });
    expect(await rowsOf(p.reviewId)).toEqual(before);
    expect(before.map((r) => [r.reference, r.status, r.statements])).toEqual([
      ['1.1', 'under_review', 1],
      ['1.2', 'under_review', 1],
      ['1.3', 'assigned', 0],
      ['2.1', 'in_progress', 0],
    ]);
  });

  it('a bad row: every problem by row and column, 400, and nothing sent (not even the good rows)', async () => {
    const p = await plan();
    const exported = await download(p.reviewId);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await fill(exported, { '1.1': 'Good words', '1.2': 'More words' })) as unknown as ArrayBuffer);
    wb.getWorksheet('Actions')!.getCell('B3').value = 'v2';
    const before = await rowsOf(p.reviewId);
    const res = await upload(p.reviewId, Buffer.from(await wb.xlsx.writeBuffer()));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toBe('The progress sheet has 1 problem(s); nothing was sent');
    expect(res.body.errors).toEqual([
      { path: 'rows.3.version', row: 3, column: 'Version', message: '"v2" is not a version number' },
    ]);
    expect(await rowsOf(p.reviewId)).toEqual(before);
  });

  it("another agency's row is refused as not the uploader's, and nothing is sent", async () => {
    const p = await plan();
    // The board's sheet has every agency's rows; BHT fills in its own and TVP's.
    const file = await fill(await download(p.reviewId, 'board'), { '1.1': 'Ours', '2.1': 'Theirs' });
    const before = await rowsOf(p.reviewId);
    const res = await upload(p.reviewId, file, 'owner');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        path: 'rows.5.actionId',
        row: 5,
        column: 'Action ID',
        message: 'not an action of your agency in this review: an agency may only update its own rows',
      },
    ]);
    expect(await rowsOf(p.reviewId)).toEqual(before);
    // The board may read the sheet but not send an agency's words for it.
    expect(
      (await upload(p.reviewId, await fill(await download(p.reviewId, 'board'), { '1.1': 'x' }), 'board')).status,
    ).toBe(403);
  });

  it('a row whose action changed since the export is refused with what changed (409); an acknowledgement is no change', async () => {
    const p = await plan();
    const exported = await download(p.reviewId);
    // After the export: 1.2 gets an extension request (a change), 1.3 is acknowledged (not one).
    expect(
      (
        await stack
          .post(`/api/v1/actions/${p.ids['1.2']}/extension-requests`, 'owner')
          .send({ newDueDate: inDays(150), reason: 'Ward closures', interimMeasures: 'Matron checks each discharge' })
      ).status,
    ).toBe(201);
    expect((await stack.post(`/api/v1/actions/${p.ids['1.3']}/acknowledge`, 'owner')).status).toBe(200);
    const before = await rowsOf(p.reviewId);
    const res = await upload(p.reviewId, await fill(exported, { '1.1': 'a', '1.2': 'b', '1.3': 'c' }));
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([
      {
        path: 'rows.3.version',
        row: 3,
        column: 'Version',
        message: expect.stringMatching(
          /^action 1\.2 has changed since this sheet was exported \(version \d+, now \d+: an extension was asked for; last on \d+ \w+ \d{4}\); download the sheet again and copy this update into it$/,
        ),
      },
    ]);
    expect(await rowsOf(p.reviewId)).toEqual(before);
    // Without the stale row, the acknowledged 1.3 goes through on the old sheet.
    const ok = await upload(p.reviewId, await fill(exported, { '1.1': 'a', '1.3': 'c' }));
    expect(ok.status).toBe(200);
    expect(ok.body.sent.map((s: { reference: string }) => s.reference)).toEqual(['1.1', '1.3']);
  });

  it('an action not in progress is refused with its stage, and a sheet that is not a workbook with 415', async () => {
    const p = await plan();
    const res = await upload(p.reviewId, await fill(await download(p.reviewId), { '1.3': 'Started' }));
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([
      {
        path: 'rows.4.status',
        row: 4,
        column: 'Status',
        message: 'action 1.3 has not been acknowledged yet: acknowledge it on its page, then upload the sheet again',
      },
    ]);
    const notXlsx = await stack
      .post(`/api/v1/reviews/${p.reviewId}/progress-sheet`, 'owner')
      .attach('file', Buffer.from('hello'), { filename: 'progress.xlsx', contentType: 'application/octet-stream' });
    expect(notXlsx.status).toBe(415);
  });
});

async function ownerId(): Promise<string> {
  const me = await stack.get('/api/v1/me', 'owner');
  return me.body.id as string;
}
