/**
 * Issue 22 (items 6, 11, 12) in Chromium on the real stack:
 * - an extension asked for with the keyboard alone through the GOV.UK date input (a date that
 *   does not exist and one not after the current due date refused beside the field and in the
 *   summary), the check step "Move from 31 March to 2 December 2027: 8 months later?", changing
 *   the request from it, and sending it;
 * - evidence links typed without https:// shown as links, a link of another scheme refused, the
 *   resubmission form starting from the previous statement, PDFs and images previewed in a
 *   sandboxed frame (inline only for those; every other page refuses frames), other files download;
 * - the list's search box; the dashboard's bars opening the filtered list; the RAG key.
 * axe-core on every page; screenshots in test-artifacts/screenshots/.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction, decideAction } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { extensionRequests, users } from '../../db/schema';
import { dueOn } from '../../lib/board-time';
import type { Actor } from '../../workflows/types';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BOARD = 'business.manager@board.example';
const BHT = 'safeguarding.lead@bht.example';

let stack: WebStack;
let agencyCtx: BrowserContext;
let boardCtx: BrowserContext;
let agency: Page;
let board: Page;
const ids: Record<string, string> = {};
let boardActor: Actor;

beforeAll(async () => {
  stack = await startWebStack('webforms');
  const { db } = stack.db;
  const actorOf = async (email: string): Promise<Actor> => {
    const [u] = await db.select().from(users).where(eq(users.email, email));
    return { userId: u.id, role: u.role, agencyId: u.agencyId, name: u.name };
  };
  const bht = await actorOf(BHT);
  boardActor = await actorOf(BOARD);
  const { review } = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'SCR-FORMS',
    title: 'Serious Case Review: Child F',
    policy: {
      acknowledgeWithin: 'P30D',
      remindBefore: ['P7D'],
      overdueReminderEvery: 'P30D',
      escalateAfterOverdue: ['P30D'],
      stallAfter: 'P30D',
      boardDecisionWithin: 'P30D',
    },
    recommendations: [
      {
        number: '1',
        text: 'Discharge planning must include the child’s safety.',
        actions: [
          { agencyCode: 'BHT', title: 'Rewrite the discharge policy', dueDate: '2027-03-31' },
          { agencyCode: 'BHT', title: 'Brief ward staff on discharge safeguarding', dueDate: '2027-05-31' },
          { agencyCode: 'TVP', title: 'Share custody records with health visitors', dueDate: '2027-04-30' },
        ],
      },
    ],
  });
  const [a1, a2, a3] = review.recommendations[0].actions;
  Object.assign(ids, { extension: a1.id, evidence: a2.id, police: a3.id });
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  await acknowledgeAction(deps, bht, a1.id);
  await acknowledgeAction(deps, bht, a2.id);

  agencyCtx = await stack.browser.newContext({ viewport: { width: 1100, height: 900 } });
  boardCtx = await stack.browser.newContext({ viewport: { width: 1100, height: 900 } });
  agency = await signIn(stack, agencyCtx, BHT);
  board = await signIn(stack, boardCtx, BOARD);
});

afterAll(async () => {
  await agencyCtx?.close();
  await boardCtx?.close();
  await stack?.stop();
});

/** An expression about the focused element `el`, evaluated in the page (the tests' types have no DOM). */
const active = <T = unknown>(page: Page, expr: string): Promise<T> =>
  page.evaluate(`(() => { const el = document.activeElement; return ${expr}; })()`) as Promise<T>;

/** Presses Tab until the focused element matches `selector` (keyboard only: no clicks). */
async function tabTo(page: Page, selector: string, limit = 120): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await active(page, `!!el?.matches(${JSON.stringify(selector)})`)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}
const EXT_SUBMIT = 'form[action$="/extension"] button[type=submit]';
const focusedId = (page: Page) => active(page, "el?.id ?? ''");
/** Replaces the focused box's text, as someone selecting it and typing would. */
async function retype(page: Page, text: string) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

