/**
 * The board papers page in Chromium: the business manager signs in, opens Board papers, and
 * downloads the quarter's pack as Word and PDF and the yearly extract as a spreadsheet; each
 * download is opened and checked, and the PDF's first page is rendered to PNG beside the page shots.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { PDFParse } from 'pdf-parse';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { agencies } from '../../db/schema';
import { QUARTER, seedBoardPapers } from '../api/board-papers-fixture';
import { SHOTS, shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

let stack: WebStack;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  stack = await startWebStack('webpapers');
  const ids = Object.fromEntries((await stack.db.db.select().from(agencies)).map((a) => [a.code, a.id]));
  await seedBoardPapers(stack.db.db, ids);
  ctx = await stack.browser.newContext({ acceptDownloads: true });
  page = await signIn(stack, ctx, 'business.manager@board.example');
});

afterAll(async () => {
  await ctx?.close();
  await stack?.stop();
});

const saved = async (d: Download) => fs.readFileSync((await d.path())!);

async function quarterPack(format: 'docx' | 'pdf'): Promise<{ name: string; bytes: Buffer }> {
  await page.goto(`${stack.baseUrl}/papers`);
  // Issue 22: GOV.UK date inputs (day, month, year).
  for (const [legend, day] of [
    ['From (inclusive)', QUARTER.from],
    ['To (not included)', QUARTER.to],
  ] as const) {
    const [y, m, d] = day.slice(0, 10).split('-');
    const group = page.getByRole('group', { name: legend });
    await group.getByLabel('Day').fill(String(Number(d)));
    await group.getByLabel('Month').fill(String(Number(m)));
    await group.getByLabel('Year').fill(y);
  }
  await page.getByLabel('Format').selectOption(format);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Make the pack' }).click(),
  ]);
  return { name: download.suggestedFilename(), bytes: await saved(download) };
}

it('the board papers page offers the quarter packs, the yearly extract and each statement', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board papers' }).click();
  await page.getByRole('heading', { name: 'Board papers', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Yearly report extract' }).waitFor();
  expect(await page.getByRole('link', { name: /^Word: / }).count()).toBe(4);
  expect(await page.getByRole('link', { name: 'Spreadsheet (xlsx)' }).count()).toBe(2);
  await shot(page, 'papers-page');
  await page.getByRole('link', { name: 'Thresholds and escalation' }).click();
  await page.getByRole('heading', { name: 'Thresholds and escalation: open actions in every review' }).waitFor();
  expect(await page.getByRole('row').count()).toBe(2);
  await page.getByRole('cell', { name: /Threshold training for all social workers/ }).waitFor();
});

it("downloads the quarter's pack as Word: the sections and rows of the period", async () => {
  const { name, bytes } = await quarterPack('docx');
  expect(name).toBe('board-report-2026-04-01-to-2026-06-30.docx');
  const xml = await (await JSZip.loadAsync(bytes)).file('word/document.xml')!.async('string');
  const text = xml.replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '');
  expect(text).toContain('Board report for the period 1 April 2026 to 30 June 2026');
  expect(text).toContain('Decisions taken');
  expect(text).toContain('Police no longer attend health meetings; replaced by a written report.');
});

it("downloads the quarter's pack as PDF, rendered to an image of its first page", async () => {
  const { name, bytes } = await quarterPack('pdf');
  expect(name).toBe('board-report-2026-04-01-to-2026-06-30.pdf');
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    expect(text).toContain('Board report for the period 1 April 2026 to 30 June 2026');
    expect(text).toContain('Records system replacement');
    const png = await parser.getScreenshot({ partial: [1], scale: 1.5 });
    const first = Buffer.from(png.pages[0].data);
    expect(first.subarray(1, 4).toString()).toBe('PNG');
    fs.writeFileSync(path.join(SHOTS, 'papers-quarter-pack-pdf-page1.png'), first);
  } finally {
    await parser.destroy();
  }
});

it('downloads the yearly extract as xlsx with its figures', async () => {
  await page.goto(`${stack.baseUrl}/papers`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Spreadsheet (xlsx)' }).first().click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^yearly-extract-\d{4}-04-01-to-\d{4}-03-31\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await saved(download)) as unknown as ArrayBuffer);
  expect(wb.worksheets.map((w) => w.name)).toEqual([
    'Figures',
    'Reviews',
    'By agency',
    'Not implemented',
    'Chair escalations',
    'Publication record',
  ]);
  expect(wb.getWorksheet('Figures')!.getCell('A2').value).toBe('Reviews carried');
});
