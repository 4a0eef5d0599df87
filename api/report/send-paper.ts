import type { Response } from 'express';
import { renderDocx } from './paper-docx';
import { renderPaperHtml } from './paper-html';
import { renderPdf } from './paper-pdf';
import { renderXlsx } from './paper-xlsx';
import type { Paper } from './paper';
import type { PaperStamp } from './stamp';

export const PAPER_FORMATS = ['docx', 'pdf', 'xlsx', 'html'] as const;
export type PaperFormat = (typeof PAPER_FORMATS)[number];

export const MEDIA_TYPE: Record<PaperFormat, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
};

export async function renderPaper(format: PaperFormat, paper: Paper, stamp: PaperStamp): Promise<Buffer> {
  if (format === 'docx') return renderDocx(paper, stamp);
  if (format === 'pdf') return renderPdf(paper, stamp);
  if (format === 'xlsx') return renderXlsx(paper, stamp);
  return Buffer.from(renderPaperHtml(paper, stamp), 'utf8');
}

/** Sends a paper as a download (html is shown, under a policy that runs nothing). */
export async function sendPaper(res: Response, format: PaperFormat, paper: Paper, stamp: PaperStamp): Promise<void> {
  const bytes = await renderPaper(format, paper, stamp);
  res.setHeader('Content-Type', MEDIA_TYPE[format]);
  res.setHeader('Cache-Control', 'no-store');
  if (format === 'html') res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  else res.setHeader('Content-Disposition', `attachment; filename="${paper.fileName}.${format}"`);
  res.status(200).send(bytes);
}