it('an extension with the keyboard alone: three boxes, refusals beside the field, the check step, change, send', async () => {
  const page = agency;
  await page.goto(`${stack.baseUrl}/actions/${ids.extension}`);
  await tabTo(page, 'summary:has(#ext-h)');
  expect(await active(page, 'el?.textContent')).toContain('Ask for more time');
  await page.keyboard.press('Enter');
  const hint = await page.locator('#newDueDate-hint').innerText();
  expect(hint).toContain('It is due on 31 March 2027 now');
  expect(hint).toContain('For example, 27 3 2027');
  expect(await page.locator('input[type=date]').count()).toBe(0);
  await shot(page, 'issue22-extension-date-input');

  // 31 February does not exist.
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('newDueDate-day');
  await retype(page, '31');
  await page.keyboard.press('Tab');
  await retype(page, '2');
  await page.keyboard.press('Tab');
  await retype(page, '2027');
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('reason');
  await page.keyboard.type('The new patient records system goes live in the autumn.');
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('interimMeasures');
  await page.keyboard.type('Ward managers check every discharge plan by hand meanwhile.');
  await tabTo(page, EXT_SUBMIT);
  expect(await active(page, 'el?.textContent?.trim()')).toBe('Continue to check the request');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').waitFor();
  expect(await page.title()).toMatch(/^Error: /);
  const summaryLink = page.getByRole('alert').getByRole('link', { name: 'The new due date must be a real date' });
  expect(await summaryLink.getAttribute('href')).toBe('#newDueDate-day');
  expect(await page.locator('#newDueDate-error').innerText()).toContain('The new due date must be a real date');
  expect(await page.locator('#newDueDate-day').getAttribute('aria-invalid')).toBe('true');
  // What was typed is kept.
  expect(await page.locator('#newDueDate-day').inputValue()).toBe('31');
  expect(await page.locator('#reason').inputValue()).toContain('autumn');
  await shot(page, 'issue22-extension-date-refused');

  // The summary's link takes the keyboard to the day box; 1 March 2027 is before the due date.
  await tabTo(page, 'div[role=alert] a');
  await page.keyboard.press('Enter');
  await page.waitForFunction("document.activeElement?.id === 'newDueDate-day'");
  await retype(page, '1');
  await page.keyboard.press('Tab');
  await retype(page, '3');
  await tabTo(page, EXT_SUBMIT);
  await page.keyboard.press('Enter');
  await page.locator('#newDueDate-error').waitFor();
  expect(await page.locator('#newDueDate-error').innerText()).toContain(
    'The new due date must be after the current due date, 31 March 2027',
  );

  // 2 December 2027: the check step.
  await page.locator('#newDueDate-day').focus();
  await retype(page, '2');
  await page.keyboard.press('Tab');
  await retype(page, '12');
  await tabTo(page, EXT_SUBMIT);
  await page.keyboard.press('Enter');
  const heading = page.getByRole('heading', { level: 1 });
  await heading.waitFor();
  expect(await heading.innerText()).toBe('Move from 31 March to 2 December 2027: 8 months later?');
  expect(await page.locator('dl.check-answers').innerText()).toContain('Ward managers check every discharge plan');
  await shot(page, 'issue22-extension-check');
  // Nothing is sent before the person says yes.
  expect(
    await stack.db.db.select().from(extensionRequests).where(eq(extensionRequests.actionId, ids.extension)),
  ).toEqual([]);

  // "No, change the request": the form again, open, as typed.
  await tabTo(page, 'button[name=confirmed][value=change]');
  await page.keyboard.press('Enter');
  await page.locator('#newDueDate-day').waitFor();
  expect(await page.locator('#newDueDate-month').inputValue()).toBe('12');
  expect(await page.locator('#interimMeasures').inputValue()).toContain('by hand meanwhile');
  await tabTo(page, EXT_SUBMIT);
  expect(await active(page, 'el?.textContent?.trim()')).toBe('Continue to check the request');
  await page.keyboard.press('Enter');
  await heading.waitFor();
  expect(await heading.innerText()).toBe('Move from 31 March to 2 December 2027: 8 months later?');
  await tabTo(page, 'form[action$="/extension"] button.primary');
  expect(await active(page, 'el?.textContent?.trim()')).toBe('Yes, send the request to the board');
  await page.keyboard.press('Enter');
  await page.getByText('Extension requested.').waitFor();
  expect(await page.locator('main').innerText()).toContain('2 December 2027');
  const sent = await stack.db.db.select().from(extensionRequests).where(eq(extensionRequests.actionId, ids.extension));
  expect(sent.map((r) => dueOn(r.newDueDate))).toEqual(['2027-12-02']);
  await shot(page, 'issue22-extension-sent');
});

