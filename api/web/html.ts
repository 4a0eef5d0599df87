/**
 * A tiny HTML builder: every interpolated value is escaped unless it is already `Html` (built by
 * this tag), so user content can never inject markup. No template engine, no build step.
 */
import { dueOn, formatDateTime, formatDay } from '../../lib/board-time';
import { escapeHtml as esc } from '../../domain/text';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false || p === true) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return esc(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** For markup built here from trusted constants only (SVG paths, CSS). */
export const raw = (s: string): Html => new Html(s);

/** "31 January 2027": the local day in the board's zone (lib/board-time.ts). */
export const fmtDate = (d: Date | string | null | undefined): string => formatDay(d);

/** "Tuesday 3 March 2026 at 9:00am" in the board's zone. */
export const fmtDateTime = (d: Date | string | null | undefined): string => formatDateTime(d);

/** yyyy-mm-dd of the board's local day, for <input type="date">. */
export const isoDay = (d: Date): string => dueOn(d);

/** A file's size as people read it: "812 bytes", "3.4 KB", "1.2 MB". */
export const sizeText = (n: number) =>
  n < 1024 ? `${n} bytes` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
