import { and, asc, eq, gte, inArray, lt, or, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  ACTION_STATUSES,
  actions,
  agencies,
  decisions,
  escalations,
  extensionRequests,
  reviews,
} from '../../db/schema';
import type { Scope } from '../queries/scope';
import type { PeriodActionRef, PeriodFilter } from './period';

/**
 * The figures a partnership's yearly report asks for, over a half-open year [from, to).
 * "On time" compares the closing date with the action's original due date (before any
 * extension); slippage is how many days after that original date it closed (0 when on time).
 */
export interface YearlyExtract {
  period: { from: string; to: string; boundaries: string };
  generatedAt: string;
  reviewsCarried: {
    reference: string;
    title: string;
    createdAt: string;
    status: string;
    actions: number;
    closedInYear: number;
    openAtEnd: number;
  }[];
  byAgency: ({ agencyCode: string; agencyName: string; total: number } & Record<
    (typeof ACTION_STATUSES)[number],
    number
  >)[];
  closedInYear: number;
  closedOnTime: number;
  shareClosedOnTime: number | null;
  averageSlippageDays: number | null;
  notImplemented: (PeriodActionRef & { decidedAt: string; reason: string })[];
  chairEscalations: (PeriodActionRef & {
    raisedAt: string;
    reason: string;
    resolvedAt: string | null;
    status: string;
  })[];
}

const DAY = 86_400_000;

