import { and, asc, count, desc, eq, exists, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { actions, recommendations, reviews, type ReviewType } from '../../db/schema';
import { isUuid } from '../../domain/text';
import { FINISHED_STATUSES } from '../../domain/vocabulary';
import { actionsOfReview } from './actions';
import type { Scope } from './scope';

/** An agency sees a review only through its own actions in it. */
function reviewScope(db: DbOrTx, scope: Scope): SQL | undefined {
  if (!scope.agencyId) return undefined;
  return exists(
    db
      .select({ one: actions.id })
      .from(actions)
      .where(and(eq(actions.reviewId, reviews.id), eq(actions.agencyId, scope.agencyId))),
  );
}

export async function listReviews(db: DbOrTx, scope: Scope, filter: { type?: ReviewType } = {}) {
  const rows = await db
    .select({
      id: reviews.id,
      reference: reviews.reference,
      title: reviews.title,
      type: reviews.type,
      publishedOn: reviews.publishedOn,
      status: reviews.status,
      createdAt: reviews.createdAt,
    })
    .from(reviews)
    .where(and(reviewScope(db, scope), filter.type ? eq(reviews.type, filter.type) : undefined))
    .orderBy(desc(reviews.createdAt), asc(reviews.reference));
  const counts = await db
    .select({
      reviewId: actions.reviewId,
      n: count(),
      finished: sql<number>`count(*) filter (where ${inArray(actions.status, [...FINISHED_STATUSES])})`.mapWith(Number),
      implemented:
        sql<number>`count(*) filter (where ${actions.status} = 'closed' and ${actions.outcome} is distinct from 'not_implemented')`.mapWith(
          Number,
        ),
      notImplemented:
        sql<number>`count(*) filter (where ${actions.status} = 'closed' and ${actions.outcome} = 'not_implemented')`.mapWith(
          Number,
        ),
      cancelled: sql<number>`count(*) filter (where ${actions.status} = 'cancelled')`.mapWith(Number),
    })
    .from(actions)
    .where(scope.agencyId ? eq(actions.agencyId, scope.agencyId) : undefined)
    .groupBy(actions.reviewId);
  const byReview = new Map(counts.map((c) => [c.reviewId, c]));
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    title: r.title,
    type: r.type,
    publishedOn: r.publishedOn,
    status: r.status,
    actionCount: byReview.get(r.id)?.n ?? 0,
    finishedCount: byReview.get(r.id)?.finished ?? 0,
    implementedCount: byReview.get(r.id)?.implemented ?? 0,
    notImplementedCount: byReview.get(r.id)?.notImplemented ?? 0,
    cancelledCount: byReview.get(r.id)?.cancelled ?? 0,
  }));
}

export async function findReviewRow(db: DbOrTx, scope: Scope, id: string) {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(reviews)
    .where(and(eq(reviews.id, id), reviewScope(db, scope)))
    .limit(1);
  return row ?? null;
}

/** The review with its recommendations and the actions the caller may see; null when unknown or not visible. */
export async function findReview(db: DbOrTx, scope: Scope, id: string) {
  const review = await findReviewRow(db, scope, id);
  if (!review) return null;
  const recs = await db
    .select({
      id: recommendations.id,
      number: recommendations.number,
      text: recommendations.text,
      status: recommendations.status,
      themes: recommendations.themes,
    })
    .from(recommendations)
    .where(eq(recommendations.reviewId, id))
    .orderBy(asc(recommendations.position), asc(recommendations.number));
  const acts = await actionsOfReview(db, scope, id);
  return {
    id: review.id,
    reference: review.reference,
    title: review.title,
    type: review.type,
    publishedOn: review.publishedOn,
    status: review.status,
    policy: review.policy as Record<string, unknown>,
    createdAt: review.createdAt.toISOString(),
    recommendations: recs
      .map((r) => ({ ...r, actions: acts.filter((a) => a.recommendationId === r.id) }))
      // An agency is shown only recommendations it has actions under.
      .filter((r) => !scope.agencyId || r.actions.length > 0),
  };
}