// A real PNG and a real PDF, made by the browser itself.
let png: Buffer;
let pdf: Buffer;

it('evidence: a link without https:// becomes a link, another scheme is refused beside the field', async () => {
  const page = agency;
  await page.goto(`${stack.baseUrl}/actions/${ids.evidence}`);
  png = await page.screenshot({ clip: { x: 0, y: 0, width: 600, height: 300 } });
  pdf = await page.pdf({ format: 'A4' });
  const files = [
    { name: 'ward-briefing.png', mimeType: 'image/png', buffer: png },
    { name: 'discharge-policy.pdf', mimeType: 'application/pdf', buffer: pdf },
    { name: 'attendance.txt', mimeType: 'text/plain', buffer: Buffer.from('Ward 3: 24 of 26 staff briefed.\n') },
  ];
  const statement = 'All ward staff briefed on the discharge safeguarding checklist; attendance attached.';
  await page.getByLabel('Progress statement').fill(statement);
  await page.getByLabel('Links (optional)').fill('www.bht.example/discharge-briefing\njavascript:alert(1)');
  await page.getByLabel('Files (optional)').setInputFiles(files);
  await page.getByRole('button', { name: 'Send evidence to the board' }).click();
  await page.locator('#links-error').waitFor();
  expect(await page.locator('#links-error').innerText()).toContain('must be a web address');
  expect(await page.locator('#links').getAttribute('aria-invalid')).toBe('true');
  await shot(page, 'issue22-evidence-link-refused');

  await page.getByLabel('Links (optional)').fill('www.bht.example/discharge-briefing');
  await page.getByLabel('Files (optional)').setInputFiles(files);
  await page.getByRole('button', { name: 'Send evidence to the board' }).click();
  await page.getByText('Evidence sent', { exact: false }).first().waitFor();

  // The board sends it back; the lead's resubmission starts from what was sent.
  await decideAction({ db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue }, boardActor, ids.evidence, {
    outcome: 'request_changes',
    comment: 'Please add the figures for the night staff.',
  });
  await page.goto(`${stack.baseUrl}/actions/${ids.evidence}`);
  await page.getByRole('heading', { name: 'Resubmit evidence' }).waitFor();
  expect(await page.locator('#statement').inputValue()).toBe(statement);
  expect(await page.locator('#links').inputValue()).toBe('https://www.bht.example/discharge-briefing');
  expect(await page.locator('#statement-hint').innerText()).toContain('starts as the statement you sent last time');
  await shot(page, 'issue22-resubmission-prefilled');
});

