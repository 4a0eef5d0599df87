import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agencies, auditEvents, decisions, evidence, extensionRequests, impactDecisions } from '../../db/schema';
import { actionsOfReview, latestImpactEvidenceOf, latestProgressOf } from '../queries/actions';
import { findReview } from '../queries/reviews';
import type { Scope } from '../queries/scope';
import { isOpen, isOverdue, PENDING_ASSURANCE } from '../../domain/vocabulary';
import { STATUS_LABEL, resultOf, type Result } from '../../domain/words';

const isPendingAssurance = (a: string | null) => a !== null && (PENDING_ASSURANCE as readonly string[]).includes(a);

export interface ReportAction {
  actionId: string;
  reference: string;
  recommendationNumber: string;
  recommendation: string;
  title: string;
  successMeasure: string | null;
  status: string;
  outcome: string | null;
  /** How a finished action ended (implemented, not_implemented, cancelled), null while open. */
  result: Result | null;
  rag: string;
  dueDate: string;
  /** The due date as a local day in the board's zone. */
  dueOn: string;
  acknowledgedAt: string | null;
  closedAt: string | null;
  /** The latest statement the board accepted: the only one ever presented as done. */
  progressStatement: string | null;
  progressStatementDate: string | null;
  /** While the action is under review: the statement with the board, not yet accepted. */
  submittedStatement: string | null;
  submittedStatementDate: string | null;
  notImplementedReason: string | null;
  cancellationReason: string | null;
  // ---- issue 17 ----
  /** Slippage: the first target date, approved extensions, days between. */
  originalDueOn: string;
  extensionCount: number;
  daysSlipped: number;
  /** The agency's latest progress update: its current position ("agency response"). */
  agencyResponse: string | null;
  agencyResponseDate: string | null;
  /** The impact check: null when none applies. */
  assurance: string | null;
  impactCheckOn: string | null;
  /** The summary of the latest evidence of impact. */
  impactEvidence: string | null;
  /** The reason the board gave for "not embedded" or a waiver. */
  impactDecisionComment: string | null;
  /** Extensions the board approved, oldest first: the statement shows the revised date and why. */
  extensions: { from: string; to: string; reason: string; interimMeasures: string }[];
}

/** Per recommendation: implemented when all its actions are; assured when every impact check is evidenced or waived. */
export interface ReportRecommendation {
  number: string;
  text: string;
  implemented: boolean;
  assured: boolean;
  awaitingImpact: number;
}

export interface ReportCounts {
  actions: number;
  implemented: number;
  notImplemented: number;
  cancelled: number;
  open: number;
  overdue: number;
}

export interface ReportSection {
  number: number;
  agencyCode: string;
  agencyName: string;
  summary: string;
  /** The same figures as the summary, for the statement's summary table. */
  counts: ReportCounts;
  actions: ReportAction[];
}

export interface ProgressReport {
  review: { id: string; reference: string; title: string; publishedOn: string | null; status: string };
  generatedAt: string;
  totals: {
    actions: number;
    implemented: number;
    notImplemented: number;
    open: number;
    cancelled: number;
    overdue: number;
    /** Issue 17: implemented actions whose impact is evidenced, still awaited, or found not embedded. */
    evidenced: number;
    awaitingImpact: number;
    notEmbedded: number;
  };
  /** One line over every agency, for the top of the statement. */
  summary: string;
  sections: ReportSection[];
  recommendations: ReportRecommendation[];
}

export { STATUS_LABEL };

function countsOf(acts: { status: string; outcome: string | null; dueDate: string }[], now: Date): ReportCounts {
  return {
    actions: acts.length,
    implemented: acts.filter((a) => resultOf(a) === 'implemented').length,
    notImplemented: acts.filter((a) => resultOf(a) === 'not_implemented').length,
    cancelled: acts.filter((a) => a.status === 'cancelled').length,
    open: acts.filter((a) => isOpen(a.status)).length,
    overdue: acts.filter((a) => isOverdue(a, now)).length,
  };
}

/** "12 actions across 5 agencies: 4 implemented, 1 not implemented, 2 cancelled, 5 open (2 past the target date)." */
function overallSummary(c: ReportCounts, agencies: number): string {
  const parts = [
    `${c.implemented} implemented`,
    `${c.notImplemented} not implemented`,
    `${c.cancelled} cancelled`,
    `${c.open} open${c.overdue ? ` (${c.overdue} past the target date)` : ''}`,
  ];
  return `${c.actions} action${c.actions === 1 ? '' : 's'} across ${agencies} agenc${agencies === 1 ? 'y' : 'ies'}: ${parts.join(', ')}.`;
}

