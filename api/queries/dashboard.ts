import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { perDatabase, type DbOrTx } from '../../db/client';
import { readModelVersionOf } from './action-list-cache';
import { ACTION_STATUSES, RAGS, actions, agencies, escalations, reviews, type ReviewType } from '../../db/schema';
import { isFinished } from '../../domain/vocabulary';
import { RESULTS, resultOf, type Result } from '../../domain/words';
import { listActions, overdueCondition, scopeCondition } from './actions';
import type { Scope } from './scope';

const LIST_LIMIT = 50;

export async function dashboard(
  db: DbOrTx,
  scope: Scope,
  now = new Date(),
  filter: { type?: ReviewType; theme?: string } = {},
) {
  const cut = [
    scopeCondition(scope),
    filter.type
      ? sql`${actions.reviewId} in (select ${reviews.id} from ${reviews} where ${reviews.type} = ${filter.type})`
      : undefined,
    filter.theme ? sql`${actions.themes} @> array[${filter.theme}]::text[]` : undefined,
  ];
  const inScope = and(...cut);
  const isOverdue = overdueCondition(now);
  const grouped = await db
    .select({
      agencyCode: agencies.code,
      agencyName: agencies.name,
      status: actions.status,
      rag: actions.rag,
      outcome: actions.outcome,
      n: count(),
      overdue: sql<number>`count(*) filter (where ${isOverdue})`.mapWith(Number),
      escalated: sql<number>`count(*) filter (where ${actions.escalationLevel} > 0)`.mapWith(Number),
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(inScope)
    .groupBy(agencies.code, agencies.name, actions.status, actions.rag, actions.outcome)
    .orderBy(asc(agencies.code));

  const byStatus = Object.fromEntries(ACTION_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  const byRag = Object.fromEntries(RAGS.map((r) => [r, 0])) as Record<string, number>;
  // "complete" in byRag lumps three endings together; byResult keeps them apart.
  const byResult = Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<Result, number>;
  const agencyMap = new Map<
    string,
    {
      agencyCode: string;
      agencyName: string;
      total: number;
      open: number;
      overdue: number;
      escalated: number;
      byRag: Record<string, number>;
      byResult: Record<Result, number>;
    }
  >();
  let total = 0;
  for (const g of grouped) {
    total += g.n;
    byStatus[g.status] += g.n;
    byRag[g.rag] += g.n;
    const result = resultOf(g);
    if (result) byResult[result] += g.n;
    const a = agencyMap.get(g.agencyCode) ?? {
      agencyCode: g.agencyCode,
      agencyName: g.agencyName,
      total: 0,
      open: 0,
      overdue: 0,
      escalated: 0,
      byRag: Object.fromEntries(RAGS.map((r) => [r, 0])),
      byResult: Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<Result, number>,
    };
    a.total += g.n;
    if (!isFinished(g.status)) {
      a.open += g.n;
      a.escalated += g.escalated;
    }
    a.overdue += g.overdue;
    a.byRag[g.rag] += g.n;
    if (result) a.byResult[result] += g.n;
    agencyMap.set(g.agencyCode, a);
  }

  const overdue = await listActions(db, scope, { overdue: true, ...filter }, { page: 1, pageSize: LIST_LIMIT }, now);
  const awaiting = await listActions(
    db,
    scope,
    { status: 'under_review', ...filter },
    { page: 1, pageSize: LIST_LIMIT },
    now,
  );
  const open = await db
    .select({
      id: escalations.id,
      actionId: escalations.actionId,
      actionReference: actions.reference,
      reviewReference: reviews.reference,
      agencyCode: agencies.code,
      level: escalations.level,
      reason: escalations.reason,
      raisedAt: escalations.raisedAt,
    })
    .from(escalations)
    .innerJoin(actions, eq(actions.id, escalations.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .innerJoin(reviews, eq(reviews.id, actions.reviewId))
    .where(and(isNull(escalations.resolvedAt), inScope))
    .orderBy(asc(escalations.raisedAt))
    .limit(LIST_LIMIT);

  // Issue 17: the impact check and slippage, in one pass over the scope.
  const [impact] = await db
    .select({
      impactEvidenceDue: sql<number>`count(*) filter (where ${actions.assurance} = 'due')`.mapWith(Number),
      impactEvidenceWithBoard: sql<number>`count(*) filter (where ${actions.assurance} = 'evidence_submitted')`.mapWith(
        Number,
      ),
      impactCheckScheduled: sql<number>`count(*) filter (where ${actions.assurance} = 'scheduled')`.mapWith(Number),
      impactEvidenced: sql<number>`count(*) filter (where ${actions.assurance} = 'evidenced')`.mapWith(Number),
      notEmbedded: sql<number>`count(*) filter (where ${actions.assurance} = 'not_embedded')`.mapWith(Number),
      impactWaived: sql<number>`count(*) filter (where ${actions.assurance} = 'waived')`.mapWith(Number),
      extended: sql<number>`count(*) filter (where ${actions.extensionCount} > 0)`.mapWith(Number),
    })
    .from(actions)
    .where(inScope);

  return {
    total,
    impact: {
      impactEvidenceDue: impact.impactEvidenceDue,
      impactEvidenceWithBoard: impact.impactEvidenceWithBoard,
      impactCheckScheduled: impact.impactCheckScheduled,
      impactEvidenced: impact.impactEvidenced,
      notEmbedded: impact.notEmbedded,
      impactWaived: impact.impactWaived,
    },
    slippage: { extendedActions: impact.extended },
    byStatus,
    byRag,
    byResult,
    byAgency: [...agencyMap.values()],
    overdue: overdue.items,
    awaitingSignOff: awaiting.items,
    openEscalations: open.map((e) => ({ ...e, raisedAt: e.raisedAt.toISOString() })),
  };
}

/**
 * Overdue actions at the end of each of the last `weeks` weeks, counted in the database (one
 * row back, whatever the size of the plan). An action counts at instant t when it existed, was
 * past its due date and not yet closed; a cancelled one stops counting from its last update.
 * Due dates moved by extensions are as they stand now, which is what the board asks about.
 */
export async function overdueTrend(
  db: DbOrTx,
  scope: Scope,
  now = new Date(),
  weeks = 12,
): Promise<{ at: Date; overdue: number }[]> {
  const points = Array.from({ length: weeks }, (_, i) => new Date(now.getTime() - (weeks - 1 - i) * 7 * 86_400_000));
  const columns = Object.fromEntries(
    points.map((at, i) => [
      `w${i}`,
      sql<number>`count(*) filter (where ${actions.createdAt} <= ${at} and ${actions.dueDate} < ${at} and (${actions.closedAt} is null or ${actions.closedAt} > ${at}) and not (${actions.status} = 'cancelled' and ${actions.updatedAt} <= ${at}))`.mapWith(
        Number,
      ),
    ]),
  );
  const [row] = await db.select(columns).from(actions).where(scopeCondition(scope));
  return points.map((at, i) => ({ at, overdue: Number(row?.[`w${i}`] ?? 0) }));
}

/** How long a dashboard may show overdue counts as of an earlier instant when nothing was written meanwhile. */
export const DASHBOARD_CLOCK_MS = 60_000;

type DashboardView = { counts: Awaited<ReturnType<typeof dashboard>>; trend: Awaited<ReturnType<typeof overdueTrend>> };

/**
 * The dashboard's counts and trend for a scope, read again when anything was written (the read
 * model's version moved, as for the action list's page cache) or when the minute changes (overdue
 * depends on the clock). Between those, every viewer gets the same figures without the
 * aggregations running again, so the page costs two primary-key reads however large the plan.
 */
export class DashboardCache {
  private readonly entries = new Map<string, { version: number; minute: number; value: Promise<DashboardView> }>();

  async get(db: DbOrTx, scope: Scope, now = new Date()): Promise<DashboardView> {
    const version = await readModelVersionOf(db);
    const minute = Math.floor(now.getTime() / DASHBOARD_CLOCK_MS);
    const key = scope.agencyId ?? '*';
    const hit = this.entries.get(key);
    if (hit && hit.version === version && hit.minute === minute) return hit.value;
    const value = Promise.all([dashboard(db, scope, now), overdueTrend(db, scope, now)]).then(([counts, trend]) => ({
      counts,
      trend,
    }));
    if (hit && (hit.version > version || hit.minute > minute)) return value;
    const entry = { version, minute, value };
    this.entries.set(key, entry);
    // Scopes are the board's and one per agency: a handful of entries, never more than the agencies.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}

const dashboardCacheOf = perDatabase(() => new DashboardCache());

export const dashboardCached = (db: DbOrTx, scope: Scope, now = new Date()) => dashboardCacheOf(db).get(db, scope, now);
