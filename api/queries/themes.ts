/**
 * Themes across reviews, scoped like every other read: an agency sees its own actions only. The
 * API (GET /api/v1/themes/:code/actions) and the board-papers page read through these.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { actions, agencies, reviews, themes } from '../../db/schema';
import { OPEN_STATUSES } from '../../domain/vocabulary';
import { scopeCondition } from './actions';
import type { Scope } from './scope';

export async function findTheme(db: DbOrTx, code: string) {
  const [theme] = await db.select().from(themes).where(eq(themes.code, code));
  return theme;
}

/** Every open action carrying the theme, in every review the scope can see, by review then due date. */
export function openActionsWithTheme(db: DbOrTx, scope: Scope, code: string) {
  return db
    .select({
      id: actions.id,
      reviewId: actions.reviewId,
      reviewReference: actions.reviewReference,
      reviewTitle: reviews.title,
      reviewType: reviews.type,
      reference: actions.reference,
      title: actions.title,
      agencyCode: agencies.code,
      status: actions.status,
      rag: actions.rag,
      dueDate: actions.dueDate,
    })
    .from(actions)
    .innerJoin(reviews, eq(reviews.id, actions.reviewId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(
      and(
        sql`${actions.themes} @> array[${code}]::text[]`,
        inArray(actions.status, [...OPEN_STATUSES]),
        scopeCondition(scope),
      ),
    )
    .orderBy(asc(actions.reviewReference), asc(actions.dueDate), asc(actions.reference));
}

/** Each active theme with the number of open actions the scope can see that carry it. */
export function openActionCountsByTheme(db: DbOrTx, scope: Scope) {
  return db
    .select({ code: themes.code, label: themes.label, open: sql<number>`count(${actions.id})::int` })
    .from(themes)
    .leftJoin(
      actions,
      and(
        sql`${actions.themes} @> array[${themes.code}]::text[]`,
        inArray(actions.status, [...OPEN_STATUSES]),
        scopeCondition(scope),
      ),
    )
    .where(eq(themes.active, true))
    .groupBy(themes.code, themes.label)
    .orderBy(asc(themes.label));
}
