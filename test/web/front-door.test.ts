/**
 * The pages as a thin skin over the API's layers, in Chromium on the real stack: the statement
 * page and the API's report agree action by action; an agency gets 404 for another agency's
 * action, file and review on every page that shows one; evidence over the API's upload limits is
 * refused on the page with nothing written; every page and state has no axe-core A/AA violation;
 * and the agency's journey works with the keyboard alone.
 */
import { and, count, eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { createUser } from '../../api/use-cases/people';
import { acknowledgeAction, cancelAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { withStoredFiles } from '../../api/use-cases/evidence-files';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, attachments, blobs, evidence, users } from '../../db/schema';
import { createLogger } from '../../lib/logger';
import type { ProgressReport } from '../../api/report/model';
import type { Actor } from '../../workflows/types';
import { axeViolations, expectAccessible, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const day = 86_400_000;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const BOARD = 'business.manager@board.example';
const BSCB = 'lead@bscb.example';
const BCC = 'safeguarding.lead@bcc.example';
const CCG = 'designated.nurse@ccg.example';

let stack: WebStack;
let baseUrl: string;
let reviewId: string;
let otherReviewId: string;
let apiToken: string;
let ids: Record<'accepted' | 'sentBack' | 'notImplemented' | 'cancelled' | 'pending' | 'bcc' | 'ccg', string>;
let bscbFileId: string;

async function actorFor(email: string): Promise<Actor> {
  const [u] = await stack.db.db.select().from(users).where(eq(users.email, email));
  return { userId: u.id, role: u.role, agencyId: u.agencyId, name: u.name };
}

beforeAll(async () => {
  stack = await startWebStack('webdoor');
  baseUrl = stack.baseUrl;
  const { db } = stack.db;
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  const policy = {
    acknowledgeWithin: 'P30D',
    remindBefore: ['P7D'],
    overdueReminderEvery: 'P30D',
    escalateAfterOverdue: ['P30D'],
    stallAfter: 'P30D',
    boardDecisionWithin: 'P30D',
  };
  const due = (d: number) => new Date(Date.now() + d * day).toISOString();
  const { review } = await createReview(deps, stack.adminActor, {
    reference: 'SCR-DOOR',
    title: 'Review with every kind of outcome',
    policy,
    recommendations: [
      {
        number: '1',
        text: 'Share information about unborn babies.',
        actions: [
          { agencyCode: 'BSCB', title: 'Accepted action', dueDate: due(30) },
          { agencyCode: 'BSCB', title: 'Sent-back action', dueDate: due(40) },
          { agencyCode: 'TVP', title: 'Not implemented action', dueDate: due(50) },
          { agencyCode: 'TVP', title: 'Cancelled action', dueDate: due(60) },
        ],
      },
      {
        number: '2',
        text: 'Train staff.',
        actions: [
          { agencyCode: 'BHT', title: 'Pending action', dueDate: due(20) },
          { agencyCode: 'BCC', title: 'BCC action for uploads', dueDate: due(25) },
          { agencyCode: 'CCG', title: 'CCG action for the keyboard', dueDate: due(35) },
        ],
      },
    ],
  });
  reviewId = review.id;
  const byTitle = (t: string) => review.recommendations.flatMap((r) => r.actions).find((a) => a.title === t)!.id;
  ids = {
    accepted: byTitle('Accepted action'),
    sentBack: byTitle('Sent-back action'),
    notImplemented: byTitle('Not implemented action'),
    cancelled: byTitle('Cancelled action'),
    pending: byTitle('Pending action'),
    bcc: byTitle('BCC action for uploads'),
    ccg: byTitle('CCG action for the keyboard'),
  };
  const bscb = await actorFor(BSCB);
  const tvp = await actorFor('safeguarding.lead@tvp.example');
  const bht = await actorFor('safeguarding.lead@bht.example');
  // Decisions are the board's (an administrator may not decide): a board member of no agency.
  const { user: decider } = await createUser(
    db,
    { name: 'Board decider', email: 'decider@board.example', role: 'board' },
    { actor: stack.adminActor.userId, tokenTtlDays: 1 },
  );
  const board: Actor = { userId: decider.id, role: 'board', agencyId: null, name: 'Board decider' };
  await acknowledgeAction(deps, bscb, ids.accepted);
  await withStoredFiles(
    db,
    [{ field: 'files', filename: 'audit.pdf', mediaType: 'application/pdf', size: PDF.length, buffer: PDF }],
    createLogger({ logLevel: 'silent' }, 't'),
    (refs) =>
      submitEvidence(deps, bscb, ids.accepted, {
        statement: 'ACCEPTED statement: the audit is done.',
        attachments: refs,
      }),
  );
  await decideAction(deps, board, ids.accepted, { outcome: 'approve' });
  await acknowledgeAction(deps, bscb, ids.sentBack);
  await submitEvidence(deps, bscb, ids.sentBack, { statement: 'SENT-BACK statement: we meant to.' });
  await decideAction(deps, board, ids.sentBack, { outcome: 'request_changes', comment: 'Say what was done.' });
  await acknowledgeAction(deps, tvp, ids.notImplemented);
  await submitEvidence(deps, tvp, ids.notImplemented, { statement: 'NOT-IMPLEMENTED statement: no budget.' });
  await decideAction(deps, board, ids.notImplemented, {
    outcome: 'close_not_implemented',
    comment: 'No funding this year; the risk is accepted by the board.',
  });
  await cancelAction(deps, board, ids.cancelled, { reason: 'Superseded by action 2.1.' });
  await acknowledgeAction(deps, bht, ids.pending);
  await submitEvidence(deps, bht, ids.pending, { statement: 'PENDING statement: training delivered to 40 staff.' });
  [{ id: bscbFileId }] = await db
    .select({ id: attachments.id })
    .from(attachments)
    .innerJoin(evidence, eq(evidence.id, attachments.evidenceId))
    .where(eq(evidence.actionId, ids.accepted));

  // A review in which only BSCB has actions: no other agency may see it.
  const other = await createReview(deps, stack.adminActor, {
    reference: 'SCR-BSCB-ONLY',
    title: 'Only BSCB',
    policy,
    recommendations: [
      { number: '1', text: 'Audit.', actions: [{ agencyCode: 'BSCB', title: 'Audit alone', dueDate: due(30) }] },
    ],
  });
  otherReviewId = other.review.id;
  ({ token: apiToken } = await createUser(
    db,
    { name: 'Report reader', email: 'reader@board.example', role: 'board' },
    { actor: stack.adminActor.userId, tokenTtlDays: 1 },
  ));
});

afterAll(async () => {
  await stack?.stop();
});

const open = async (ctx: BrowserContext, email: string) => signIn(stack, ctx, email);

test('the statement page and the API report list the same actions, outcomes and presented statements; a sent-back statement never shows', async () => {
  const res = await fetch(`${baseUrl}/api/v1/reviews/${reviewId}/report?format=json`, {
    headers: { authorization: `Bearer ${apiToken}` },
  });
  expect(res.status).toBe(200);
  const report = (await res.json()) as ProgressReport;
  const byId = new Map(report.sections.flatMap((s) => s.actions).map((a) => [a.actionId, a]));
  // The model itself: accepted evidence only as done, the pending one as pending, the reasons.
  expect(byId.get(ids.accepted)!.progressStatement).toContain('ACCEPTED statement');
  expect(byId.get(ids.sentBack)!.progressStatement).toBeNull();
  expect(byId.get(ids.sentBack)!.submittedStatement).toBeNull();
  expect(byId.get(ids.pending)!.progressStatement).toBeNull();
  expect(byId.get(ids.pending)!.submittedStatement).toContain('PENDING statement');
  expect(byId.get(ids.notImplemented)!.notImplementedReason).toContain('No funding this year');
  expect(byId.get(ids.cancelled)!.cancellationReason).toBe('Superseded by action 2.1.');
  expect(JSON.stringify(report)).not.toContain('SENT-BACK statement');

  const ctx = await stack.browser.newContext();
  const page = await open(ctx, BOARD);
  await page.goto(`${baseUrl}/reviews/${reviewId}/statement`);
  const rowIds = await page
    .locator('tr[data-action-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action-id')));
  expect(new Set(rowIds)).toEqual(new Set(byId.keys()));
  expect(rowIds).toHaveLength(byId.size);
  for (const [id, a] of byId) {
    const row = page.locator(`tr[data-action-id="${id}"]`);
    // How a finished action ended is its badge's word (issue 22: never "Complete"); the line under it says since when.
    const statusCell = await row.locator('.status').locator('xpath=..').innerText();
    const ended =
      a.outcome === 'implemented'
        ? 'Implemented'
        : a.outcome === 'not_implemented'
          ? 'Not implemented'
          : a.status === 'cancelled'
            ? 'Cancelled'
            : null;
    if (ended) expect(statusCell).toContain(ended);
    if (ended !== 'Not implemented') expect(statusCell).not.toContain('Not implemented');
    expect(statusCell).not.toContain('Complete');
    const progress = await row.locator('td[data-label="Progress"]').innerText();
    if (a.progressStatement) expect(progress).toContain(a.progressStatement);
    if (a.progressStatement) expect(progress).toContain('Accepted by the board');
    else expect(progress).not.toContain('Accepted by the board');
    if (a.submittedStatement)
      expect(progress).toMatch(new RegExp(`Submitted, awaiting the board.*${a.submittedStatement}`));
    if (a.notImplementedReason) expect(progress).toContain(a.notImplementedReason);
    if (a.cancellationReason) expect(progress).toContain(a.cancellationReason);
  }
  expect(await page.content()).not.toContain('SENT-BACK statement');
  await expectAccessible(page, 'statement with every outcome');
  await ctx.close();
});