it('files: PDFs and images previewed in a sandboxed frame, other files download; no other page may frame', async () => {
  const page = board;
  const actionUrl = `${stack.baseUrl}/actions/${ids.evidence}`;
  const res = await page.goto(actionUrl);
  expect(res!.headers()['content-security-policy']).toContain("frame-src 'none'");
  const link = page.locator('article.evidence a[href="https://www.bht.example/discharge-briefing"]');
  expect(await link.count()).toBe(1);
  const previews = page.locator('article.evidence a[href$="/preview"]');
  const previewNames = (await previews.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).sort();
  expect(previewNames).toEqual(['Preview discharge-policy.pdf', 'Preview ward-briefing.png']);
  const txtHref = await page.locator('article.evidence a', { hasText: 'attendance.txt' }).getAttribute('href');

  await previews.filter({ hasText: 'ward-briefing.png' }).click();
  await page.getByRole('heading', { name: 'ward-briefing.png' }).waitFor();
  const frame = page.locator('iframe.preview');
  expect(await frame.getAttribute('sandbox')).toBe('');
  expect(await frame.getAttribute('title')).toBe('Preview of ward-briefing.png');
  await shot(page, 'issue22-file-preview-image');
  const previewRes = await page.request.get(page.url());
  expect(previewRes.headers()['content-security-policy']).toContain("frame-src 'self'");

  const src = `${stack.baseUrl}${await frame.getAttribute('src')}`;
  const inline = await page.request.get(src);
  expect(inline.status()).toBe(200);
  expect(inline.headers()['content-type']).toBe('image/png');
  expect(inline.headers()['content-disposition']).toMatch(/^inline;/);
  expect(inline.headers()['content-security-policy']).toContain('sandbox');
  expect(inline.headers()['content-security-policy']).toContain("frame-ancestors 'self'");
  expect(Buffer.from(await inline.body()).equals(png)).toBe(true);

  await page.goto(actionUrl);
  await previews.filter({ hasText: 'discharge-policy.pdf' }).click();
  await page.getByRole('heading', { name: 'discharge-policy.pdf' }).waitFor();
  // Chromium shows no PDF in a frame with the sandbox attribute: the PDF's own policy sandboxes it.
  expect(await page.locator('iframe.preview').getAttribute('sandbox')).toBeNull();
  const pdfSrc = `${stack.baseUrl}${await page.locator('iframe.preview').getAttribute('src')}`;
  const pdfInline = await page.request.get(pdfSrc);
  expect(pdfInline.headers()['content-type']).toBe('application/pdf');
  expect(pdfInline.headers()['content-disposition']).toMatch(/^inline;/);
  expect(pdfInline.headers()['content-security-policy']).toMatch(/(^|; )sandbox(;|$)/);
  await shot(page, 'issue22-file-preview-pdf');

  // A text file is never shown inline: its "inline" address still downloads, its preview goes to the download.
  const txtInline = await page.request.get(`${stack.baseUrl}${txtHref}/inline`);
  expect(txtInline.headers()['content-disposition']).toMatch(/^attachment;/);
  const txtPreview = await page.request.get(`${stack.baseUrl}${txtHref}/preview`, { maxRedirects: 0 });
  expect(txtPreview.status()).toBe(303);
  expect(txtPreview.headers().location).toBe(txtHref);
  const download = await page.request.get(`${stack.baseUrl}${txtHref}`);
  expect(download.headers()['content-disposition']).toMatch(/^attachment;/);
});

it('the list’s search box finds by statement words; the dashboard’s bars open the filtered list; the RAG key', async () => {
  const page = board;
  await page.goto(`${stack.baseUrl}/actions`);
  await page.getByLabel('Search').fill('night staff');
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL(/[?&]q=night\+staff/);
  // "night staff" is only in the board's comment, not a statement: nothing.
  expect(await page.getByRole('status').innerText()).toContain('No actions match “night staff”');
  await page.getByLabel('Search').fill('checklist');
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL(/[?&]q=checklist/);
  const rows = page.locator('main table tbody tr');
  expect(await rows.count()).toBe(1);
  expect(await rows.first().innerText()).toContain('Brief ward staff on discharge safeguarding');
  expect(await page.getByLabel('Search').inputValue()).toBe('checklist');
  await shot(page, 'issue22-actions-search');

  await page.goto(`${stack.baseUrl}/dashboard`);
  expect(await page.locator('details.rag-key summary').innerText()).toContain('What the RAG badges mean');
  const bar = page.locator('svg.linked-chart a[href="/actions?agency=TVP&rag=green"]');
  expect(await bar.getAttribute('aria-label')).toBe('TVP: 1 green, show these actions');
  await shot(page, 'issue22-dashboard-linked-bars');
  await bar.click();
  await page.waitForURL(/\/actions\?agency=TVP&rag=green$/);
  const listed = await page.locator('main table tbody tr').allInnerTexts();
  expect(listed).toHaveLength(1);
  expect(listed[0]).toContain('Share custody records with health visitors');
});

it('the board papers’ period: date inputs on the page, a date that does not exist refused by name', async () => {
  const page = board;
  await page.goto(`${stack.baseUrl}/papers`);
  const from = page.getByRole('group', { name: 'From (inclusive)' });
  expect(await from.locator('.hint').innerText()).toContain('For example, 27 3 2027');
  expect(await page.locator('input[type=date]').count()).toBe(0);
  await shot(page, 'issue22-papers-date-inputs');
  const res = await page.goto(
    `${stack.baseUrl}/papers/period?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=7&to-year=2026&format=html`,
  );
  expect(res!.status()).toBe(400);
  expect(await page.locator('main').innerText()).toContain('The first day of the period must be a real date');
});
