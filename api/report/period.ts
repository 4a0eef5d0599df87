import { and, asc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  actions,
  agencies,
  auditEvents,
  decisions,
  escalations,
  extensionRequests,
  reviews,
  type ReviewType,
} from '../../db/schema';
import { OPEN_STATUSES, OVERDUE_STATUSES } from '../../domain/vocabulary';
import type { Scope } from '../queries/scope';

/**
 * The period report: what happened across the reviews between two instants, for a board meeting.
 * The period is half-open, `from` inclusive and `to` exclusive, so consecutive quarters
 * (from=2026-04-01&to=2026-07-01, then from=2026-07-01&to=2026-10-01) count every event once.
 * The exception list describes the position when the report is generated (what is overdue or
 * stalled now), except "no update in the period", which looks at the period itself.
 */
export interface PeriodFilter {
  from: Date;
  to: Date;
  review?: string;
  type?: ReviewType;
  theme?: string;
}

/** Events an agency makes on its own action: any of these in the period counts as an update. */
export const AGENCY_UPDATE_EVENTS = ['acknowledged', 'evidence_submitted', 'extension_requested', 'progress_updated'];

export interface PeriodActionRef {
  reviewReference: string;
  reference: string;
  title: string;
  agencyCode: string;
}

export interface PeriodReport {
  period: { from: string; to: string; boundaries: string };
  generatedAt: string;
  filter: { review: string | null; type: string | null; theme: string | null };
  totals: {
    decisions: number;
    approved: number;
    changesRequested: number;
    notImplemented: number;
    actionsClosed: number;
    extensionsGranted: number;
    escalationsRaised: number;
    newReviews: number;
    newActions: number;
    overdue: number;
    stalled: number;
    noUpdate: number;
  };
  decisions: (PeriodActionRef & { decidedAt: string; outcome: string; comment: string })[];
  closed: (PeriodActionRef & { closedAt: string; outcome: string | null; reason: string | null })[];
  extensions: (PeriodActionRef & {
    decidedAt: string;
    previousDueDate: string;
    newDueDate: string;
    reason: string;
    interimMeasures: string;
    comment: string | null;
  })[];
  escalations: (PeriodActionRef & {
    raisedAt: string;
    level: number;
    reason: string;
    resolvedAt: string | null;
    ended: string;
  })[];
  newReviews: { createdAt: string; reference: string; title: string }[];
  newActions: (PeriodActionRef & { createdAt: string; dueDate: string })[];
  exceptions: {
    overdue: (PeriodActionRef & { dueDate: string; daysOverdue: number; escalationLevel: number })[];
    stalled: (PeriodActionRef & { since: string })[];
    noUpdate: (PeriodActionRef & { status: string; lastActivityAt: string | null })[];
    /** Agencies with open actions none of which was updated in the period. */
    littleOrNoProgress: { agencyCode: string; agencyName: string; openActions: number; updated: number }[];
  };
}

const refColumns = {
  reviewReference: actions.reviewReference,
  reference: actions.reference,
  title: actions.title,
  agencyCode: agencies.code,
};
const DAY = 86_400_000;

function scopeFilter(scope: Scope, f: PeriodFilter): SQL[] {
  const w: SQL[] = [];
  if (scope.agencyId) w.push(eq(actions.agencyId, scope.agencyId));
  if (f.review) w.push(eq(actions.reviewId, f.review));
  if (f.type)
    w.push(sql`${actions.reviewId} in (select ${reviews.id} from ${reviews} where ${reviews.type} = ${f.type})`);
  if (f.theme) w.push(sql`${actions.themes} @> array[${f.theme}]::text[]`);
  return w;
}

const ENDED: Record<string, string> = {
  not_acknowledged: 'acknowledged',
  stalled: 'progress resumed',
  awaiting_board: 'the board decided',
  overdue: 'closed or extended',
};

/** Orders by time, then review and action reference, so equal instants list the same way every time. */
const byTimeThenRef =
  <T extends PeriodActionRef>(at: (r: T) => string) =>
  (a: T, b: T) =>
    at(a).localeCompare(at(b)) ||
    a.reviewReference.localeCompare(b.reviewReference) ||
    a.reference.localeCompare(b.reference, undefined, { numeric: true });