test("an agency gets 404 for another agency's action, file and review on every page that shows one", async () => {
  const ctx = await stack.browser.newContext();
  const page = await open(ctx, BCC);
  const status = async (path: string) => (await page.goto(`${baseUrl}${path}`))!.status();
  // Its own: shown.
  expect(await status(`/actions/${ids.bcc}`)).toBe(200);
  expect(await status(`/reviews/${reviewId}`)).toBe(200);
  expect(await status(`/reviews/${reviewId}/statement`)).toBe(200);
  // Another agency's: not found, exactly like an unknown id.
  for (const path of [
    `/actions/${ids.accepted}`,
    `/actions/${ids.accepted}/files/${bscbFileId}`,
    `/actions/${ids.bcc}/files/${bscbFileId}`,
    `/reviews/${otherReviewId}`,
    `/reviews/${otherReviewId}/statement`,
    `/actions/00000000-0000-0000-0000-000000000000`,
    `/actions/not-a-uuid`,
  ]) {
    expect([path, await status(path)]).toEqual([path, 404]);
  }
  // The statement of a shared review shows only its own section.
  await page.goto(`${baseUrl}/reviews/${reviewId}/statement`);
  expect(await page.locator('tr[data-action-id]').count()).toBe(1);
  // A form posted at another agency's action: 404 too, and nothing changes.
  await page.goto(`${baseUrl}/actions/${ids.bcc}`);
  const token = await page.locator('input[name=_csrf]').first().getAttribute('value');
  const post = await page.request.post(`${baseUrl}/actions/${ids.sentBack}/extension`, {
    form: { _csrf: token!, newDueDate: '2031-01-01', reason: 'r', interimMeasures: 'm' },
    maxRedirects: 0,
  });
  expect(post.status()).toBe(404);
  const [row] = await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.sentBack));
  expect(row.status).toBe('in_progress');
  // The board sees the file.
  const boardCtx = await stack.browser.newContext();
  const board = await open(boardCtx, BOARD);
  expect((await board.request.get(`${baseUrl}/actions/${ids.accepted}/files/${bscbFileId}`)).status()).toBe(200);
  await boardCtx.close();
  await ctx.close();
});

