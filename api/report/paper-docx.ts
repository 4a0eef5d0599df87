import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  HeadingLevel,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { stampLines, type Paper, type PaperBlock } from './paper';
import type { PaperStamp } from './stamp';

const HEADING = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const;
/** A4 with 2 cm margins: the text width in twentieths of a point, which Word's tables measure in. */
const TEXT_WIDTH_TWIPS = 9638;

/** Line breaks inside a cell or paragraph become Word line breaks, not lost whitespace. */
function runs(text: string, bold = false): TextRun[] {
  return text.split('\n').map((line, i) => new TextRun({ text: line, bold, break: i > 0 ? 1 : undefined }));
}

const cellBorder = { style: BorderStyle.SINGLE, size: 4, color: '888888' };

function table(b: Extract<PaperBlock, { kind: 'table' }>): (Table | Paragraph)[] {
  if (!b.rows.length) return [new Paragraph({ children: runs(b.empty ?? 'None.') })];
  const total = b.columns.reduce((n, c) => n + c.weight, 0);
  const widths = b.columns.map((c) => Math.round((TEXT_WIDTH_TWIPS * c.weight) / total));
  const cell = (text: string, i: number, header: boolean) =>
    new TableCell({
      width: { size: widths[i], type: WidthType.DXA },
      borders: { top: cellBorder, bottom: cellBorder, left: cellBorder, right: cellBorder },
      shading: header ? { type: ShadingType.CLEAR, color: 'auto', fill: 'E7E6E6' } : undefined,
      children: [new Paragraph({ children: runs(text, header) })],
    });
  return [
    new Table({
      width: { size: TEXT_WIDTH_TWIPS, type: WidthType.DXA },
      columnWidths: widths,
      rows: [
        // Repeated at the top of every page the table runs onto, as a clerk would format it.
        new TableRow({ tableHeader: true, children: b.columns.map((c, i) => cell(c.title, i, true)) }),
        ...b.rows.map((row) => new TableRow({ cantSplit: true, children: row.map((v, i) => cell(v, i, false)) })),
      ],
    }),
    new Paragraph({}),
  ];
}

/**
 * A Word document a committee clerk can paste into board papers: real headings (so the
 * navigation pane and a table of contents work), a table per section, the board's name in the
 * page header, page numbers in the footer, and the publication record on the last page.
 */
export async function renderDocx(paper: Paper, stamp: PaperStamp): Promise<Buffer> {
  const body: (Paragraph | Table)[] = [];
  for (const b of paper.blocks) {
    if (b.kind === 'heading') body.push(new Paragraph({ heading: HEADING[b.level], children: runs(b.text) }));
    else if (b.kind === 'paragraph') body.push(new Paragraph({ children: runs(b.text), spacing: { after: 120 } }));
    else body.push(...table(b));
  }
  body.push(
    new Paragraph({ heading: HeadingLevel.HEADING_2, pageBreakBefore: true, children: runs('Publication record') }),
  );
  for (const [k, v] of stampLines(stamp))
    body.push(
      new Paragraph({
        children: [
          new TextRun({ text: `${k}: `, bold: true }),
          new TextRun({ text: v, font: k === 'Audit chain head' || k === 'To verify' ? 'Consolas' : undefined }),
        ],
      }),
    );

  const doc = new Document({
    creator: stamp.boardName,
    title: paper.title,
    description: `Generated ${stamp.generatedAt}; data as of ${stamp.asOf}`,
    styles: { default: { document: { run: { font: 'Arial', size: 21 } } } },
    sections: [
      {
        properties: {
          page: { size: { width: 11906, height: 16838 }, margin: { top: 1134, bottom: 1134, left: 1134, right: 1134 } },
        },
        headers: {
          default: new Header({
            children: [
              new Paragraph({
                alignment: AlignmentType.RIGHT,
                children: [new TextRun({ text: stamp.boardName, color: '555555' })],
              }),
            ],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [
                  new TextRun({
                    children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES],
                    color: '555555',
                  }),
                ],
              }),
            ],
          }),
        },
        children: body,
      },
    ],
  });
  return Packer.toBuffer(doc);
}