export async function buildYearlyExtract(
  db: DbOrTx,
  scope: Scope,
  f: PeriodFilter,
  now = new Date(),
): Promise<YearlyExtract> {
  const own: SQL[] = [];
  if (scope.agencyId) own.push(eq(actions.agencyId, scope.agencyId));
  if (f.review) own.push(eq(actions.reviewId, f.review));
  if (f.type)
    own.push(sql`${actions.reviewId} in (select ${reviews.id} from ${reviews} where ${reviews.type} = ${f.type})`);
  if (f.theme) own.push(sql`${actions.themes} @> array[${f.theme}]::text[]`);
  const inYear = (c: Parameters<typeof gte>[0]) => [gte(c, f.from), lt(c, f.to)];

  // Every action that existed during the year and was not finished before it began.
  const rows = await db
    .select({
      id: actions.id,
      reviewId: actions.reviewId,
      reviewReference: actions.reviewReference,
      reference: actions.reference,
      title: actions.title,
      agencyCode: agencies.code,
      agencyName: agencies.name,
      status: actions.status,
      dueDate: actions.dueDate,
      closedAt: actions.closedAt,
    })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(...own, lt(actions.createdAt, f.to), or(isNull(actions.closedAt), gte(actions.closedAt, f.from))));
  const ids = rows.map((r) => r.id);
  const reviewIds = [...new Set(rows.map((r) => r.reviewId))];
  const reviewRows = reviewIds.length
    ? await db
        .select({
          id: reviews.id,
          reference: reviews.reference,
          title: reviews.title,
          createdAt: reviews.createdAt,
          status: reviews.status,
        })
        .from(reviews)
        .where(inArray(reviews.id, reviewIds))
        .orderBy(asc(reviews.reference))
    : [];
  const firstDue = new Map<string, Date>();
  if (ids.length) {
    const ext = await db
      .select({ actionId: extensionRequests.actionId, previousDueDate: extensionRequests.previousDueDate })
      .from(extensionRequests)
      .where(and(inArray(extensionRequests.actionId, ids), eq(extensionRequests.status, 'approved')))
      .orderBy(asc(extensionRequests.decidedAt));
    for (const e of ext) if (!firstDue.has(e.actionId)) firstDue.set(e.actionId, e.previousDueDate);
  }

  const closedIn = (r: (typeof rows)[number]) =>
    r.status === 'closed' && r.closedAt !== null && r.closedAt >= f.from && r.closedAt < f.to;
  const closed = rows.filter(closedIn);
  // Whole days: closing any time on the due day is on time.
  const dayOf = (d: Date) => Math.floor(d.getTime() / DAY);
  const lateDays = closed.map((r) => Math.max(0, dayOf(r.closedAt!) - dayOf(firstDue.get(r.id) ?? r.dueDate)));
  const onTime = lateDays.filter((d) => d === 0).length;

  const agencyMap = new Map<string, YearlyExtract['byAgency'][number]>();
  for (const r of rows) {
    const a = agencyMap.get(r.agencyCode) ?? {
      agencyCode: r.agencyCode,
      agencyName: r.agencyName,
      total: 0,
      ...(Object.fromEntries(ACTION_STATUSES.map((s) => [s, 0])) as Record<(typeof ACTION_STATUSES)[number], number>),
    };
    a.total += 1;
    a[r.status] += 1;
    agencyMap.set(r.agencyCode, a);
  }

  const notImplemented = ids.length
    ? await db
        .select({
          reviewReference: actions.reviewReference,
          reference: actions.reference,
          title: actions.title,
          agencyCode: agencies.code,
          decidedAt: decisions.decidedAt,
          reason: decisions.comment,
        })
        .from(decisions)
        .innerJoin(actions, eq(actions.id, decisions.actionId))
        .innerJoin(agencies, eq(agencies.id, actions.agencyId))
        .where(
          and(
            inArray(decisions.actionId, ids),
            eq(decisions.outcome, 'close_not_implemented'),
            ...inYear(decisions.decidedAt),
          ),
        )
        .orderBy(asc(decisions.decidedAt), asc(actions.reviewReference), asc(actions.reference))
    : [];
  const chair = ids.length
    ? await db
        .select({
          reviewReference: actions.reviewReference,
          reference: actions.reference,
          title: actions.title,
          agencyCode: agencies.code,
          raisedAt: escalations.raisedAt,
          reason: escalations.reason,
          resolvedAt: escalations.resolvedAt,
          status: actions.status,
        })
        .from(escalations)
        .innerJoin(actions, eq(actions.id, escalations.actionId))
        .innerJoin(agencies, eq(agencies.id, actions.agencyId))
        .where(and(inArray(escalations.actionId, ids), eq(escalations.level, 3), ...inYear(escalations.raisedAt)))
        .orderBy(asc(escalations.raisedAt), asc(actions.reviewReference), asc(actions.reference))
    : [];

  return {
    period: { from: f.from.toISOString(), to: f.to.toISOString(), boundaries: 'from inclusive, to exclusive' },
    generatedAt: now.toISOString(),
    reviewsCarried: reviewRows.map((rv) => {
      const mine = rows.filter((r) => r.reviewId === rv.id);
      return {
        reference: rv.reference,
        title: rv.title,
        createdAt: rv.createdAt.toISOString(),
        status: rv.status,
        actions: mine.length,
        closedInYear: mine.filter(closedIn).length,
        openAtEnd: mine.filter((r) => r.status !== 'cancelled' && (r.closedAt === null || r.closedAt >= f.to)).length,
      };
    }),
    byAgency: [...agencyMap.values()].sort((a, b) => a.agencyCode.localeCompare(b.agencyCode)),
    closedInYear: closed.length,
    closedOnTime: onTime,
    shareClosedOnTime: closed.length ? onTime / closed.length : null,
    averageSlippageDays: closed.length
      ? Math.round((lateDays.reduce((n, d) => n + d, 0) / closed.length) * 10) / 10
      : null,
    notImplemented: notImplemented.map((n) => ({
      reviewReference: n.reviewReference,
      reference: n.reference,
      title: n.title,
      agencyCode: n.agencyCode,
      decidedAt: n.decidedAt.toISOString(),
      reason: n.reason,
    })),
    chairEscalations: chair.map((c) => ({
      reviewReference: c.reviewReference,
      reference: c.reference,
      title: c.title,
      agencyCode: c.agencyCode,
      raisedAt: c.raisedAt.toISOString(),
      reason: c.reason,
      resolvedAt: c.resolvedAt?.toISOString() ?? null,
      status: c.status,
    })),
  };
}