test("evidence over the API's limits is refused on the page, beside the field, with the statement kept and nothing written", async () => {
  const { db } = stack.db;
  const ctx = await stack.browser.newContext();
  const page = await open(ctx, BCC);
  await page.goto(`${baseUrl}/actions/${ids.bcc}`);
  await page.getByRole('button', { name: 'Acknowledge this action' }).click();
  await page.getByText('Acknowledged. The board can see').waitFor();
  const blobsBefore = (await db.select({ n: count() }).from(blobs))[0].n;
  const written = async () =>
    (await db.select({ n: count() }).from(evidence).where(eq(evidence.actionId, ids.bcc)))[0].n;

  const statement = 'We trained 12 social workers; the register is attached.';
  const tries: [string, { name: string; mimeType: string; buffer: Buffer }[], RegExp][] = [
    [
      'six files',
      Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.pdf`, mimeType: 'application/pdf', buffer: PDF })),
      /At most 5 files/,
    ],
    [
      'an 11 MB file',
      [{ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([PDF, Buffer.alloc(11 * 1024 * 1024)]) }],
      /larger than 10 MB/,
    ],
  ];
  for (const [what, files, message] of tries) {
    await page.getByLabel('Progress statement').fill(statement);
    await page.getByLabel('Files (optional)').setInputFiles(files);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/evidence')),
      page.getByRole('button', { name: 'Send evidence to the board' }).click(),
    ]);
    expect([what, response.status()]).toEqual([what, 413]);
    await page.getByRole('alert').waitFor();
    expect(await page.locator('#files-error').innerText()).toMatch(message);
    expect(await page.getByLabel('Progress statement').inputValue()).toBe(statement);
    expect(await page.locator('#files').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, `evidence refused: ${what}`);
    expect(await written()).toBe(0);
    expect((await db.select({ n: count() }).from(blobs))[0].n).toBe(blobsBefore);
  }
  // A blank statement: the API's schema and message, beside the field.
  const token = await page.locator('form[action$="/evidence"] input[name=_csrf]').getAttribute('value');
  const blank = await page.request.post(`${baseUrl}/actions/${ids.bcc}/evidence`, {
    multipart: { _csrf: token!, statement: '   ' },
    maxRedirects: 0,
  });
  expect(blank.status()).toBe(400);
  expect(await blank.text()).toContain('Write a progress statement');
  expect(await written()).toBe(0);
  const [row] = await db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.bcc));
  expect(row.status).toBe('in_progress');
  await ctx.close();
});

test('axe-core finds no A/AA violation on the pages and states not shown by the other browser tests, at desktop and phone width', async () => {
  // The check can fail: an image without a text alternative is a violation.
  const probeCtx = await stack.browser.newContext();
  const probe = await probeCtx.newPage();
  await probe.goto(`${baseUrl}/accessibility`);
  await probe.evaluate(() => {
    const d = (
      globalThis as unknown as {
        document: { createElement(t: string): { src: string }; body: { append(n: unknown): void } };
      }
    ).document;
    const img = d.createElement('img');
    img.src = '/nothing.png';
    d.body.append(img);
  });
  expect((await axeViolations(probe)).map((v) => v.id)).toContain('image-alt');
  await probeCtx.close();

  for (const width of [1200, 375]) {
    const signedOut = await stack.browser.newContext({ viewport: { width, height: 900 } });
    const anon = await signedOut.newPage();
    for (const path of ['/signin', '/accessibility']) {
      await anon.goto(`${baseUrl}${path}`);
      await expectAccessible(anon, `${path} signed out at ${width}px`);
    }
    // The sign-in form with its problem beside the field (the browser's own check taken off).
    await anon.goto(`${baseUrl}/signin`);
    await anon.locator('#email').evaluate((el) => ((el as unknown as { type: string }).type = 'text'));
    await anon.getByLabel('E-mail address').fill('not an address');
    await anon.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await anon.locator('#email-error').waitFor();
    await expectAccessible(anon, `sign-in refused at ${width}px`);
    await signedOut.close();

    // An agency with nothing to do: the empty lists.
    const emptyCtx = await stack.browser.newContext({ viewport: { width, height: 900 } });
    const empty = await open(emptyCtx, 'safeguarding.lead@tvp.example');
    for (const path of [
      '/',
      '/dashboard',
      '/reviews',
      '/actions',
      '/actions?overdue=true',
      `/reviews/${reviewId}`,
      `/reviews/${reviewId}/statement`,
      `/reviews/${reviewId}/progress-sheet`,
      `/actions/${ids.cancelled}`,
      '/accessibility',
    ]) {
      await empty.goto(`${baseUrl}${path}`);
      await expectAccessible(empty, `agency ${path} at ${width}px`);
    }
    await emptyCtx.close();

    // The board: every page, a decision form with a problem, a bad filter.
    const boardCtx = await stack.browser.newContext({ viewport: { width, height: 900 } });
    const board = await open(boardCtx, BOARD);
    for (const path of [
      '/',
      '/dashboard',
      '/reviews',
      '/reviews/new',
      '/actions',
      '/actions?stage=bogus',
      `/reviews/${reviewId}`,
      `/reviews/${reviewId}/progress-sheet`,
      `/actions/${ids.accepted}`,
      `/actions/${ids.notImplemented}`,
      `/actions/${ids.pending}`,
      '/signout',
    ]) {
      await board.goto(`${baseUrl}${path}`);
      await expectAccessible(board, `board ${path} at ${width}px`);
    }
    await board.goto(`${baseUrl}/actions/${ids.pending}`);
    await board.getByLabel(/Request changes/).check();
    await board.getByRole('button', { name: 'Record decision' }).click();
    await board.locator('#comment-error').waitFor();
    expect(await board.locator('#comment-error').innerText()).toContain('a comment is required unless approving');
    await expectAccessible(board, `board decision refused at ${width}px`);
    await board.goto(`${baseUrl}/reviews/new`);
    await board.getByLabel('Reference').fill('BAD REF ***');
    await board.getByLabel('Title').fill('A title');
    await board
      .getByLabel('Action plan file (.csv or .xlsx)')
      .setInputFiles({ name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from('x') });
    await board.getByRole('button', { name: 'Continue', exact: true }).click();
    await board.locator('#reference-error').waitFor();
    expect(await board.getByLabel('Title').inputValue()).toBe('A title');
    await expectAccessible(board, `import refused at ${width}px`);
    await boardCtx.close();
  }
});

/** Presses Tab until the focused element matches, as a keyboard user moves through the page. */
async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  // A page still arriving after the last key press: tab through the page that arrives.
  await page.waitForLoadState('load');
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (
      await page.evaluate(
        (sel) =>
          !!(
            globalThis as unknown as { document: { activeElement: { matches(s: string): boolean } | null } }
          ).document.activeElement?.matches(sel),
        selector,
      )
    )
      return;
  }
  throw new Error(`${selector} was not reached with ${max} presses of Tab on ${page.url()}`);
}

test('keyboard only: sign in, acknowledge, send evidence with a file, sign out', async () => {
  const ctx = await stack.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${baseUrl}/signin`);
  await tabTo(page, '#email');
  await page.keyboard.type(CCG);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  const mail = await stack.catcher.waitFor(
    (m) => m.to.includes(CCG) && m.headers['x-notification-kind'] === 'sign_in',
    15_000,
  );
  await tabTo(page, 'a[href="/mail"]');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${baseUrl}/mail`);
  await tabTo(page, `a[href="/mail/${mail.id}"]`);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${baseUrl}/mail/${mail.id}`);
  await tabTo(page, 'a[href*="/signin/"]');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await tabTo(page, 'main button[type=submit]');
  await page.keyboard.press('Space');
  await page.getByRole('heading', { name: 'My actions' }).waitFor();

  await tabTo(page, `a[href="/actions/${ids.ccg}"]`);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Acknowledge this action' }).waitFor();
  await tabTo(page, 'form[action$="/acknowledge"] button');
  await page.keyboard.press('Enter');
  await page.getByText('Acknowledged. The board can see').waitFor();

  await tabTo(page, '#statement');
  await page.keyboard.type('Keyboard only: the designated nurses were briefed.');
  await tabTo(page, '#files');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles({ name: 'briefing.pdf', mimeType: 'application/pdf', buffer: PDF });
  await tabTo(page, 'form[action$="/evidence"] button[type=submit]');
  await page.keyboard.press('Enter');
  await page.getByText('Evidence sent. The board will review it.').waitFor();
  const [ev] = await stack.db.db.select().from(evidence).where(eq(evidence.actionId, ids.ccg));
  expect(ev.statement).toBe('Keyboard only: the designated nurses were briefed.');
  expect(
    (await stack.db.db.select({ n: count() }).from(attachments).where(eq(attachments.evidenceId, ev.id)))[0].n,
  ).toBe(1);

  await tabTo(page, 'header form[action="/signout"] button');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${baseUrl}/signin`);
  const [agency] = await stack.db.db
    .select()
    .from(agencies)
    .where(and(eq(agencies.code, 'CCG')));
  expect(agency).toBeDefined();
  await ctx.close();
});
