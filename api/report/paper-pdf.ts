import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { stampLines, type Paper, type PaperBlock } from './paper';
import type { PaperStamp } from './stamp';

/**
 * DejaVu (the npm package dejavu-fonts-ttf; Bitstream Vera licence, free to embed), embedded and
 * subset by pdfkit: the standard PDF fonts cover Windows-1252 only, and a board's people and
 * places are also Polish, Welsh (ŵ, ŷ), Vietnamese, Greek, Cyrillic. Read once per process.
 */
const fontFile = (name: string) => fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}.ttf`));
let fonts: { body: Buffer; bold: Buffer; mono: Buffer } | undefined;
const FONT = { body: 'DejaVuSans', bold: 'DejaVuSans-Bold', mono: 'DejaVuSansMono' } as const;

function registerFonts(doc: PDFKit.PDFDocument): void {
  fonts ??= { body: fontFile('DejaVuSans'), bold: fontFile('DejaVuSans-Bold'), mono: fontFile('DejaVuSansMono') };
  doc.registerFont(FONT.body, fonts.body);
  doc.registerFont(FONT.bold, fonts.bold);
  doc.registerFont(FONT.mono, fonts.mono);
}

/**
 * Control characters (which have no glyph and would upset the layout) become "?"; every other
 * character is drawn, and one DejaVu lacks (CJK, for one) shows as the font's empty box, never as
 * another letter.
 */
export function pdfSafe(text: string): string {
  return [...text].map((ch) => (ch === '\n' || !/[\p{Cc}\p{Cs}]/u.test(ch) ? ch : '?')).join('');
}

const SIZES = { 1: 17, 2: 13.5, 3: 11.5 } as const;
const MARGIN = 50;

function drawTable(doc: PDFKit.PDFDocument, b: Extract<PaperBlock, { kind: 'table' }>): void {
  if (!b.rows.length) {
    doc
      .font(FONT.body)
      .fontSize(9.5)
      .text(pdfSafe(b.empty ?? 'None.'));
    doc.moveDown(0.6);
    return;
  }
  const width = doc.page.width - 2 * MARGIN;
  const total = b.columns.reduce((n, c) => n + c.weight, 0);
  doc.x = MARGIN;
  // Cells without a font of their own take the document's current one: set it, not the last heading's.
  doc.font(FONT.body).fontSize(8.5);
  doc.table({
    position: { x: MARGIN },
    columnStyles: b.columns.map((c) => (width * c.weight) / total),
    defaultStyle: {
      padding: 3,
      border: 0.5,
      borderColor: '#888888',
      font: { family: FONT.body, size: 8.5 },
    } as PDFKit.Mixins.CellStyle,
    data: [
      b.columns.map((c) => ({
        text: pdfSafe(c.title),
        type: 'TH' as const,
        backgroundColor: '#e7e6e6',
        font: { family: FONT.bold, size: 8.5 },
      })),
      ...b.rows.map((row) => row.map((v) => ({ text: pdfSafe(v), font: { family: FONT.body, size: 8.5 } }))),
    ],
  });
  doc.x = MARGIN;
  doc.moveDown(0.8);
}

/**
 * A PDF made in pure JavaScript (no browser on the server): the same blocks as the Word pack,
 * the board's name at the top of each page, "Page n of m" at the foot, and the publication record
 * on its own last page.
 */
export function renderPdf(paper: Paper, stamp: PaperStamp): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN + 14, bottom: MARGIN + 6, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: pdfSafe(paper.title), Author: pdfSafe(stamp.boardName), CreationDate: new Date(stamp.generatedAt) },
  });
  registerFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  for (const b of paper.blocks) {
    if (b.kind === 'heading') {
      if (b.level === 2 && doc.y > doc.page.height - 160) doc.addPage();
      doc.moveDown(b.level === 1 ? 0 : 0.6);
      doc.font(FONT.bold).fontSize(SIZES[b.level]).text(pdfSafe(b.text), MARGIN);
      doc.moveDown(0.3);
    } else if (b.kind === 'paragraph') {
      doc.font(FONT.body).fontSize(10).text(pdfSafe(b.text), MARGIN, undefined, { align: 'left' });
      doc.moveDown(0.5);
    } else drawTable(doc, b);
  }

  doc.addPage();
  doc.font(FONT.bold).fontSize(SIZES[2]).text('Publication record', MARGIN);
  doc.moveDown(0.4);
  for (const [k, v] of stampLines(stamp)) {
    doc.font(FONT.bold).fontSize(10).text(`${k}: `, { continued: true });
    doc.font(k === 'Audit chain head' || k === 'To verify' ? FONT.mono : FONT.body).text(pdfSafe(v));
  }

  // Running header and footer, written once every page exists so "of m" is known.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { top, bottom } = doc.page.margins;
    doc.page.margins.top = 0;
    doc.page.margins.bottom = 0;
    doc.font(FONT.body).fontSize(8.5).fillColor('#555555');
    doc.text(pdfSafe(stamp.boardName), MARGIN, 28, {
      width: doc.page.width - 2 * MARGIN,
      align: 'right',
      lineBreak: false,
    });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, MARGIN, doc.page.height - 36, {
      width: doc.page.width - 2 * MARGIN,
      align: 'center',
      lineBreak: false,
    });
    doc.fillColor('black');
    doc.page.margins.top = top;
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
