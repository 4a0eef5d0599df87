/**
 * The progress sheet page in Chromium on the real stack: an agency's safeguarding lead opens a
 * review, downloads the sheet, fills in one row (with percent complete and its own RAG), and
 * uploads it: the row becomes a progress update on its action, whose stage stays; a bad file shows
 * every problem by row and column and sends nothing; the board uploads a sheet an agency sent it,
 * recorded as the board member's for the agency. Each state is photographed (axe in front-door).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, progressUpdates, users } from '../../db/schema';
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
  ws.getCell('O2').value = 60;
  ws.getCell('P2').value = 'green';
  ws.getCell('Q2').value = 'On plan for March';
  await choose(wb, 'progress.xlsx');
  await page.getByRole('heading', { name: '1 progress update recorded' }).waitFor();
  await page.getByRole('cell', { name: '1.1', exact: true }).waitFor();
  await shot(page, 'progress-sheet-sent');
  // A progress update, not a statement to the board: the stage stays, the action page shows it.
  const [row] = await stack.db.db.select().from(actions).where(eq(actions.id, actionIds['1.1']));
  expect(row.status).toBe('in_progress');
  const [update] = await stack.db.db
    .select()
    .from(progressUpdates)
    .where(eq(progressUpdates.actionId, actionIds['1.1']));
  expect(update).toMatchObject({ percentComplete: 60, rag: 'green', ragReason: 'On plan for March' });
  await page.goto(`${stack.baseUrl}/actions/${actionIds['1.1']}`);
  await page
    .getByText(/Checklist rewritten; the safeguarding team signs every complex discharge \(60% complete\)/)
    .waitFor();
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

it("the board uploads a sheet an agency sent it: recorded as the board member's, for the agency", async () => {
  // BHT's lead downloads the sheet and fills in 1.2; the board's business manager uploads it.
  await page.goto(`${stack.baseUrl}/reviews/${reviewId}/progress-sheet`);
  const wb = await downloadSheet();
  wb.getWorksheet('Actions')!.getCell('N3').value = 'Ward sisters on wards 1-3 trained';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sheet-')), 'bht-progress.xlsx');
  fs.writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer()));
  const boardCtx = await stack.browser.newContext({ acceptDownloads: true });
  try {
    const board = await signIn(stack, boardCtx, BOARD);
    await board.goto(`${stack.baseUrl}/reviews/${reviewId}/progress-sheet`);
    await board.getByRole('heading', { name: 'Progress sheet: SCR-SHEET', level: 1 }).waitFor();
    await board.getByRole('link', { name: /3 actions/ }).waitFor();
    await board.getByText(/Upload a sheet an agency sent you/).waitFor();
    await shot(board, 'progress-sheet-board');
    await board.getByLabel('Filled-in progress sheet (.xlsx)').setInputFiles(file);
    await board.getByRole('button', { name: 'Send the progress updates' }).click();
    await board.getByRole('heading', { name: '1 progress update recorded' }).waitFor();
    await board.getByRole('cell', { name: 'BHT', exact: true }).waitFor();
    await shot(board, 'progress-sheet-board-sent');
    const [boardUser] = await stack.db.db.select().from(users).where(eq(users.email, BOARD));
    const [update] = await stack.db.db
      .select()
      .from(progressUpdates)
      .where(eq(progressUpdates.actionId, actionIds['1.2']));
    expect(update).toMatchObject({ statement: 'Ward sisters on wards 1-3 trained', submittedBy: boardUser.id });
    // The action's history names the board member, for the agency.
    await board.goto(`${stack.baseUrl}/actions/${actionIds['1.2']}`);
    await board.getByText(`${boardUser.name} for BHT`).first().waitFor();
  } finally {
    await boardCtx.close();
  }
});
