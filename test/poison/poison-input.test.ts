/**
 * Text Postgres cannot store (NUL, lone surrogates) sent to every kind of write, as a hostile user
 * or a paste from a PDF would: each is refused at once with a 400 naming the field, nothing is
 * written, and the action stays usable (a clean request afterwards goes through, the board can
 * still decide). Every request is bounded, so a request that hangs fails here by name.
 */
import { sheetToRecommendations } from '../../api/import/to-review';
import { fixture, PDF } from '../api/fixtures';
import { ApiStack, QUIET_POLICY, inDays } from '../api/stack';
import { bounded, webSession } from './support';

jest.setTimeout(240_000);

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 180_000);
afterAll(() => stack?.stop());

const NUL = 'before\u0000after';
const SURROGATE = 'before\ud800after';

function expectRefused(res: import('supertest').Response, field: string) {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status: 400,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(res.body.errors).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: field, message: expect.stringMatching(/cannot be stored/) }),
    ]),
  );
}

async function rowOf(actionId: string) {
  const { rows } = (await stack.db.db.execute(
    `select status, projected_seq from actions where id = '${actionId}'`,
  )) as unknown as { rows: { status: string; projected_seq: number }[] };
  return rows[0];
}

describe('text that cannot be stored is refused at the edge; the action stays usable', () => {
  it('evidence "before\\u0000after" after acknowledging: 400, then clean evidence and the board decision go through', async () => {
    const f = await fixture(stack, 'assigned');
    expect(
      (await bounded('acknowledge', stack.post(`/api/v1/actions/${f.actionId}/acknowledge`, 'owner'))).status,
    ).toBe(200);
    const bad = await bounded(
      'evidence with NUL',
      stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: NUL }),
    );
    expectRefused(bad, 'body.statement');
    expect(await rowOf(f.actionId)).toMatchObject({ status: 'in_progress' });
    const good = await bounded(
      'clean evidence',
      stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: 'before after' }),
    );
    expect({ status: good.status, stage: good.body.status }).toEqual({ status: 200, stage: 'under_review' });
    const decided = await bounded(
      'decision',
      stack.post(`/api/v1/actions/${f.actionId}/decision`, 'board').send({ outcome: 'approve', comment: 'Good' }),
    );
    expect({ status: decided.status, stage: decided.body.status }).toEqual({ status: 200, stage: 'closed' });
  });

  it('a lone surrogate in a statement or a link: 400', async () => {
    const f = await fixture(stack, 'in_progress');
    expectRefused(
      await bounded(
        'evidence with lone surrogate',
        stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: SURROGATE }),
      ),
      'body.statement',
    );
    expectRefused(
      await bounded(
        'link with NUL',
        stack
          .post(`/api/v1/actions/${f.actionId}/evidence`, 'owner')
          .send({ statement: 'ok', links: ['https://bht.example/a\u0000b'] }),
      ),
      'body.links.0',
    );
    expect(await rowOf(f.actionId)).toMatchObject({ status: 'in_progress', projected_seq: 2 });
  });

  it('multipart evidence: a NUL in the statement field is refused; the file name is checked too', async () => {
    const f = await fixture(stack, 'in_progress');
    const res = await bounded(
      'multipart evidence with NUL',
      stack
        .post(`/api/v1/actions/${f.actionId}/evidence`, 'owner')
        .field('statement', NUL)
        .attach('files', PDF, { filename: 'policy.pdf', contentType: 'application/pdf' }),
    );
    expectRefused(res, 'body.statement');
    const named = await bounded(
      'file name with NUL',
      stack
        .post(`/api/v1/actions/${f.actionId}/evidence`, 'owner')
        .field('statement', 'ok')
        .attach('files', PDF, { filename: 'pol\u0000icy.pdf', contentType: 'application/pdf' }),
    );
    expect(named.status).toBe(400);
    expect(await rowOf(f.actionId)).toMatchObject({ status: 'in_progress' });
  });

  it('a board decision comment with NUL: 400, then a clean decision goes through', async () => {
    const f = await fixture(stack, 'under_review');
    expectRefused(
      await bounded(
        'decision with NUL',
        stack
          .post(`/api/v1/actions/${f.actionId}/decision`, 'board')
          .send({ outcome: 'request_changes', comment: NUL }),
      ),
      'body.comment',
    );
    const ok = await bounded(
      'clean decision',
      stack
        .post(`/api/v1/actions/${f.actionId}/decision`, 'board')
        .send({ outcome: 'request_changes', comment: 'Add the audit' }),
    );
    expect({ status: ok.status, stage: ok.body.status }).toEqual({ status: 200, stage: 'in_progress' });
  });

  it('an extension request with NUL or a lone surrogate: 400, then a clean one goes through', async () => {
    const f = await fixture(stack, 'in_progress');
    const url = `/api/v1/actions/${f.actionId}/extension-requests`;
    expectRefused(
      await bounded(
        'extension reason with NUL',
        stack.post(url, 'owner').send({ newDueDate: inDays(120), reason: NUL, interimMeasures: 'Weekly review' }),
      ),
      'body.reason',
    );
    expectRefused(
      await bounded(
        'extension measures with surrogate',
        stack.post(url, 'owner').send({ newDueDate: inDays(120), reason: 'Staff', interimMeasures: SURROGATE }),
      ),
      'body.interimMeasures',
    );
    const ok = await bounded(
      'clean extension',
      stack.post(url, 'owner').send({ newDueDate: inDays(120), reason: 'Staff', interimMeasures: 'Weekly review' }),
    );
    expect(ok.status).toBe(201);
    const decide = await bounded(
      'extension decision with NUL',
      stack.post(`${url}/${ok.body.requestId}/decision`, 'board').send({ outcome: 'reject', comment: NUL }),
    );
    expectRefused(decide, 'body.comment');
  });

  it('a cancel reason with NUL: 400, then a clean cancel goes through', async () => {
    const f = await fixture(stack, 'assigned');
    expectRefused(
      await bounded(
        'cancel with NUL',
        stack.post(`/api/v1/actions/${f.actionId}/cancel`, 'board').send({ reason: NUL }),
      ),
      'body.reason',
    );
    const ok = await bounded(
      'clean cancel',
      stack.post(`/api/v1/actions/${f.actionId}/cancel`, 'board').send({ reason: 'Superseded' }),
    );
    expect({ status: ok.status, stage: ok.body.status }).toEqual({ status: 200, stage: 'cancelled' });
  });

  it('a review, an import field and an import cell with NUL or a lone surrogate: 400, nothing created', async () => {
    const review = (title: string) => ({
      reference: `PX-${Math.random().toString(36).slice(2, 8)}`,
      title,
      policy: QUIET_POLICY,
      recommendations: [
        { number: '1', text: 'Share', actions: [{ agencyCode: 'BHT', title: 'Do it', dueDate: inDays(60) }] },
      ],
    });
    expectRefused(
      await bounded('review title with NUL', stack.post('/api/v1/reviews', 'board').send(review(NUL))),
      'body.title',
    );
    const nested = review('ok');
    nested.recommendations[0].actions[0].title = SURROGATE;
    expectRefused(
      await bounded('action title with surrogate', stack.post('/api/v1/reviews', 'board').send(nested)),
      'body.recommendations.0.actions.0.title',
    );

    const csv = Buffer.from(
      `Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do it,BHT,Done,${inDays(60)}\n`,
    );
    const field = await bounded(
      'import title with NUL',
      stack
        .post('/api/v1/reviews/import', 'board')
        .field('reference', 'IMP-NUL')
        .field('title', NUL)
        .attach('file', csv, { filename: 'plan.csv', contentType: 'text/csv' }),
    );
    expectRefused(field, 'body.title');

    // A CSV cell cannot carry a NUL (the file is refused as not text) nor a lone surrogate (not UTF-8).
    const nulCsv = Buffer.from(
      `Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share,Do\u0000 it,BHT,Done,${inDays(60)}\n`,
    );
    const refusedCsv = await bounded(
      'import CSV with a NUL cell',
      stack
        .post('/api/v1/reviews/import', 'board')
        .field('reference', 'IMP-CSV')
        .field('title', 'Imported')
        .attach('file', nulCsv, { filename: 'plan.csv', contentType: 'text/csv' }),
    );
    expect(refusedCsv.status).toBe(415);
    // Whatever a reader yields, a cell that cannot be stored is named by row and column.
    const sheet = {
      headers: [
        'Recommendation number',
        'Recommendation',
        'Action',
        'Lead agency code',
        'Success measure',
        'Target date',
      ],
      rows: [{ row: 2, cells: ['1', 'Share', 'Do\u0000 it', 'BHT', 'Done\ud800', inDays(60)] }],
    };
    const { recommendations, errors } = sheetToRecommendations(sheet, new Set(['BHT']));
    expect(recommendations.flatMap((r) => r.actions)).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({ row: 2, column: 'Action', message: expect.stringMatching(/cannot be stored.*NUL/) }),
      expect.objectContaining({
        row: 2,
        column: 'Success measure',
        message: expect.stringMatching(/cannot be stored.*surrogate/),
      }),
    ]);
    const { rows } = (await stack.db.db.execute(
      `select count(*)::int as n from reviews where reference like 'IMP-%' or title like 'before%'`,
    )) as unknown as { rows: { n: number }[] };
    expect(rows[0].n).toBe(0);
  });

  it('a query string with NUL: 400', async () => {
    const res = await bounded('query with NUL', stack.get('/api/v1/actions?agency=B%00HT'));
    expect(res.status).toBe(400);
  });

  it('a web form with NUL: the page says why beside the form (400), and the action stays usable', async () => {
    const f = await fixture(stack, 'in_progress');
    const { cookie, csrf } = await webSession(stack, 'owner');
    const page = await bounded(
      'web evidence form with NUL',
      stack
        .post(`/actions/${f.actionId}/evidence`, 'none')
        .set('Cookie', cookie)
        .field('_csrf', csrf)
        .field('statement', NUL),
    );
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/cannot be stored/);
    const ext = await bounded(
      'web extension form with NUL',
      stack
        .post(`/actions/${f.actionId}/extension`, 'none')
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: csrf, newDueDate: inDays(120), reason: NUL, interimMeasures: 'Weekly' }),
    );
    expect(ext.status).toBe(400);
    expect(await rowOf(f.actionId)).toMatchObject({ status: 'in_progress' });
    const ok = await bounded(
      'web evidence form',
      stack
        .post(`/actions/${f.actionId}/evidence`, 'none')
        .set('Cookie', cookie)
        .field('_csrf', csrf)
        .field('statement', 'Clean statement'),
    );
    expect(ok.status).toBe(303);
    expect(await rowOf(f.actionId)).toMatchObject({ status: 'under_review' });
  });
});