/** Action references in reading order: 1.2 before 1.10, 2a.1 after 2.1. */
export const byReference = (a: { reference: string }, b: { reference: string }) =>
  a.reference.localeCompare(b.reference, 'en', { numeric: true });

function sectionSummary(name: string, acts: ReportAction[], now: Date): string {
  const implemented = acts.filter((a) => a.outcome === 'implemented').length;
  const notImplemented = acts.filter((a) => a.outcome === 'not_implemented').length;
  const open = acts.filter((a) => isOpen(a.status));
  const overdue = acts.filter((a) => isOverdue(a, now)).length;
  const cancelled = acts.filter((a) => a.status === 'cancelled').length;
  const parts = [`${name} owns ${acts.length} action${acts.length === 1 ? '' : 's'} in this plan.`];
  parts.push(`${implemented} ${implemented === 1 ? 'has' : 'have'} been implemented and signed off by the board`);
  if (notImplemented) parts[1] += `, ${notImplemented} closed as not implemented`;
  if (cancelled) parts[1] += `, ${cancelled} cancelled`;
  parts[1] += `; ${open.length} ${open.length === 1 ? 'remains' : 'remain'} open${overdue ? ` (${overdue} past the target date)` : ''}.`;
  const evidenced = acts.filter((a) => a.assurance === 'evidenced').length;
  const awaiting = acts.filter((a) => isPendingAssurance(a.assurance)).length;
  const notEmbedded = acts.filter((a) => a.assurance === 'not_embedded').length;
  if (evidenced || awaiting || notEmbedded) {
    const impact = [`${evidenced} ${evidenced === 1 ? 'has' : 'have'} evidence of impact`];
    if (awaiting) impact.push(`${awaiting} ${awaiting === 1 ? 'is' : 'are'} awaiting it`);
    if (notEmbedded) impact.push(`${notEmbedded} found not embedded and followed up`);
    parts.push(`Of the implemented actions, ${impact.join(', ')}.`);
  }
  return parts.join(' ');
}

/**
 * The agency progress statement (docs/ARCHITECTURE.md, "The report"), generated instead of typed: one section
 * per agency in the order the plan first names them, each action with its status, outcome,
 * dates, the latest statement the board accepted, and why a finding was not acted on.
 */
export async function buildReport(
  db: DbOrTx,
  scope: Scope,
  reviewId: string,
  now = new Date(),
): Promise<ProgressReport | null> {
  const review = await findReview(db, scope, reviewId);
  if (!review) return null;
  const acts = await actionsOfReview(db, scope, reviewId);
  const ids = acts.map((a) => a.id);
  const statements = ids.length
    ? await db
        .select({
          actionId: evidence.actionId,
          statement: evidence.statement,
          submittedAt: evidence.submittedAt,
          status: evidence.status,
        })
        .from(evidence)
        .where(and(inArray(evidence.actionId, ids), inArray(evidence.status, ['accepted', 'submitted'])))
        .orderBy(desc(evidence.submittedAt))
    : [];
  const accepted = statements.filter((e) => e.status === 'accepted');
  const submitted = statements.filter((e) => e.status === 'submitted');
  const notImpl = ids.length
    ? await db
        .select({ actionId: decisions.actionId, comment: decisions.comment })
        .from(decisions)
        .where(and(inArray(decisions.actionId, ids), eq(decisions.outcome, 'close_not_implemented')))
        .orderBy(desc(decisions.decidedAt))
    : [];
  const cancels = ids.length
    ? await db
        .select({ actionId: auditEvents.actionId, payload: auditEvents.payload, type: auditEvents.type })
        .from(auditEvents)
        .where(and(inArray(auditEvents.actionId, ids), eq(auditEvents.type, 'cancelled')))
        .orderBy(desc(auditEvents.id))
    : [];
  const agencyRows = await db.select({ code: agencies.code, name: agencies.name }).from(agencies);
  const [latestUpdates, impact, impactComments] = await Promise.all([
    latestProgressOf(db, ids),
    latestImpactEvidenceOf(db, ids),
    ids.length
      ? db
          .select({ actionId: impactDecisions.actionId, comment: impactDecisions.comment })
          .from(impactDecisions)
          .where(inArray(impactDecisions.actionId, ids))
          .orderBy(desc(impactDecisions.decidedAt))
      : Promise.resolve([]),
  ]);
  const approvedExtensions = ids.length
    ? await db
        .select({
          actionId: extensionRequests.actionId,
          previousDueDate: extensionRequests.previousDueDate,
          newDueDate: extensionRequests.newDueDate,
          reason: extensionRequests.reason,
          interimMeasures: extensionRequests.interimMeasures,
        })
        .from(extensionRequests)
        .where(and(inArray(extensionRequests.actionId, ids), eq(extensionRequests.status, 'approved')))
        .orderBy(asc(extensionRequests.requestedAt))
    : [];
  return assembleReport(
    {
      review,
      acts,
      accepted,
      submitted,
      notImplemented: notImpl,
      auditEvents: cancels,
      agencies: agencyRows,
      latestUpdates,
      impactEvidence: impact,
      impactComments,
      extensions: approvedExtensions,
    },
    now,
  );
}

