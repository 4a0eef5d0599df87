/**
 * The progress sheet page in Chromium on the real stack: an agency's safeguarding lead opens a
 * review, downloads the sheet, fills in one row, and uploads it; a bad file shows every problem
 * by row and column and sends nothing; the board sees the page without the upload form. Each
 * state is checked with axe (WCAG 2.2 AA) and photographed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, users } from '../../db/schema';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BHT = 'safeguarding.lead@bht.example';
const BOARD = 'business.manager@board.example';

let stack: WebStack;
let ctx: BrowserContext;
let page: Page;
let reviewId: string;
let actionIds: Record<string, string>;

beforeAll(async () => {
  stack = await startWebStack('websheet');
  const { db } = stack.db;
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  const { review } = await createReview(deps, stack.adminActor, {
    reference: 'SCR-SHEET',
    title: 'Serious Case Review: Child S',
    policy: { acknowledgeWithin: 'P30D', remindBefore: [], stallAfter: 'P30D', boardDecisionWithin: 'P30D' },
    recommendations: [
      {
        number: '1',
        text: 'Discharge planning includes the safeguarding team',
        actions: [
          { agencyCode: 'BHT', title: 'Rewrite the discharge checklist', dueDate: '2040-03-31' },
          { agencyCode: 'BHT', title: 'Train ward sisters', dueDate: '2040-06-30' },
          { agencyCode: 'TVP', title: 'Attend discharge meetings', dueDate: '2040-06-30' },
        ],
      },
    ],
  });
  reviewId = review.id;
  actionIds = Object.fromEntries(review.recommendations[0].actions.map((a) => [a.reference, a.id]));
  const [bht] = await db.select().from(users).where(eq(users.email, BHT));
  const actor = { userId: bht.id, role: 'agency' as const, agencyId: bht.agencyId, name: bht.name };
  for (const ref of ['1.1', '1.2']) await acknowledgeAction(deps, actor, actionIds[ref]);
  ctx = await stack.browser.newContext({ acceptDownloads: true });
  page = await signIn(stack, ctx, BHT);
});

afterAll(async () => {
  await ctx?.close();
  await stack?.stop();
});

async function downloadSheet(): Promise<ExcelJS.Workbook> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /^Download the progress sheet for SCR-SHEET/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('SCR-SHEET-progress-sheet.xlsx');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync((await download.path())!) as unknown as ArrayBuffer);
  return wb;
}

async function choose(wb: ExcelJS.Workbook, name: string): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sheet-')), name);
  fs.writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer()));
  await page.getByLabel('Filled-in progress sheet (.xlsx)').setInputFiles(file);
  await page.getByRole('button', { name: 'Send the progress updates' }).click();
}

it('an agency downloads the sheet from the review page, fills one row in and uploads it', async () => {
  await page.goto(`${stack.baseUrl}/reviews/${reviewId}`);
  await page.getByRole('link', { name: 'Progress sheet (Excel) for SCR-SHEET' }).click();
  await page.getByRole('heading', { name: 'Progress sheet: SCR-SHEET', level: 1 }).waitFor();
  await shot(page, 'progress-sheet-agency');

  const wb = await downloadSheet();
  const ws = wb.getWorksheet('Actions')!;
  // The agency's own rows only.
  expect([ws.getCell('C2').value, ws.getCell('C3').value, ws.getCell('C4').value]).toEqual(['1.1', '1.2', null]);
  ws.getCell('N2').value = 'Checklist rewritten; the safeguarding team signs every complex discharge';
  await choose(wb, 'progress.xlsx');
  await page.getByRole('heading', { name: '1 update sent to the board' }).waitFor();
  await page.getByRole('cell', { name: '1.1', exact: true }).waitFor();
  await shot(page, 'progress-sheet-sent');
  const [row] = await stack.db.db.select().from(actions).where(eq(actions.id, actionIds['1.1']));
  expect(row.status).toBe('under_review');
});

it('a bad file: every problem by row and column, nothing sent, the form again', async () => {
  await page.goto(`${stack.baseUrl}/reviews/${reviewId}/progress-sheet`);
  const wb = await downloadSheet();
  const ws = wb.getWorksheet('Actions')!;
  ws.getCell('N3').value = 'Wards 1 and 2 trained';
  ws.getCell('B3').value = 'latest';
  await choose(wb, 'bad.xlsx');
  await page.getByRole('heading', { name: 'Nothing was sent: 1 problem in the file' }).waitFor();
  await page.getByRole('cell', { name: '"latest" is not a version number' }).waitFor();
  await shot(page, 'progress-sheet-problems');
  const [row] = await stack.db.db.select().from(actions).where(eq(actions.id, actionIds['1.2']));
  expect(row.status).toBe('in_progress');
});

it('the board sees the sheet and no upload form', async () => {
  const boardCtx = await stack.browser.newContext({ acceptDownloads: true });
  try {
    const board = await signIn(stack, boardCtx, BOARD);
    await board.goto(`${stack.baseUrl}/reviews/${reviewId}/progress-sheet`);
    await board.getByRole('heading', { name: 'Progress sheet: SCR-SHEET', level: 1 }).waitFor();
    expect(await board.getByRole('button', { name: 'Send the progress updates' }).count()).toBe(0);
    await board.getByRole('link', { name: /3 actions/ }).waitFor();
    await shot(board, 'progress-sheet-board');
  } finally {
    await boardCtx.close();
  }
});
