/**
 * Builds scr-baby-m-action-plan.xlsx from the CSV next to it, so the two example files never
 * drift: `npx tsx examples/make-xlsx.ts`. Target dates become real date cells, as a board's
 * own spreadsheet would have them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

export async function csvToXlsx(csv: string): Promise<Buffer> {
  const [header, ...rows] = parse(csv, { bom: true }) as string[][];
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Action plan');
  ws.addRow(header).font = { bold: true };
  const dateCol = header.findIndex((h) => /target date/i.test(h));
  for (const r of rows)
    ws.addRow(r.map((v, i) => (i === dateCol && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : v)));
  ws.getColumn(dateCol + 1).numFmt = 'dd/mm/yyyy';
  ws.columns.forEach((c, i) => (c.width = [14, 50, 60, 16, 40, 14][i] ?? 20));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

if (require.main === module) {
  const dir = __dirname;
  void csvToXlsx(fs.readFileSync(path.join(dir, 'scr-baby-m-action-plan.csv'), 'utf8')).then((buf) =>
    fs.writeFileSync(path.join(dir, 'scr-baby-m-action-plan.xlsx'), buf),
  );
}