/** What buildReport read, as the report assembles it. */
export interface ReportRows {
  review: {
    id: string;
    reference: string;
    title: string;
    publishedOn: string | null;
    status: string;
    recommendations: { id: string; text: string }[];
  };
  acts: Awaited<ReturnType<typeof actionsOfReview>>;
  /** Accepted evidence, newest first. */
  accepted: { actionId: string; statement: string; submittedAt: Date }[];
  /** Evidence with the board, not yet decided, newest first. */
  submitted?: { actionId: string; statement: string; submittedAt: Date }[];
  /** Decisions to close as not implemented, newest first. */
  notImplemented: { actionId: string; comment: string }[];
  /** The actions' audit events, newest first. */
  auditEvents: { actionId: string | null; payload: unknown; type: string }[];
  agencies: { code: string; name: string }[];
  /** Issue 17: the latest progress update and impact evidence of each action, and impact decisions' reasons (newest first). */
  latestUpdates?: Map<
    string,
    { statement: string; percentComplete: number | null; rag: string | null; submittedAt: string }
  >;
  impactEvidence?: Map<string, { statement: string; method: string; submittedAt: string }>;
  impactComments?: { actionId: string; comment: string }[];
  /** Approved extension requests, oldest first. */
  extensions?: { actionId: string; previousDueDate: Date; newDueDate: Date; reason: string; interimMeasures: string }[];
}

