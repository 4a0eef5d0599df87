import ExcelJS from 'exceljs';
import { stampLines, type Paper } from './paper';
import type { PaperStamp } from './stamp';

/** Excel refuses these in a sheet name, and names longer than 31 characters. */
const sheetName = (name: string, taken: Set<string>) => {
  const base = name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 28) || 'Sheet';
  let n = base;
  for (let i = 2; taken.has(n.toLowerCase()); i++) n = `${base} ${i}`;
  taken.add(n.toLowerCase());
  return n;
};

/** A cell a spreadsheet would run as a formula is stored as text with a leading '. */
export const sheetText = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

/** Each table of the paper on a sheet of its own (filters and a frozen heading row), and the publication record last. */
export async function renderXlsx(paper: Paper, stamp: PaperStamp): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = stamp.boardName;
  wb.created = new Date(stamp.generatedAt);
  wb.title = paper.title;
  const taken = new Set<string>();
  for (const b of paper.blocks) {
    if (b.kind !== 'table') continue;
    const ws = wb.addWorksheet(sheetName(b.name, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = b.columns.map((c) => ({ header: c.title, width: Math.round(10 + c.weight * 12) }));
    ws.getRow(1).font = { bold: true };
    for (const row of b.rows) ws.addRow(row.map(sheetText));
    ws.eachRow((r) => (r.alignment = { vertical: 'top', wrapText: true }));
    if (b.rows.length) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: b.columns.length } };
  }
  const rec = wb.addWorksheet(sheetName('Publication record', taken));
  rec.columns = [{ width: 20 }, { width: 90 }];
  rec.addRow([paper.title]).font = { bold: true };
  rec.addRow(['Board', stamp.boardName]);
  for (const [k, v] of stampLines(stamp)) rec.addRow([k, v]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
