/**
 * The reads behind the progress sheet (docs/ARCHITECTURE.md, The progress sheet): a review's
 * actions as the sheet shows them, each with its version, and what happened to an action after
 * the version a sheet was exported at. Scoped like every query: an agency reads its own rows only.
 */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  actions,
  agencies,
  auditEvents,
  evidence,
  extensionRequests,
  progressUpdates,
  recommendations,
  reviews,
  users,
} from '../../db/schema';
import { isUuid } from '../../domain/text';
import { latestProgressOf, scopeCondition } from './actions';
import type { Scope } from './scope';

export interface SheetAction {
  id: string;
  /** `projected_seq`: the sequence number of the last workflow event written to the row. */
  version: number;
  reference: string;
  recommendationNumber: string;
  recommendationText: string;
  title: string;
  agencyId: string;
  agencyCode: string;
  agencyName: string;
  /** The named owner (issue 18), or null when the agency as a whole owns it. */
  ownerName: string | null;
  ownerEmail: string | null;
  successMeasure: string | null;
  /** The due date the plan first set (before any extension). */
  originalDueDate: Date;
  dueDate: Date;
  status: string;
  /**
   * The newest of the action's statements to the board and its progress updates: `status` is the
   * statement's (submitted, accepted...) or `progress_update`, with the update's figures.
   */
  latestUpdate: {
    statement: string;
    status: string;
    submittedAt: Date;
    percentComplete?: number | null;
    rag?: string | null;
  } | null;
}

export interface SheetReview {
  id: string;
  reference: string;
  title: string;
  actions: SheetAction[];
}

/** The review with the caller's actions in plan order, or null when the caller may not see it. */
export async function progressSheetActions(db: DbOrTx, scope: Scope, reviewId: string): Promise<SheetReview | null> {
  if (!isUuid(reviewId)) return null;
  const [review] = await db
    .select({ id: reviews.id, reference: reviews.reference, title: reviews.title })
    .from(reviews)
    .where(eq(reviews.id, reviewId));
  if (!review) return null;
  const rows = await db
    .select({
      id: actions.id,
      version: actions.projectedSeq,
      reference: actions.reference,
      recommendationNumber: recommendations.number,
      recommendationText: recommendations.text,
      title: actions.title,
      agencyId: actions.agencyId,
      agencyCode: agencies.code,
      agencyName: agencies.name,
      ownerName: users.name,
      ownerEmail: users.email,
      successMeasure: actions.successMeasure,
      dueDate: actions.dueDate,
      status: actions.status,
      // The first extension's previous date is the plan's own; no extension means it never moved.
      originalDueDate: sql<Date | null>`(select min(${extensionRequests.previousDueDate}) from ${extensionRequests}
        where ${extensionRequests.actionId} = ${actions.id} and ${extensionRequests.status} = 'approved')`.mapWith(
        (v: string | Date | null) => (v === null ? null : new Date(v)),
      ),
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .innerJoin(recommendations, eq(recommendations.id, actions.recommendationId))
    .leftJoin(users, eq(users.id, actions.ownerId))
    .where(and(eq(actions.reviewId, reviewId), scopeCondition(scope)))
    .orderBy(asc(recommendations.number), asc(actions.reference));
  // An agency with no action in the review must not learn that the review exists.
  if (scope.agencyId && rows.length === 0) return null;
  const latest = rows.length
    ? await db
        .selectDistinctOn([evidence.actionId], {
          actionId: evidence.actionId,
          statement: evidence.statement,
          status: evidence.status,
          submittedAt: evidence.submittedAt,
        })
        .from(evidence)
        .where(
          inArray(
            evidence.actionId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(evidence.actionId, desc(evidence.submittedAt), desc(evidence.id))
    : [];
  const byAction = new Map(latest.map((l) => [l.actionId, l]));
  const progress = await latestProgressOf(
    db,
    rows.map((r) => r.id),
  );
  const newest = (id: string): SheetAction['latestUpdate'] => {
    const l = byAction.get(id);
    const p = progress.get(id);
    const statement = l ? { statement: l.statement, status: l.status, submittedAt: l.submittedAt } : null;
    if (!p || (statement && statement.submittedAt.getTime() > Date.parse(p.submittedAt))) return statement;
    return {
      statement: p.statement,
      status: 'progress_update',
      submittedAt: new Date(p.submittedAt),
      percentComplete: p.percentComplete,
      rag: p.rag,
    };
  };
  return {
    ...review,
    actions: rows
      .map((r) => ({ ...r, originalDueDate: r.originalDueDate ?? r.dueDate, latestUpdate: newest(r.id) }))
      .sort((a, b) => compareReferences(a.reference, b.reference)),
  };
}

/** `2.10` after `2.9`: references compare number by number, as a plan reads. */
export function compareReferences(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

/**
 * Each action's events after its `version`, oldest first, in one read: the workflow's sequence
 * number is the last part of each audit event's key (`<workflow id>:<seq>`).
 */
export async function eventsSince(
  db: DbOrTx,
  since: { actionId: string; version: number }[],
): Promise<Map<string, { seq: number; type: string; occurredAt: Date }[]>> {
  const byAction = new Map<string, { seq: number; type: string; occurredAt: Date }[]>();
  if (!since.length) return byAction;
  const versionOf = new Map(since.map((s) => [s.actionId, s.version]));
  const seq = sql<number>`(substring(${auditEvents.eventKey} from ':([0-9]+)$'))::int`;
  const rows = await db
    .select({
      actionId: auditEvents.actionId,
      seq: seq.mapWith(Number),
      type: auditEvents.type,
      occurredAt: auditEvents.occurredAt,
    })
    .from(auditEvents)
    .where(and(inArray(auditEvents.actionId, [...versionOf.keys()]), gt(seq, Math.min(...versionOf.values()))))
    .orderBy(asc(auditEvents.id));
  for (const { actionId, ...e } of rows) {
    if (!actionId || e.seq <= versionOf.get(actionId)!) continue;
    byAction.set(actionId, [...(byAction.get(actionId) ?? []), e]);
  }
  return byAction;
}

/** Progress update ids among `ids` that are already recorded (an upload applied before). */
export async function recordedProgressUpdates(db: DbOrTx, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .select({ id: progressUpdates.id })
    .from(progressUpdates)
    .where(inArray(progressUpdates.id, ids));
  return new Set(rows.map((r) => r.id));
}
