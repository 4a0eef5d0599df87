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
  complete: 'Complete',
} satisfies Record<Rag, string>;

export const OUTCOME_LABEL: Record<string, string> = { implemented: 'Implemented', not_implemented: 'Not implemented' };

export const EVIDENCE_STATUS_LABEL: Record<string, string> = {
  submitted: 'Submitted, awaiting the board',
  accepted: 'Accepted',
  changes_requested: 'Changes requested',
  not_accepted: 'Not accepted',
};

/** The stage in one phrase, with the outcome of a closed action and a pending request for changes. */
export function stageText(status: string, outcome: string | null, changesRequested: boolean): string {
  if (status === 'closed') return outcome === 'not_implemented' ? 'Closed: not implemented' : 'Closed: implemented';
  if (status === 'in_progress' && changesRequested) return 'In progress: changes requested';
  return STATUS_LABEL[status] ?? status;
}