export async function buildPeriodReport(
  db: DbOrTx,
  scope: Scope,
  f: PeriodFilter,
  now = new Date(),
): Promise<PeriodReport> {
  const base = scopeFilter(scope, f);
  const inPeriod = (col: Parameters<typeof gte>[0]) => [gte(col, f.from), lt(col, f.to)];

  const decisionRows = await db
    .select({ ...refColumns, decidedAt: decisions.decidedAt, outcome: decisions.outcome, comment: decisions.comment })
    .from(decisions)
    .innerJoin(actions, eq(actions.id, decisions.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, ...inPeriod(decisions.decidedAt)));

  const closedRows = await db
    .select({
      ...refColumns,
      id: actions.id,
      closedAt: actions.closedAt,
      outcome: actions.outcome,
      status: actions.status,
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, eq(actions.status, 'closed'), ...inPeriod(actions.closedAt)));
  const notImplIds = closedRows.filter((r) => r.outcome === 'not_implemented').map((r) => r.id);
  const reasons = notImplIds.length
    ? await db
        .select({ actionId: decisions.actionId, comment: decisions.comment, decidedAt: decisions.decidedAt })
        .from(decisions)
        .where(and(inArray(decisions.actionId, notImplIds), eq(decisions.outcome, 'close_not_implemented')))
        .orderBy(asc(decisions.decidedAt))
    : [];
  const reasonOf = new Map(reasons.map((r) => [r.actionId, r.comment]));

  const extensionRows = await db
    .select({
      ...refColumns,
      decidedAt: extensionRequests.decidedAt,
      previousDueDate: extensionRequests.previousDueDate,
      newDueDate: extensionRequests.newDueDate,
      reason: extensionRequests.reason,
      interimMeasures: extensionRequests.interimMeasures,
      comment: extensionRequests.decisionComment,
    })
    .from(extensionRequests)
    .innerJoin(actions, eq(actions.id, extensionRequests.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, eq(extensionRequests.status, 'approved'), ...inPeriod(extensionRequests.decidedAt)));

  const escalationRows = await db
    .select({
      ...refColumns,
      raisedAt: escalations.raisedAt,
      level: escalations.level,
      reason: escalations.reason,
      resolvedAt: escalations.resolvedAt,
      status: actions.status,
      outcome: actions.outcome,
    })
    .from(escalations)
    .innerJoin(actions, eq(actions.id, escalations.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, ...inPeriod(escalations.raisedAt)));

  const reviewWhere: SQL[] = [...inPeriod(reviews.createdAt)];
  if (f.review) reviewWhere.push(eq(reviews.id, f.review));
  if (f.type) reviewWhere.push(eq(reviews.type, f.type));
  if (f.theme)
    reviewWhere.push(
      sql`exists (select 1 from ${actions} where ${actions.reviewId} = ${reviews.id} and ${actions.themes} @> array[${f.theme}]::text[])`,
    );
  if (scope.agencyId)
    reviewWhere.push(
      sql`exists (select 1 from ${actions} where ${actions.reviewId} = ${reviews.id} and ${actions.agencyId} = ${scope.agencyId})`,
    );
  const reviewRows = await db
    .select({ createdAt: reviews.createdAt, reference: reviews.reference, title: reviews.title })
    .from(reviews)
    .where(and(...reviewWhere))
    .orderBy(asc(reviews.createdAt), asc(reviews.reference));

  const newActionRows = await db
    .select({ ...refColumns, createdAt: actions.createdAt, dueDate: actions.dueDate })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, ...inPeriod(actions.createdAt)));

  const openRows = await db
    .select({
      ...refColumns,
      id: actions.id,
      agencyName: agencies.name,
      status: actions.status,
      dueDate: actions.dueDate,
      escalationLevel: actions.escalationLevel,
      lastActivityAt: actions.lastActivityAt,
      createdAt: actions.createdAt,
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...base, inArray(actions.status, [...OPEN_STATUSES])));
  const openIds = openRows.map((r) => r.id);
  const updatedIds = new Set(
    openIds.length
      ? (
          await db
            .selectDistinct({ actionId: auditEvents.actionId })
            .from(auditEvents)
            .where(
              and(
                inArray(auditEvents.actionId, openIds),
                inArray(auditEvents.type, AGENCY_UPDATE_EVENTS),
                ...inPeriod(auditEvents.occurredAt),
              ),
            )
        ).map((r) => r.actionId)
      : [],
  );
  const stalledRows = openIds.length
    ? await db
        .select({ actionId: escalations.actionId, raisedAt: escalations.raisedAt })
        .from(escalations)
        .where(
          and(
            inArray(escalations.actionId, openIds),
            eq(escalations.reason, 'stalled'),
            isNull(escalations.resolvedAt),
          ),
        )
        .orderBy(asc(escalations.raisedAt))
    : [];
  const stalledSince = new Map<string, Date>();
  for (const s of stalledRows) if (!stalledSince.has(s.actionId)) stalledSince.set(s.actionId, s.raisedAt);

  const ref = (r: PeriodActionRef): PeriodActionRef => ({
    reviewReference: r.reviewReference,
    reference: r.reference,
    title: r.title,
    agencyCode: r.agencyCode,
  });
  // An action created after the period ended could not have been updated in it.
  const openInPeriod = openRows.filter((r) => r.createdAt < f.to);
  const overdue = openRows
    .filter((r) => (OVERDUE_STATUSES as readonly string[]).includes(r.status) && r.dueDate < now)
    .map((r) => ({
      ...ref(r),
      dueDate: r.dueDate.toISOString(),
      daysOverdue: Math.floor((now.getTime() - r.dueDate.getTime()) / DAY),
      escalationLevel: r.escalationLevel,
    }))
    .sort(byTimeThenRef((r) => r.dueDate));
  const stalled = openRows
    .filter((r) => stalledSince.has(r.id))
    .map((r) => ({ ...ref(r), since: stalledSince.get(r.id)!.toISOString() }))
    .sort(byTimeThenRef((r) => r.since));
  const noUpdate = openInPeriod
    .filter((r) => !updatedIds.has(r.id))
    .map((r) => ({ ...ref(r), status: r.status, lastActivityAt: r.lastActivityAt?.toISOString() ?? null }))
    .sort(byTimeThenRef(() => ''));
  const perAgency = new Map<string, { agencyCode: string; agencyName: string; openActions: number; updated: number }>();
  for (const r of openInPeriod) {
    const a = perAgency.get(r.agencyCode) ?? {
      agencyCode: r.agencyCode,
      agencyName: r.agencyName,
      openActions: 0,
      updated: 0,
    };
    a.openActions += 1;
    if (updatedIds.has(r.id)) a.updated += 1;
    perAgency.set(r.agencyCode, a);
  }
  const littleOrNoProgress = [...perAgency.values()]
    .filter((a) => a.updated === 0)
    .sort((a, b) => a.agencyCode.localeCompare(b.agencyCode));

  const decisionsOut = decisionRows
    .map((r) => ({ ...ref(r), decidedAt: r.decidedAt.toISOString(), outcome: r.outcome, comment: r.comment }))
    .sort(byTimeThenRef((r) => r.decidedAt));
  const closed = closedRows
    .map((r) => ({
      ...ref(r),
      closedAt: r.closedAt!.toISOString(),
      outcome: r.outcome,
      reason: r.outcome === 'not_implemented' ? (reasonOf.get(r.id) ?? null) : null,
    }))
    .sort(byTimeThenRef((r) => r.closedAt));
  const extensions = extensionRows
    .map((r) => ({
      ...ref(r),
      decidedAt: r.decidedAt!.toISOString(),
      previousDueDate: r.previousDueDate.toISOString(),
      newDueDate: r.newDueDate.toISOString(),
      reason: r.reason,
      interimMeasures: r.interimMeasures,
      comment: r.comment,
    }))
    .sort(byTimeThenRef((r) => r.decidedAt));
  const escalationsOut = escalationRows
    .map((r) => ({
      ...ref(r),
      raisedAt: r.raisedAt.toISOString(),
      level: r.level,
      reason: r.reason,
      resolvedAt: r.resolvedAt?.toISOString() ?? null,
      ended: r.resolvedAt
        ? `resolved ${r.resolvedAt.toISOString().slice(0, 10)} (${ENDED[r.reason] ?? 'resolved'})`
        : r.status === 'closed'
          ? `action closed (${r.outcome === 'implemented' ? 'implemented' : 'not implemented'})`
          : r.status === 'cancelled'
            ? 'action cancelled'
            : 'still open',
    }))
    .sort(byTimeThenRef((r) => r.raisedAt));
  const newActions = newActionRows
    .map((r) => ({ ...ref(r), createdAt: r.createdAt.toISOString(), dueDate: r.dueDate.toISOString() }))
    .sort(byTimeThenRef((r) => r.createdAt));

  return {
    period: { from: f.from.toISOString(), to: f.to.toISOString(), boundaries: 'from inclusive, to exclusive' },
    generatedAt: now.toISOString(),
    filter: { review: f.review ?? null, type: f.type ?? null, theme: f.theme ?? null },
    totals: {
      decisions: decisionsOut.length,
      approved: decisionsOut.filter((d) => d.outcome === 'approve').length,
      changesRequested: decisionsOut.filter((d) => d.outcome === 'request_changes').length,
      notImplemented: decisionsOut.filter((d) => d.outcome === 'close_not_implemented').length,
      actionsClosed: closed.length,
      extensionsGranted: extensions.length,
      escalationsRaised: escalationsOut.length,
      newReviews: reviewRows.length,
      newActions: newActions.length,
      overdue: overdue.length,
      stalled: stalled.length,
      noUpdate: noUpdate.length,
    },
    decisions: decisionsOut,
    closed,
    extensions,
    escalations: escalationsOut,
    newReviews: reviewRows.map((r) => ({
      createdAt: r.createdAt.toISOString(),
      reference: r.reference,
      title: r.title,
    })),
    newActions,
    exceptions: { overdue, stalled, noUpdate, littleOrNoProgress },
  };
}
