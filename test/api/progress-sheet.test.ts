/**
 * The progress sheet round trip on the real stack (Postgres, a Temporal dev server, the worker):
 * export, fill in, upload. Good rows become progress updates (issue 17) through the actions'
 * workflows, with no change of stage; bad, foreign-agency and stale rows are refused by row and
 * column with nothing sent; the same file twice sends nothing twice; the board may upload an
 * agency's sheet for it (recorded as the board member's, for the agency), the administrator not.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { sheetUpdateId } from '../../api/use-cases/apply-progress-sheet';
import { testTemporalAddress } from '../support/db';
import { saveHistoryFixture } from '../support/history';
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

type Filled = string | { statement: string; percent?: string | number; rag?: string; reason?: string };

/**
 * The exported workbook with progress typed in, by action reference (column C): the update into
 * column N, and optionally Percent complete, RAG and RAG reason into O, P and Q.
 */
async function fill(xlsx: Buffer, updates: Record<string, Filled>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('Actions')!;
  ws.eachRow((row, n) => {
    const u = updates[String(row.getCell(3).value)];
    if (n === 1 || u === undefined) return;
    const f = typeof u === 'string' ? { statement: u } : u;
    row.getCell(14).value = f.statement;
    if (f.percent !== undefined) row.getCell(15).value = f.percent;
    if (f.rag !== undefined) row.getCell(16).value = f.rag;
    if (f.reason !== undefined) row.getCell(17).value = f.reason;
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
        (select count(*)::int from evidence e where e.action_id = a.id) as statements,
        (select count(*)::int from progress_updates u where u.action_id = a.id) as updates
      from actions a where a.review_id = ${reviewId} order by a.reference`)) as unknown as {
      rows: { reference: string; status: string; version: number; statements: number; updates: number }[];
    }
  ).rows;

const sheetRows = async (xlsx: Buffer) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const out: { id: string; version: string; reference: string; agency: string; latest: string }[] = [];
  wb.getWorksheet('Actions')!.eachRow((row, n) => {
    if (n > 1)
      out.push({
        id: String(row.getCell(1).value),
        version: String(row.getCell(2).value),
        reference: String(row.getCell(3).value),
        agency: String(row.getCell(7).value),
        latest: String(row.getCell(13).value ?? ''),
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
      ['1.1', '1.2', '1.3'].map((ref) => ({
        id: p.ids[ref],
        version: versions[ref],
        reference: ref,
        agency: 'BHT',
        latest: '',
      })),
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
  it('good rows become progress updates on their actions through the workflow, stage unchanged; the same file again sends nothing twice', async () => {
    const p = await plan();
    const file = await fill(await download(p.reviewId), {
      '1.1': 'Policy redrafted and out for consultation',
      '1.2': { statement: 'Two of five wards trained', percent: 40, rag: 'Amber', reason: 'Ward closures in December' },
    });
    const res = await upload(p.reviewId, file);
    expect(res.status).toBe(200);
    const row = (n: number, ref: string) => ({
      row: n,
      actionId: p.ids[ref],
      reference: ref,
      agencyCode: 'BHT',
      updateId: expect.any(String),
      evidenceId: expect.any(String),
    });
    expect(res.body).toEqual({
      reviewId: p.reviewId,
      sent: [row(2, '1.1'), row(3, '1.2')],
      alreadySent: [],
      blankRows: 1,
    });
    // The workflow took each in as a progress update with the row's id: no statement to the board, no stage change.
    const detail = await stack.get(`/api/v1/actions/${p.ids['1.2']}`, 'board');
    expect(detail.body).toMatchObject({ status: 'in_progress', liveStage: 'in_progress', evidence: [] });
    expect(detail.body.progressUpdates).toEqual([
      expect.objectContaining({
        id: res.body.sent[1].updateId,
        statement: 'Two of five wards trained',
        percentComplete: 40,
        rag: 'amber',
        ragReason: 'Ward closures in December',
        submittedByName: 'owner',
      }),
    ]);
    expect(res.body.sent[1].evidenceId).toBe(res.body.sent[1].updateId);
    expect(res.body.sent[0].updateId).toBe(
      sheetUpdateId({
        actionId: p.ids['1.1'],
        version: Number((await sheetRows(file))[0].version),
        statement: 'Policy redrafted and out for consultation',
      }),
    );
    const history = await stack.get(`/api/v1/actions/${p.ids['1.1']}/history`, 'board');
    const types = history.body.map((e: { type: string }) => e.type);
    expect(types).toContain('progress_updated');
    expect(types).not.toContain('evidence_submitted');
    // The next export shows the update as the latest.
    const again0 = await sheetRows(await download(p.reviewId));
    expect(again0.find((r) => r.reference === '1.2')!.latest).toMatch(
      /^\d+ \w+ \d{4} \(progress update, 40% complete, RAG amber\): Two of five wards trained$/,
    );

    const before = await rowsOf(p.reviewId);
    const again = await upload(p.reviewId, file);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sent: [], alreadySent: res.body.sent, blankRows: 1 });
    expect(await rowsOf(p.reviewId)).toEqual(before);
    expect(before.map((r) => [r.reference, r.status, r.statements, r.updates])).toEqual([
      ['1.1', 'in_progress', 0, 1],
      ['1.2', 'in_progress', 0, 1],
      ['1.3', 'assigned', 0, 0],
      ['2.1', 'in_progress', 0, 0],
    ]);
  });

  it("a bad percent or a RAG without its reason: refused by row and column like the API's body, nothing sent", async () => {
    const p = await plan();
    const before = await rowsOf(p.reviewId);
    const res = await upload(
      p.reviewId,
      await fill(await download(p.reviewId), {
        '1.1': { statement: 'Most done', percent: 120 },
        '1.2': { statement: 'Behind', rag: 'red' },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        path: 'rows.2.percentComplete',
        row: 2,
        column: 'Percent complete',
        message: 'Percent complete must be from 0 to 100',
      },
      { path: 'rows.3.ragReason', row: 3, column: 'RAG reason', message: 'say why the action is red' },
    ]);
    expect(await rowsOf(p.reviewId)).toEqual(before);
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
  });

  it("the board uploads an agency's sheet for it: recorded as the board member's, for the agency; the agency's own upload of the same file sends nothing twice; the administrator may not", async () => {
    const p = await plan();
    // BHT downloads its sheet, fills it in and e-mails it to the board, which uploads it.
    const file = await fill(await download(p.reviewId, 'owner'), {
      '1.1': { statement: 'Consultation closed', percent: '75%', rag: 'green', reason: 'On plan' },
    });
    const before = await rowsOf(p.reviewId);
    expect((await upload(p.reviewId, file, 'admin')).status).toBe(403);
    expect(await rowsOf(p.reviewId)).toEqual(before);
    const res = await upload(p.reviewId, file, 'board');
    expect(res.status).toBe(200);
    expect(res.body.sent).toEqual([expect.objectContaining({ row: 2, reference: '1.1', agencyCode: 'BHT' })]);
    const detail = await stack.get(`/api/v1/actions/${p.ids['1.1']}`, 'owner');
    expect(detail.body.status).toBe('in_progress');
    expect(detail.body.progressUpdates).toEqual([
      expect.objectContaining({
        id: res.body.sent[0].updateId,
        statement: 'Consultation closed',
        percentComplete: 75,
        rag: 'green',
        submittedByName: 'board',
      }),
    ]);
    // Audited as the board user, for the agency.
    const history = await stack.get(`/api/v1/actions/${p.ids['1.1']}/history`, 'owner');
    const event = history.body.find((e: { type: string }) => e.type === 'progress_updated');
    expect(event).toMatchObject({
      actor: (await stack.get('/api/v1/me', 'board')).body.id,
      actorName: 'board for BHT',
      payload: expect.objectContaining({ actorRole: 'board', forAgency: 'BHT' }),
    });
    const again = await upload(p.reviewId, file, 'owner');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sent: [], alreadySent: res.body.sent });
    if (process.env.RECORD_FIXTURES === '1')
      // The replay test (test/lifecycle/durability.test.ts) keeps this path honest: postProgress with forAgency.
      saveHistoryFixture(testTemporalAddress(), `action-${p.ids['1.1']}`, 'action-progress-for-agency.history.json');

    // The board's own sheet has every agency's rows; one upload records each for its own agency.
    const both = await upload(
      p.reviewId,
      await fill(await download(p.reviewId, 'board'), { '1.2': 'Wards booked', '2.1': 'Referrals shared daily' }),
      'board',
    );
    expect(both.status).toBe(200);
    expect(both.body.sent.map((r: { reference: string; agencyCode: string }) => [r.reference, r.agencyCode])).toEqual([
      ['1.2', 'BHT'],
      ['2.1', 'TVP'],
    ]);
    expect((await rowsOf(p.reviewId)).map((r) => [r.reference, r.status, r.statements, r.updates])).toEqual([
      ['1.1', 'in_progress', 0, 1],
      ['1.2', 'in_progress', 0, 1],
      ['1.3', 'assigned', 0, 0],
      ['2.1', 'in_progress', 0, 1],
    ]);
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

  it('an action not acknowledged or closed is refused with its stage; one awaiting sign-off takes the update; a sheet that is not a workbook is 415', async () => {
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
    // 1.2 goes to the board after this export (a change: its row is stale); 1.1's row on a fresh sheet goes through
    // while 1.1 awaits sign-off, and the stage stays.
    expect(
      (await stack.post(`/api/v1/actions/${p.ids['1.1']}/evidence`, 'owner').send({ statement: 'All done' })).status,
    ).toBe(200);
    const ok = await upload(p.reviewId, await fill(await download(p.reviewId), { '1.1': 'Audit booked for March' }));
    expect(ok.status).toBe(200);
    expect((await stack.get(`/api/v1/actions/${p.ids['1.1']}`, 'board')).body).toMatchObject({
      status: 'under_review',
      progressUpdates: [expect.objectContaining({ statement: 'Audit booked for March' })],
    });
    const notXlsx = await stack
      .post(`/api/v1/reviews/${p.reviewId}/progress-sheet`, 'owner')
      .attach('file', Buffer.from('hello'), { filename: 'progress.xlsx', contentType: 'application/octet-stream' });
    expect(notXlsx.status).toBe(415);
  });
});
