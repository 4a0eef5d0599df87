import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { users } from '../../db/schema';
import { fixture, PDF, type Fixture } from './fixtures';
import { webSession } from '../poison/support';
import { ApiStack, QUIET_POLICY, inDays } from './stack';

let stack: ApiStack;
let f: Fixture; // an in_progress BHT action
let review: Fixture; // under_review

beforeAll(async () => {
  stack = await new ApiStack().start();
  f = await fixture(stack, 'in_progress');
  review = await fixture(stack, 'under_review');
}, 120_000);
afterAll(() => stack?.stop());

async function expectProblem(res: import('supertest').Response, status: number) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { status, title: expect.any(String) } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** Each case: the right 4xx as problem+json, and not one row anywhere changed. */
async function refusedWithoutWrites(make: () => import('supertest').Test, status: number) {
  const before = await stack.counts();
  const res = await make();
  await expectProblem(res, status);
  expect(await stack.counts()).toEqual(before);
  return res;
}

const validReview = () => ({
  reference: `BAD-${Math.random().toString(36).slice(2, 8)}`,
  title: 'A review',
  policy: QUIET_POLICY,
  recommendations: [
    {
      number: '1',
      text: 'Share information',
      actions: [{ agencyCode: 'BHT', title: 'Update policy', dueDate: inDays(30) }],
    },
  ],
});

