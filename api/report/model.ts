import { and, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agencies, auditEvents, decisions, evidence } from '../../db/schema';
import { actionsOfReview } from '../queries/actions';
import { findReview } from '../queries/reviews';
import type { Scope } from '../queries/scope';
import { isOpen, isOverdue } from '../../domain/vocabulary';
import { STATUS_LABEL, resultOf, type Result } from '../../domain/words';

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
}

export interface ReportSection {
  number: number;
  agencyCode: string;
  agencyName: string;
  summary: string;
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
  };
  sections: ReportSection[];
}

export { STATUS_LABEL };

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
  return assembleReport(
    { review, acts, accepted, submitted, notImplemented: notImpl, auditEvents: cancels, agencies: agencyRows },
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
  } = rows;
  const recText = new Map(review.recommendations.map((r) => [r.id, r.text]));

  const sections = new Map<string, ReportSection>();
  for (const a of acts) {
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
    };
    const section = sections.get(a.agencyCode) ?? {
      number: sections.size + 1,
      agencyCode: a.agencyCode,
      agencyName: agencyRows.find((r) => r.code === a.agencyCode)?.name ?? a.agencyName,
      summary: '',
      actions: [],
    };
    section.actions.push(item);
    sections.set(a.agencyCode, section);
  }
  for (const s of sections.values()) s.summary = sectionSummary(s.agencyName, s.actions, now);
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
    },
    sections: [...sections.values()],
  };
}
