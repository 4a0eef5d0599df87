/**
 * How the vocabulary reads to people: the pages, the published statement and the mails say the
 * same thing for the same state.
 */
import type { ActionStatus, Rag } from './vocabulary';

export const STATUS_LABEL: Record<string, string> = {
  assigned: 'Assigned, not yet acknowledged',
  in_progress: 'In progress',
  under_review: 'Evidence with the board',
  closed: 'Closed',
  cancelled: 'Cancelled',
} satisfies Record<ActionStatus, string>;

export const RAG_LABEL: Record<string, string> = {
  red: 'Red',
  amber: 'Amber',
  green: 'Green',
  complete: 'Finished',
} satisfies Record<Rag, string>;

export const OUTCOME_LABEL: Record<string, string> = { implemented: 'Implemented', not_implemented: 'Not implemented' };

/**
 * How a finished action ended. RAG alone says "complete" for all three, which told readers that
 * work was done when the board had closed it as not implemented or cancelled it: every page,
 * count and export that shows a finished action says which of these it was.
 */
export const RESULTS = ['implemented', 'not_implemented', 'cancelled'] as const;
export type Result = (typeof RESULTS)[number];

export const RESULT_LABEL: Record<Result, string> = {
  implemented: 'Implemented',
  not_implemented: 'Not implemented',
  cancelled: 'Cancelled',
};

/** The result of a finished action, or null while it is open. A closed action without an outcome reads as implemented, as the first contract recorded approvals. */
export function resultOf(a: { status: string; outcome?: string | null }): Result | null {
  if (a.status === 'cancelled') return 'cancelled';
  if (a.status !== 'closed') return null;
  return a.outcome === 'not_implemented' ? 'not_implemented' : 'implemented';
}

/** The RAG word a reader sees: an open action's colour, or how a finished one ended. */
export function ragText(a: { rag: string; status: string; outcome?: string | null }): string {
  const result = resultOf(a);
  return result ? RESULT_LABEL[result] : (RAG_LABEL[a.rag] ?? a.rag);
}

export const EVIDENCE_STATUS_LABEL: Record<string, string> = {
  submitted: 'Submitted, awaiting the board',
  accepted: 'Accepted',
  changes_requested: 'Changes requested',
  not_accepted: 'Not accepted',
  withdrawn: 'Withdrawn by the agency before the board decided',
};

/** The stage in one phrase, with the outcome of a closed action and a pending request for changes. */
export function stageText(status: string, outcome: string | null, changesRequested: boolean): string {
  if (status === 'closed') return outcome === 'not_implemented' ? 'Closed: not implemented' : 'Closed: implemented';
  if (status === 'in_progress' && changesRequested) return 'In progress: changes requested';
  return STATUS_LABEL[status] ?? status;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A policy duration in words, for mails and pages: `P5D` "5 days", `P2W` "2 weeks", `PT2S`
 * "2 seconds", `{ workingDays: 5 }` "5 working days". Null for anything else.
 */
export function durationWords(d: unknown): string | null {
  if (d && typeof d === 'object' && typeof (d as { workingDays?: unknown }).workingDays === 'number')
    return plural((d as { workingDays: number }).workingDays, 'working day');
  if (typeof d !== 'string') return null;
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d.trim().toUpperCase());
  if (!m || d.trim().length <= 1) return null;
  const [, w, dd, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const parts = [
    w ? plural(w, 'week') : '',
    dd ? plural(dd, 'day') : '',
    h ? plural(h, 'hour') : '',
    mi ? plural(mi, 'minute') : '',
    s ? plural(s, 'second') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' and ') : null;
}
