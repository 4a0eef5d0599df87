/**
 * The PDF pack draws names beyond Windows-1252 (the standard PDF fonts' limit) with an embedded
 * Unicode font: Polish, Welsh, Vietnamese, Greek and Cyrillic come out of the PDF as they went in.
 */
import { PDFParse } from 'pdf-parse';
import { pdfSafe, renderPdf } from '../../api/report/paper-pdf';
import type { Paper } from '../../api/report/paper';

const NAMES = [
  'Łódź Family Support: Zażółć gęślą jaźń',
  'Dŵr Cymru Welsh Water, Tŷ Hywel, Ŷnys Môn',
  'Nguyễn Thị Minh Khai, Đặng Văn Ngữ',
  'Σύνδεσμος Ελλήνων, Служба опеки',
];

const paper: Paper = {
  title: 'Progress of Ysgol Gymraeg Bro Ŵyn',
  fileName: 'unicode',
  blocks: [
    { kind: 'heading', level: 1, text: 'Agency: Cyngor Sir Ynys Môn — Łukasz Wróbel' },
    { kind: 'paragraph', text: NAMES.join('; ') },
    {
      kind: 'table',
      name: 'Actions',
      columns: [
        { title: 'Owner', weight: 1 },
        { title: 'Statement', weight: 2 },
      ],
      rows: NAMES.map((n, i) => [n, `Statement ${i + 1}: ${n}`]),
    },
  ],
};

it('renders names outside Windows-1252 with an embedded font, and they extract as written', async () => {
  const pdf = await renderPdf(paper, {
    boardName: 'Bwrdd Diogelu Gogledd Cymru (Ŵ)',
    generatedAt: '2026-11-29T20:00:00.000Z',
    asOf: '2026-11-29T20:00:00.000Z',
    auditHead: null,
  });
  expect(pdf.includes(Buffer.from('/FontFile2'))).toBe(true);
  expect(pdf.includes(Buffer.from('Helvetica'))).toBe(false);
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    expect(text).not.toContain('?');
    for (const n of NAMES) expect(text).toContain(`Statement ${NAMES.indexOf(n) + 1}: ${n}`);
    expect(text).toContain('Agency: Cyngor Sir Ynys Môn — Łukasz Wróbel');
    expect(text).toContain('Bwrdd Diogelu Gogledd Cymru (Ŵ)');
  } finally {
    await parser.destroy();
  }
});

it('only control characters are replaced', () => {
  expect(pdfSafe('Dŵr\u0007 Łódź\nNguyễn\u0085')).toBe('Dŵr? Łódź\nNguyễn?');
});