describe('bad input is a 4xx problem and writes nothing', () => {
  const ev = () => `/api/v1/actions/${f.actionId}/evidence`;

  it('malformed JSON → 400', async () => {
    const res = await refusedWithoutWrites(
      () => stack.post('/api/v1/reviews', 'board').set('Content-Type', 'application/json').send('{"reference": "X",'),
      400,
    );
    expect(res.body.detail).toMatch(/Malformed JSON/);
  });
  it('a JSON scalar → 400', () =>
    refusedWithoutWrites(
      () => stack.post('/api/v1/agencies').set('Content-Type', 'application/json').send('"hello"'),
      400,
    ));
  it('wrong types → 400 with the field named', async () => {
    const res = await refusedWithoutWrites(
      () => stack.post('/api/v1/reviews', 'board').send({ ...validReview(), title: 42 }),
      400,
    );
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.title' })]));
  });
  it('missing fields → 400', async () => {
    const res = await refusedWithoutWrites(() => stack.post('/api/v1/agencies').send({ code: 'YOS' }), 400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['body.name', 'body.leadEmail']),
    );
  });
  it('unknown fields → 400 (strict)', () =>
    refusedWithoutWrites(
      () => stack.post('/api/v1/agencies').send({ code: 'YOS', name: 'Y', leadEmail: 'a@b.test', colour: 'red' }),
      400,
    ));
  it('unknown nested fields → 400', async () => {
    const body = validReview();
    (body.recommendations[0].actions[0] as Record<string, unknown>).owner = 'me';
    await refusedWithoutWrites(() => stack.post('/api/v1/reviews', 'board').send(body), 400);
  });
  it('unknown query parameters and bad filters → 400', async () => {
    await expectProblem(await stack.get('/api/v1/actions?colour=red'), 400);
    await expectProblem(await stack.get('/api/v1/actions?status=done'), 400);
    await expectProblem(await stack.get('/api/v1/actions?pageSize=100000'), 400);
    await expectProblem(await stack.get(`/api/v1/reviews/${f.reviewId}/report?format=odt`), 400);
  });
  it('bad dates → 400', async () => {
    const body = validReview();
    body.recommendations[0].actions[0].dueDate = '2027-02-30';
    await refusedWithoutWrites(() => stack.post('/api/v1/reviews', 'board').send(body), 400);
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${f.actionId}/extension-requests`, 'owner')
          .send({ newDueDate: 'next week', reason: 'r', interimMeasures: 'm' }),
      400,
    );
    await refusedWithoutWrites(
      () => stack.post('/api/v1/reviews', 'board').send({ ...validReview(), policy: { stallAfter: 'P1M' } }),
      400,
    );
  });
  it('dates far ahead (9999-12-31) or far back: 400 naming the field at every route that takes one, nothing written', async () => {
    // Before the bound, 9999-12-31 reached the board calendar, which cannot place the day after it
    // (a RangeError: a 500), or was taken and set workflow timers thousands of years out.
    const named = async (make: () => import('supertest').Test, path: string, message = 'must be before 2100') => {
      const res = await refusedWithoutWrites(make, 400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, message })]));
    };
    const far = validReview();
    far.recommendations[0].actions[0].dueDate = '9999-12-31';
    await named(() => stack.post('/api/v1/reviews', 'board').send(far), 'body.recommendations.0.actions.0.dueDate');
    await named(
      () => stack.post('/api/v1/reviews', 'board').send({ ...validReview(), publishedOn: '1066-10-14' }),
      'body.publishedOn',
      'must be in 1900 or later',
    );
    for (const newDueDate of ['9999-12-31', '2100-01-01T00:00:00Z'])
      await named(
        () =>
          stack
            .post(`/api/v1/actions/${f.actionId}/extension-requests`, 'owner')
            .send({ newDueDate, reason: 'r', interimMeasures: 'm' }),
        'body.newDueDate',
      );
    await named(
      () =>
        stack
          .post(`/api/v1/actions/${review.actionId}/impact-decision`, 'board')
          .send({ outcome: 'not_embedded', comment: 'Not embedded', followUpDueDate: '9999-12-31' }),
      'body.followUpDueDate',
    );
    await named(
      () => stack.post(`/api/v1/escalations/${randomUUID()}/retime`, 'chair').send({ until: '9999-12-31' }),
      'body.until',
    );
    await named(
      () =>
        stack
          .post('/api/v1/users', 'admin')
          .send({ name: 'Ina Spector', email: 'ina@far.test', role: 'inspector', expiresOn: '9999-12-31' }),
      'body.expiresOn',
    );
    await named(
      () => stack.post('/api/v1/calendar/bank-holidays', 'admin').send({ date: '9999-12-31', title: 'Far off' }),
      'body.date',
    );
    await named(
      () =>
        stack
          .post('/api/v1/me/cover', 'owner')
          .send({ deputyId: randomUUID(), from: inDays(1).slice(0, 10), to: '9999-12-31' }),
      'body.to',
    );
    await named(() => stack.get('/api/v1/inspector-reads?from=9999-12-31', 'board'), 'query.from');
    await named(() => stack.get('/api/v1/reports/period?from=9999-01-01&to=9999-12-31', 'board'), 'query.from');
    await named(() => stack.get('/api/v1/reports/yearly?from=2099-04-01&to=2100-04-01', 'board'), 'query.to');
    // The import: a target date typed as 31/12/9999 is refused by row and column.
    const imported = await refusedWithoutWrites(
      () =>
        stack
          .post('/api/v1/reviews/import', 'board')
          .field('reference', 'BAD-IMPORT-FAR')
          .field('title', 'Imported')
          .attach(
            'file',
            Buffer.from(
              'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do it,BHT,Done,31/12/9999\n',
            ),
            { filename: 'plan.csv', contentType: 'text/csv' },
          ),
      400,
    );
    expect(imported.body.errors).toEqual([
      expect.objectContaining({ row: 2, column: 'Target date', message: 'the target date must be before 2100' }),
    ]);
    // The last day of 2099 is a day like any other.
    const last = validReview();
    last.recommendations[0].actions[0].dueDate = '2099-12-31';
    expect((await stack.post('/api/v1/reviews', 'board').send(last)).status).toBe(201);
  });

  it('bad calendar input → 400 naming the field: working days, deliverAt, a bank holiday', async () => {
    const named = async (policy: Record<string, unknown>, path: RegExp) => {
      const res = await refusedWithoutWrites(
        () => stack.post('/api/v1/reviews', 'board').send({ ...validReview(), policy }),
        400,
      );
      expect(res.body.errors.map((e: { path: string }) => e.path).join(' ')).toMatch(path);
    };
    await named({ acknowledgeWithin: { workingDays: 0 } }, /body\.policy\.acknowledgeWithin/);
    await named({ acknowledgeWithin: { workingDays: 2.5 } }, /body\.policy\.acknowledgeWithin/);
    await named({ boardDecisionWithin: '-3 working days' }, /body\.policy\.boardDecisionWithin/);
    await named({ escalateAfterOverdue: [{ workingDays: 'five' }] }, /body\.policy\.escalateAfterOverdue/);
    await named({ deliverAt: '9am' }, /body\.policy\.deliverAt/);
    await named({ deliverAt: '24:00' }, /body\.policy\.deliverAt/);
    const imported = await refusedWithoutWrites(
      () =>
        stack
          .post('/api/v1/reviews/import', 'board')
          .field('reference', 'BAD-IMPORT-CAL')
          .field('title', 'Imported')
          .field('policy', '{"deliverAt":"25:61"}')
          .attach(
            'file',
            Buffer.from(
              `Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do it,BHT,Done,${inDays(60)}\n`,
            ),
            { filename: 'plan.csv', contentType: 'text/csv' },
          ),
      400,
    );
    expect(JSON.stringify(imported.body.errors)).toMatch(/deliverAt/);
    for (const date of ['2027-02-30', 'next Monday', '2027-5-1']) {
      const res = await refusedWithoutWrites(
        () => stack.post('/api/v1/calendar/bank-holidays', 'admin').send({ date, title: 'A day off' }),
        400,
      );
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.date']);
    }
    const replaces = await refusedWithoutWrites(
      () =>
        stack
          .post('/api/v1/calendar/bank-holidays', 'admin')
          .send({ date: '2031-06-10', title: 'x', replaces: '2031-06-11' }),
      400,
    );
    expect(replaces.body.errors.map((e: { path: string }) => e.path)).toEqual(['replaces']);
    await refusedWithoutWrites(
      () =>
        stack.post('/api/v1/calendar/bank-holidays', 'admin').send({ date: '2026-12-25', title: 'Christmas again' }),
      409,
    );
    await refusedWithoutWrites(
      () => stack.post('/api/v1/calendar/bank-holidays', 'admin').send({ date: '2031-06-14', title: 'A Saturday' }),
      400,
    );
  });
  it('an unknown agency code → 400 naming the action', async () => {
    const body = validReview();
    body.recommendations[0].actions[0].agencyCode = 'NOPE';
    const res = await refusedWithoutWrites(() => stack.post('/api/v1/reviews', 'board').send(body), 400);
    expect(JSON.stringify(res.body.errors)).toMatch(/agencyCode/);
  });
  it('a huge body → 413', () =>
    refusedWithoutWrites(
      () => stack.post('/api/v1/reviews', 'board').send({ ...validReview(), title: 'x'.repeat(400_000) }),
      413,
    ));
  it('a wrong media type → 415', async () => {
    await refusedWithoutWrites(
      () => stack.post('/api/v1/agencies').set('Content-Type', 'text/plain').send('code=YOS'),
      415,
    );
    await refusedWithoutWrites(
      () =>
        stack
          .post('/api/v1/reviews', 'board')
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send('reference=X'),
      415,
    );
    await refusedWithoutWrites(
      () => stack.post('/api/v1/reviews/import', 'board').send({ reference: 'X', title: 'Y' }),
      415,
    );
  });
  it('unknown and malformed ids → 404', async () => {
    await expectProblem(await stack.get('/api/v1/actions/00000000-0000-4000-8000-000000000000'), 404);
    await expectProblem(await stack.get('/api/v1/actions/not-a-uuid'), 404);
    await expectProblem(await stack.get(`/api/v1/reviews/${f.actionId}`), 404);
    await refusedWithoutWrites(
      () => stack.post('/api/v1/actions/00000000-0000-4000-8000-000000000000/acknowledge', 'owner'),
      404,
    );
    await refusedWithoutWrites(
      () =>
        stack
          .post(
            `/api/v1/actions/${f.actionId}/extension-requests/00000000-0000-4000-8000-000000000000/decision`,
            'board',
          )
          .send({ outcome: 'approve' }),
      409,
    );
    await expectProblem(
      await stack.get(`/api/v1/actions/${f.actionId}/attachments/00000000-0000-4000-8000-000000000000`),
      404,
    );
  });
  it('an illegal transition → 409 from the workflow, nothing written', async () => {
    const res = await refusedWithoutWrites(() => stack.post(`/api/v1/actions/${f.actionId}/acknowledge`, 'owner'), 409);
    expect(res.body.detail).toMatch(/in_progress/);
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${f.actionId}/decision`, 'board').send({ outcome: 'approve' }),
      409,
    );
  });
  it('close_not_implemented without a reason → 400', () =>
    refusedWithoutWrites(
      () =>
        stack.post(`/api/v1/actions/${review.actionId}/decision`, 'board').send({ outcome: 'close_not_implemented' }),
      400,
    ));

  // Issue 22: reopening and withdrawals.
  it('reopening an open action → 409; without a reason → 400 naming it; a past new due date → 400; nothing written', async () => {
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${f.actionId}/reopen`, 'board').send({ reason: 'Closed too soon' }),
      409,
    );
    const cancelled = await fixture(stack, 'cancelled');
    for (const body of [{}, { reason: '   ' }]) {
      const res = await refusedWithoutWrites(
        () => stack.post(`/api/v1/actions/${cancelled.actionId}/reopen`, 'board').send(body),
        400,
      );
      expect(JSON.stringify(res.body.errors)).toContain('reason');
    }
    const past = await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${cancelled.actionId}/reopen`, 'board')
          .send({ reason: 'Closed too soon', newDueDate: '2020-01-31' }),
      400,
    );
    expect(JSON.stringify(past.body.errors)).toContain('newDueDate');
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${cancelled.actionId}/reopen`, 'board')
          .send({ reason: 'Closed too soon', newDueDate: 'tomorrow' }),
      400,
    );
  });
  it('withdrawing what is not waiting → 409, nothing written', async () => {
    await refusedWithoutWrites(
      () =>
        stack.post(
          `/api/v1/actions/${f.actionId}/extension-requests/00000000-0000-4000-8000-000000000000/withdraw`,
          'owner',
        ),
      409,
    );
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${f.actionId}/evidence/00000000-0000-4000-8000-000000000000/withdraw`, 'owner'),
      409,
    );
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${review.actionId}/evidence/00000000-0000-4000-8000-000000000000/withdraw`, 'owner')
          .send({ x: 1 }),
      400,
    );
  });

  // Issue 17: progress updates and the impact check.
  it.each([
    [{ statement: 'Half done', percentComplete: 150 }, 'percentComplete'],
    [{ statement: 'Half done', percentComplete: -1 }, 'percentComplete'],
    [{ statement: 'Half done', rag: 'red' }, 'ragReason'],
    [{ statement: 'Half done', rag: 'blue', ragReason: 'x' }, 'rag'],
    [{ statement: '   ' }, 'statement'],
  ])('a bad progress update %j → 400 naming %s, nothing written', async (body, field) => {
    const res = await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${f.actionId}/updates`, 'owner').send(body),
      400,
    );
    expect(JSON.stringify(res.body.errors)).toContain(field);
  });

  it('an impact decision on an action whose assurance is not evidence_submitted → 409, nothing written', () =>
    refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${review.actionId}/impact-decision`, 'board')
          .send({ outcome: 'evidenced', comment: 'Fine' }),
      409,
    ));

  it('not_embedded without the follow-up due date → 400; impact evidence with an unknown method → 400', async () => {
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${review.actionId}/impact-decision`, 'board')
          .send({ outcome: 'not_embedded', comment: 'Weak audit' }),
      400,
    );
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/actions/${review.actionId}/impact-evidence`, 'owner')
          .send({ statement: 'Audit', method: 'guess' }),
      400,
    );
  });

  describe('files', () => {
    it('a disallowed media type → 415', () =>
      refusedWithoutWrites(
        () =>
          stack.post(ev(), 'owner').field('statement', 's').attach('files', Buffer.from('MZ\x90\x00'), {
            filename: 'tool.exe',
            contentType: 'application/x-msdownload',
          }),
        415,
      ));
    it('content that does not match its type → 415', () =>
      refusedWithoutWrites(
        () =>
          stack.post(ev(), 'owner').field('statement', 's').attach('files', Buffer.from('<script>alert(1)</script>'), {
            filename: 'report.pdf',
            contentType: 'application/pdf',
          }),
        415,
      ));
    it('too many files → 413', () => {
      const make = () => {
        let req = stack.post(ev(), 'owner').field('statement', 's');
        for (let i = 0; i < 6; i++)
          req = req.attach('files', PDF, { filename: `f${i}.pdf`, contentType: 'application/pdf' });
        return req;
      };
      return refusedWithoutWrites(make, 413);
    });
    it('a file too large → 413', () =>
      refusedWithoutWrites(
        () =>
          stack
            .post(ev(), 'owner')
            .field('statement', 's')
            .attach('files', Buffer.concat([PDF, Buffer.alloc(11 * 1024 * 1024)]), {
              filename: 'big.pdf',
              contentType: 'application/pdf',
            }),
        413,
      ));
    it('a file in the wrong field → 400', () =>
      refusedWithoutWrites(
        () =>
          stack
            .post(ev(), 'owner')
            .field('statement', 's')
            .attach('evidence', PDF, { filename: 'a.pdf', contentType: 'application/pdf' }),
        400,
      ));
    it('an empty statement with a good file → 400', () =>
      refusedWithoutWrites(
        () =>
          stack
            .post(ev(), 'owner')
            .field('statement', '  ')
            .attach('files', PDF, { filename: 'a.pdf', contentType: 'application/pdf' }),
        400,
      ));
    it('a truncated multipart body → 400', () =>
      refusedWithoutWrites(
        () =>
          stack
            .post(ev(), 'owner')
            .set('Content-Type', 'multipart/form-data; boundary=XYZ')
            .send('--XYZ\r\nContent-Disposition: form-data; name="statement"\r\n\r\nhello'),
        400,
      ));
    it('a refused Update leaves no blob behind (stored first, removed after the 409)', async () => {
      // under_review: evidence is refused by the workflow after the file was stored
      const before = await stack.counts();
      const res = await stack
        .post(`/api/v1/actions/${review.actionId}/evidence`, 'owner')
        .field('statement', 'Again')
        .attach('files', Buffer.from('%PDF-1.4 unique ' + Math.random()), {
          filename: 'again.pdf',
          contentType: 'application/pdf',
        });
      await expectProblem(res, 409);
      expect(await stack.counts()).toEqual(before);
    });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same body, 409 for another body', async () => {
    const body = validReview();
    const first = await stack.post('/api/v1/reviews', 'board').set('Idempotency-Key', 'k-1').send(body);
    expect(first.status).toBe(201);
    const again = await stack.post('/api/v1/reviews', 'board').set('Idempotency-Key', 'k-1').send(body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await stack
      .post('/api/v1/reviews', 'board')
      .set('Idempotency-Key', 'k-1')
      .send({ ...body, title: 'Other' });
    await expectProblem(other, 409);
  });
  it('a refused request keeps no key, so it can be retried', async () => {
    const before = await stack.counts();
    await expectProblem(
      await stack.post(`/api/v1/actions/${f.actionId}/acknowledge`, 'owner').set('Idempotency-Key', 'k-2'),
      409,
    );
    expect(await stack.counts()).toEqual(before);
  });
});

describe('fast-check: generated bodies at every write route never produce a 5xx', () => {
  const anyJson = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        code: fc.string(),
        name: fc.string(),
        leadEmail: fc.oneof(fc.emailAddress(), fc.string()),
        email: fc.oneof(fc.emailAddress(), fc.string()),
        role: fc.constantFrom('admin', 'board', 'agency', 'x'),
        agencyCode: fc.constantFrom('BHT', 'TVP', 'NOPE', ''),
        reference: fc.string({ maxLength: 70 }),
        title: fc.string(),
        publishedOn: fc.oneof(fc.string(), fc.constant('2017-03-01')),
        policy: fc.oneof(
          fc.constant(undefined),
          fc.dictionary(
            fc.constantFrom('stallAfter', 'remindBefore', 'deliverAt', 'x'),
            fc.oneof(
              fc.string(),
              fc.array(fc.string()),
              fc.record({ workingDays: fc.oneof(fc.integer(), fc.double(), fc.string()) }),
            ),
          ),
        ),
        recommendations: fc.array(
          fc.record(
            {
              number: fc.oneof(fc.string(), fc.constantFrom('1', '2.1')),
              text: fc.string(),
              actions: fc.array(
                fc.record(
                  {
                    agencyCode: fc.constantFrom('BHT', 'X'),
                    title: fc.string(),
                    dueDate: fc.oneof(
                      fc.string(),
                      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                    ),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 2 },
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
        statement: fc.string(),
        links: fc.array(fc.oneof(fc.webUrl(), fc.string()), { maxLength: 3 }),
        outcome: fc.constantFrom('approve', 'request_changes', 'close_not_implemented', 'reject', 'maybe'),
        comment: fc.string(),
        reason: fc.string(),
        newDueDate: fc.oneof(fc.string(), fc.constant(inDays(90))),
        interimMeasures: fc.string(),
        date: fc.oneof(
          fc.string(),
          fc
            .date({ min: new Date('2040-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
        ),
        replaces: fc.oneof(fc.string(), fc.constantFrom('2026-12-25', '2027-05-03')),
      },
      { requiredKeys: [] },
    ),
  );

  it('a few thousand bodies across all POST routes', async () => {
    const routes = (fx: Fixture) =>
      [
        ['/api/v1/agencies', 'admin'],
        ['/api/v1/users', 'admin'],
        ['/api/v1/reviews', 'board'],
        ['/api/v1/reviews/import', 'board'],
        [`/api/v1/actions/${fx.actionId}/acknowledge`, 'owner'],
        [`/api/v1/actions/${fx.actionId}/evidence`, 'owner'],
        [`/api/v1/actions/${review.actionId}/decision`, 'boardOwner'],
        [`/api/v1/actions/${fx.actionId}/extension-requests`, 'other'],
        [`/api/v1/actions/${fx.actionId}/extension-requests/00000000-0000-4000-8000-000000000000/decision`, 'board'],
        [`/api/v1/actions/${review.actionId}/cancel`, 'owner'],
        ['/api/v1/calendar/bank-holidays', 'admin'],
        [`/api/v1/actions/${fx.actionId}/reopen`, 'board'],
      ] as const;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(11), anyJson, fc.boolean(), async (i, body, asText) => {
        runs++;
        const [url, caller] = routes(f)[i];
        const req = stack.post(url, caller);
        const text = JSON.stringify(body) ?? '';
        // Sometimes cut short, so malformed JSON is in the mix too.
        const res = await req
          .set('Content-Type', 'application/json')
          .send(asText ? text.slice(0, Math.max(1, text.length - 1 - (runs % 5))) : text);
        if (res.status >= 500)
          throw new Error(`${url} → ${res.status} ${JSON.stringify(res.body)} for ${JSON.stringify(body)}`);
      }),
      { numRuns: 2500 },
    );
    expect(runs).toBe(2500);
  }, 240_000);
});

describe('web forms with a date far ahead: the page again (400), the problem beside its field, nothing written', () => {
  const beside = (text: string, id: string, message: string) =>
    expect(text).toMatch(
      new RegExp(
        `<span class="field-error" id="${id}-error"><span class="visually-hidden">Error:</span> ${message}</span>`,
      ),
    );

  it('extension, impact follow-up, cover, import; the chair re-timing and the period report say why on their page', async () => {
    const owner = await webSession(stack, 'owner');
    const board = await webSession(stack, 'board');
    const chair = await webSession(stack, 'chair');
    const post = (path: string, s: { cookie: string }) => stack.post(path, 'none').set('Cookie', s.cookie);
    const refusedPage = async (make: () => import('supertest').Test) => {
      const before = await stack.counts();
      const res = await make();
      expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
        status: 400,
        type: expect.stringMatching(/^text\/html/),
      });
      expect(await stack.counts()).toEqual(before);
      return res.text;
    };

    beside(
      await refusedPage(() =>
        post(`/actions/${f.actionId}/extension`, owner).type('form').send({
          _csrf: owner.csrf,
          // Issue 22: the page asks for a date in three boxes (GOV.UK date input).
          'newDueDate-day': '31',
          'newDueDate-month': '12',
          'newDueDate-year': '9999',
          reason: 'Ward closures',
          interimMeasures: 'Weekly checks',
        }),
      ),
      'newDueDate',
      'must be before 2100',
    );
    const impact = await fixture(stack, 'impact_submitted');
    beside(
      await refusedPage(() =>
        post(`/actions/${impact.actionId}/impact-decision`, board).type('form').send({
          _csrf: board.csrf,
          outcome: 'not_embedded',
          comment: 'Not embedded yet',
          'followUpDueDate-day': '31',
          'followUpDueDate-month': '12',
          'followUpDueDate-year': '9999',
        }),
      ),
      'followUpDueDate',
      'must be before 2100',
    );
    // A colleague to cover: the cover form is shown only to someone who has one.
    const meId = (await stack.get('/api/v1/me', 'owner')).body.id as string;
    const [me] = await stack.db.db.select({ agencyId: users.agencyId }).from(users).where(eq(users.id, meId));
    const [colleague] = await stack.db.db
      .insert(users)
      .values({ name: 'Far Colleague', email: `far-${randomUUID()}@bht.test`, role: 'agency', agencyId: me.agencyId })
      .returning({ id: users.id });
    const deputy = colleague.id;
    beside(
      await refusedPage(() =>
        post('/preferences/cover', owner).type('form').send({
          _csrf: owner.csrf,
          deputyId: deputy,
          'from-day': '4',
          'from-month': '1',
          'from-year': '2027',
          'to-day': '31',
          'to-month': '12',
          'to-year': '9999',
        }),
      ),
      'to',
      'must be before 2100',
    );
    beside(
      await refusedPage(() =>
        post('/reviews/new', board)
          .field('_csrf', board.csrf)
          .field('reference', 'WEB-FAR')
          .field('title', 'Far')
          .field('publishedOn-day', '14')
          .field('publishedOn-month', '10')
          .field('publishedOn-year', '1066')
          .attach(
            'file',
            Buffer.from(
              `Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do it,BHT,Done,${inDays(60)}\n`,
            ),
            { filename: 'plan.csv', contentType: 'text/csv' },
          ),
      ),
      'publishedOn',
      'must be in 1900 or later',
    );
    // The chair's queue: the refused form comes back with the problem beside its field, and the
    // error summary links to that field.
    const escalationId = randomUUID();
    const retimed = await refusedPage(() =>
      post(`/escalations/${escalationId}/retime`, chair)
        .type('form')
        .send({ _csrf: chair.csrf, 'until-day': '31', 'until-month': '12', 'until-year': '9999' }),
    );
    expect(retimed).toMatch(/the step was not recorded; check the fields below/);
    expect(retimed).toMatch(new RegExp(`<a href="#rt-until-${escalationId}-day">must be before 2100</a>`));
    const period = await stack.get('/papers/period?from=9999-01-01&to=9999-12-31', 'none').set('Cookie', board.cookie);
    expect(period.status).toBe(400);
    expect(period.text).toMatch(/<strong>from<\/strong>: must be before 2100/);
  });
});
