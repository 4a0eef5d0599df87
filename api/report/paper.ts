import type { PaperStamp } from './stamp';
import { formatDay } from '../../lib/board-time';

/**
 * A board paper as the formats see it: headings, paragraphs and tables in reading order. The
 * statement and the period report are each turned into one of these once, and every format
 * (Word, PDF, spreadsheet, printable HTML) renders the same blocks, so they cannot disagree.
 */
export type PaperBlock =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; name: string; columns: PaperColumn[]; rows: string[][]; empty?: string };

export interface PaperColumn {
  title: string;
  /** Relative width; the renderers share out the page width in these proportions. */
  weight: number;
}

export interface Paper {
  title: string;
  /** Short name for file names and spreadsheet tabs. */
  fileName: string;
  blocks: PaperBlock[];
}

/** The closing lines every published copy carries (the last page of a Word or PDF pack). */
export function stampLines(stamp: PaperStamp): [string, string][] {
  return [
    ['Generated', stamp.generatedAt],
    ['Data as of', stamp.asOf],
    [
      'Audit chain head',
      stamp.auditHead ? `${stamp.auditHead.hash} (event ${stamp.auditHead.id})` : 'no events recorded yet',
    ],
    ['To verify', stamp.auditHead ? `npm run audit:verify -- --head ${stamp.auditHead.hash}` : 'nothing to verify'],
  ];
}

export const col = (title: string, weight = 1): PaperColumn => ({ title, weight });

/** ISO day, for file names and CSV cells a spreadsheet should read as dates. */
export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '');
/** A day as people read it in the packs: in the board's zone, written the UK way ("31 January 2027"). */
export const shownDay = (iso: string | null | undefined) => (iso ? formatDay(iso) : '');

export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'report';
}
