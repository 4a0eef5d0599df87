/**
 * The words of the action-plan lifecycle, defined once: the database's check constraints, the
 * API's schemas, the queries, the report, the pages and the workflows all take them from here.
 * Pure data and pure functions only, so workflow code may import this module (it is replayed).
 */

export const ROLES = ['admin', 'board', 'agency', 'chair', 'inspector'] as const;
export type Role = (typeof ROLES)[number];

// ---- issue 20: the independent chair and read-only inspectors ----
/** An inspector's access lasts at most this many days from the day it is given. */
export const INSPECTOR_MAX_DAYS = 90;
/** Who a chair's challenge goes to: the owning agency's lead officer or its senior manager. */
export const CHALLENGE_TARGETS = ['lead', 'senior'] as const;
export type ChallengeTarget = (typeof CHALLENGE_TARGETS)[number];
/** What the chair records on an escalation, in the order it usually happens. */
export const CHAIR_STEPS = ['challenge', 'response', 'resolved', 'retimed'] as const;
export type ChairStep = (typeof CHAIR_STEPS)[number];
/** How an escalation ended by the chair's hand: closed as resolved, or re-timed (it fires again at a set date). */
export const ESCALATION_RESOLUTIONS = ['resolved', 'retimed'] as const;
export type EscalationResolution = (typeof ESCALATION_RESOLUTIONS)[number];
// ---- end issue 20 ----

export const ACTION_STATUSES = ['assigned', 'in_progress', 'under_review', 'closed', 'cancelled'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Still owed by someone: the agency (assigned, in progress) or the board (under review). */
export const OPEN_STATUSES = ['assigned', 'in_progress', 'under_review'] as const satisfies readonly ActionStatus[];
/** Nothing more will happen. */
export const FINISHED_STATUSES = ['closed', 'cancelled'] as const satisfies readonly ActionStatus[];
/** Overdue means the agency still owes the work; once evidence is with the board it is awaiting sign-off instead. */
export const OVERDUE_STATUSES = ['assigned', 'in_progress'] as const satisfies readonly ActionStatus[];

/** Kinds of review a partnership carries: practice reviews (national and local), the older SCRs, adult and domestic homicide reviews, audits. */
export const REVIEW_TYPES = ['cspr', 'lcspr', 'scr', 'sar', 'dhr', 'audit', 'other'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];

export const OUTCOMES = ['implemented', 'not_implemented'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const RAGS = ['green', 'amber', 'red', 'complete'] as const;
export type Rag = (typeof RAGS)[number];

export const DECISION_OUTCOMES = ['approve', 'request_changes', 'close_not_implemented'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const EXTENSION_OUTCOMES = ['approve', 'reject'] as const;
export type ExtensionOutcome = (typeof EXTENSION_OUTCOMES)[number];

export const ESCALATION_REASONS = [
  'not_acknowledged',
  'overdue',
  'stalled',
  'awaiting_board',
  'impact_evidence_missing',
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/** `withdrawn`: the agency took it back before the board decided (issue 22). */
export const EVIDENCE_STATUSES = ['submitted', 'accepted', 'changes_requested', 'not_accepted', 'withdrawn'] as const;
export type EvidenceStatus = (typeof EVIDENCE_STATUSES)[number];

export const isOpen = (status: string): boolean => (OPEN_STATUSES as readonly string[]).includes(status);
export const isFinished = (status: string): boolean => (FINISHED_STATUSES as readonly string[]).includes(status);
export const isBoardRole = (role: string): boolean => role === 'board' || role === 'admin';

/**
 * The one "overdue" predicate: past its due date while the agency still owes the work. The SQL
 * form of the same rule is `overdueCondition` in api/queries/actions.ts (built from OVERDUE_STATUSES).
 */
export function isOverdue(a: { status: string; dueDate: Date | string | number }, now: Date | number): boolean {
  if (!(OVERDUE_STATUSES as readonly string[]).includes(a.status)) return false;
  return new Date(a.dueDate).getTime() < new Date(now).getTime();
}

/**
 * The impact check after closure (issue 17): a second dimension next to the status. null when no
 * check applies; `scheduled` until the check date, `due` once the agency has been asked,
 * `evidence_submitted` while the board weighs it, then `evidenced`, `not_embedded` (a follow-up
 * action carries the work on) or `waived`.
 */
export const ASSURANCE_STATES = [
  'scheduled',
  'due',
  'evidence_submitted',
  'evidenced',
  'not_embedded',
  'waived',
] as const;
export type Assurance = (typeof ASSURANCE_STATES)[number];
/** The check is still waiting on someone. */
export const PENDING_ASSURANCE = ['scheduled', 'due', 'evidence_submitted'] as const satisfies readonly Assurance[];
/** The board has finished with the check. */
export const FINAL_ASSURANCE = ['evidenced', 'not_embedded', 'waived'] as const satisfies readonly Assurance[];

export const IMPACT_OUTCOMES = ['evidenced', 'not_embedded', 'waived'] as const;
export type ImpactOutcome = (typeof IMPACT_OUTCOMES)[number];

/** How the agency measured the impact. */
export const IMPACT_METHODS = ['audit', 'case_file_sample', 'survey', 'performance_data', 'other'] as const;
export type ImpactMethod = (typeof IMPACT_METHODS)[number];

/** The agency's own RAG on a progress update: one of the four colours, always with its reason. */
export const SELF_RAGS = RAGS;

// ---- dates a client may give ----
/**
 * The years a date given to the system (a due date, an extension, a day away, a report period...)
 * may fall in. Far-future days broke things: 9999-12-31 has no next day the zone rules can place
 * (the calendar threw a RangeError, a 500) and would set workflow timers thousands of years out;
 * no review plans past the century, and a year before 1900 is a typing mistake.
 */
export const DATE_YEARS = { first: 1900, last: 2099 } as const;

/** Why a date or instant (`YYYY-MM-DD…` as given) is outside DATE_YEARS, or null when it is not. */
export function dateYearProblem(value: string): string | null {
  const m = /^(\d{4})-/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  if (year > DATE_YEARS.last) return `must be before ${DATE_YEARS.last + 1}`;
  if (year < DATE_YEARS.first) return `must be in ${DATE_YEARS.first} or later`;
  return null;
}
