import { escapeHtml as esc } from '../../domain/text';
import { stampLines, type Paper } from './paper';
import type { PaperStamp } from './stamp';

const lines = (s: string) => esc(s).replace(/\n/g, '<br>');

const CSS = `
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #888;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#e7e6e6}
.board{color:#555;text-align:right;margin:0}.record dt{font-weight:bold}.record dd{margin:0 0 .3rem;font-family:monospace;word-break:break-all}
@media print{@page{size:A4;margin:16mm 14mm}body{max-width:none;margin:0;font-size:10pt}thead{display:table-header-group}tr{break-inside:avoid}.record{break-before:page}}`;

/** The paper as one printable page (the browser's print gives the same pack as the PDF). */
export function renderPaperHtml(paper: Paper, stamp: PaperStamp): string {
  const body = paper.blocks
    .map((b) => {
      if (b.kind === 'heading') return `<h${b.level}>${esc(b.text)}</h${b.level}>`;
      if (b.kind === 'paragraph') return `<p>${lines(b.text)}</p>`;
      if (!b.rows.length) return `<p>${esc(b.empty ?? 'None.')}</p>`;
      return `<table><thead><tr>${b.columns.map((c) => `<th scope="col">${esc(c.title)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((v) => `<td>${lines(v)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    })
    .join('\n');
  const record = stampLines(stamp)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(paper.title)}</title><style>${CSS}</style></head>
<body><p class="board">${esc(stamp.boardName)}</p>
${body}
<section class="record"><h2>Publication record</h2><dl>${record}</dl></section>
</body></html>`;
}