/** The report from the rows buildReport read: pure, so its wording and arithmetic are tested without a database. */
export function assembleReport(rows: ReportRows, now: Date): ProgressReport {
  const {
    review,
    acts,
    accepted,
    submitted = [],
    notImplemented: notImpl,
    auditEvents: cancels,
    agencies: agencyRows,
    latestUpdates = new Map(),
    impactEvidence = new Map(),
    impactComments = [],
    extensions = [],
  } = rows;
  const recText = new Map(review.recommendations.map((r) => [r.id, r.text]));

  const sections = new Map<string, ReportSection>();
  // By reference, as the plan reads (the query gives them by due date); agencies in the order they first appear.
  for (const a of [...acts].sort(byReference)) {
    const ev = accepted.find((e) => e.actionId === a.id);
    // Only the statement the board is deciding on now: one it sent back is neither accepted nor pending.
    const pending = a.status === 'under_review' ? submitted.find((e) => e.actionId === a.id) : undefined;
    const cancel =
      a.status === 'cancelled' ? cancels.find((c) => c.actionId === a.id && c.type === 'cancelled') : undefined;
    const cancelReason =
      cancel && typeof (cancel.payload as { reason?: unknown }).reason === 'string'
        ? (cancel.payload as { reason: string }).reason
        : null;
    const item: ReportAction = {
      actionId: a.id,
      reference: a.reference,
      recommendationNumber: a.recommendationNumber,
      recommendation: recText.get(a.recommendationId) ?? '',
      title: a.title,
      successMeasure: a.successMeasure,
      status: a.status,
      outcome: a.outcome,
      result: resultOf(a),
      rag: a.rag,
      dueDate: a.dueDate,
      dueOn: a.dueOn,
      acknowledgedAt: a.acknowledgedAt,
      closedAt: a.closedAt,
      progressStatement: ev?.statement ?? null,
      progressStatementDate: ev ? ev.submittedAt.toISOString() : null,
      submittedStatement: pending?.statement ?? null,
      submittedStatementDate: pending ? pending.submittedAt.toISOString() : null,
      notImplementedReason:
        a.outcome === 'not_implemented' ? (notImpl.find((d) => d.actionId === a.id)?.comment ?? null) : null,
      cancellationReason: cancelReason,
      originalDueOn: a.originalDueOn,
      extensionCount: a.extensionCount,
      daysSlipped: a.daysSlipped,
      agencyResponse: responseText(latestUpdates.get(a.id)),
      agencyResponseDate: latestUpdates.get(a.id)?.submittedAt ?? null,
      assurance: a.assurance,
      impactCheckOn: a.impactCheckOn,
      impactEvidence: impactEvidence.get(a.id)?.statement ?? null,
      impactDecisionComment:
        a.assurance === 'not_embedded' || a.assurance === 'waived'
          ? (impactComments.find((c) => c.actionId === a.id)?.comment ?? null)
          : null,
      extensions: extensions
        .filter((x) => x.actionId === a.id)
        .map((x) => ({
          from: x.previousDueDate.toISOString(),
          to: x.newDueDate.toISOString(),
          reason: x.reason,
          interimMeasures: x.interimMeasures,
        })),
    };
    const section = sections.get(a.agencyCode) ?? {
      number: sections.size + 1,
      agencyCode: a.agencyCode,
      agencyName: agencyRows.find((r) => r.code === a.agencyCode)?.name ?? a.agencyName,
      summary: '',
      counts: countsOf([], now),
      actions: [],
    };
    section.actions.push(item);
    sections.set(a.agencyCode, section);
  }
  for (const s of sections.values()) {
    s.summary = sectionSummary(s.agencyName, s.actions, now);
    s.counts = countsOf(s.actions, now);
  }
  const open = acts.filter((a) => isOpen(a.status));
  return {
    review: {
      id: review.id,
      reference: review.reference,
      title: review.title,
      publishedOn: review.publishedOn,
      status: review.status,
    },
    generatedAt: now.toISOString(),
    totals: {
      actions: acts.length,
      implemented: acts.filter((a) => a.outcome === 'implemented').length,
      notImplemented: acts.filter((a) => a.outcome === 'not_implemented').length,
      open: open.length,
      cancelled: acts.filter((a) => a.status === 'cancelled').length,
      overdue: acts.filter((a) => isOverdue(a, now)).length,
      evidenced: acts.filter((a) => a.assurance === 'evidenced').length,
      awaitingImpact: acts.filter((a) => isPendingAssurance(a.assurance)).length,
      notEmbedded: acts.filter((a) => a.assurance === 'not_embedded').length,
    },
    summary: overallSummary(countsOf(acts, now), sections.size),
    sections: [...sections.values()],
    recommendations: recommendationSummaries(review.recommendations, acts),
  };
}

function responseText(u: { statement: string; percentComplete: number | null; rag: string | null } | undefined) {
  if (!u) return null;
  const extra = [u.percentComplete !== null ? `${u.percentComplete}% complete` : '', u.rag ? `RAG ${u.rag}` : '']
    .filter(Boolean)
    .join(', ');
  return extra ? `${u.statement} (${extra})` : u.statement;
}

/**
 * Implemented: every live action of the recommendation implemented. Assured: implemented, and
 * every impact check evidenced or waived (an action without a check counts as assured once implemented).
 */
function recommendationSummaries(
  recs: { id: string; text: string; number?: string }[],
  acts: ReportRows['acts'],
): ReportRecommendation[] {
  return recs.map((r) => {
    const live = acts.filter((a) => a.recommendationId === r.id && a.status !== 'cancelled');
    const originals = live.filter((a) => !a.followUpOf);
    const implemented = originals.length > 0 && originals.every((a) => a.outcome === 'implemented');
    // An action found not embedded is carried on by its follow-up, which must then be implemented and assured itself.
    const assured =
      implemented &&
      live
        .filter((a) => a.assurance !== 'not_embedded')
        .every(
          (a) =>
            a.outcome === 'implemented' &&
            (a.assurance === null || a.assurance === 'evidenced' || a.assurance === 'waived'),
        );
    return {
      number: r.number ?? live[0]?.recommendationNumber ?? '',
      text: r.text,
      implemented,
      assured,
      awaitingImpact: live.filter((a) => isPendingAssurance(a.assurance)).length,
    };
  });
}
