import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { ACTION_STATUSES, RAGS, actions, agencies, escalations, reviews, type ReviewType } from '../../db/schema';
import { isFinished } from '../../domain/vocabulary';
import { listActions, overdueCondition, scopeCondition } from './actions';
import type { Scope } from './scope';

const LIST_LIMIT = 50;

export async function dashboard(db: DbOrTx, scope: Scope, now = new Date(), filter: { type?: ReviewType; theme?: string } = {}) {
  const cut = [
    scopeCondition(scope),
    filter.type ? sql`${actions.reviewId} in (select ${reviews.id} from ${reviews} where ${reviews.type} = ${filter.type})` : undefined,
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
      n: count(),
      overdue: sql<number>`count(*) filter (where ${isOverdue})`.mapWith(Number),
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(inScope)
    .groupBy(agencies.code, agencies.name, actions.status, actions.rag)
    .orderBy(asc(agencies.code));

  const byStatus = Object.fromEntries(ACTION_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  const byRag = Object.fromEntries(RAGS.map((r) => [r, 0])) as Record<string, number>;
  const agencyMap = new Map<string, { agencyCode: string; agencyName: string; total: number; open: number; overdue: number; byRag: Record<string, number> }>();
  let total = 0;
  for (const g of grouped) {
    total += g.n;
    byStatus[g.status] += g.n;
    byRag[g.rag] += g.n;
    const a = agencyMap.get(g.agencyCode) ?? { agencyCode: g.agencyCode, agencyName: g.agencyName, total: 0, open: 0, overdue: 0, byRag: Object.fromEntries(RAGS.map((r) => [r, 0])) };
    a.total += g.n;
    if (!isFinished(g.status)) a.open += g.n;
    a.overdue += g.overdue;
    a.byRag[g.rag] += g.n;
    agencyMap.set(g.agencyCode, a);
  }

  const overdue = await listActions(db, scope, { overdue: true, ...filter }, { page: 1, pageSize: LIST_LIMIT }, now);
  const awaiting = await listActions(db, scope, { status: 'under_review', ...filter }, { page: 1, pageSize: LIST_LIMIT }, now);
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

  return {
    total,
    byStatus,
    byRag,
    byAgency: [...agencyMap.values()],
    overdue: overdue.items,
    awaitingSignOff: awaiting.items,
    openEscalations: open.map((e) => ({ ...e, raisedAt: e.raisedAt.toISOString() })),
  };
}
