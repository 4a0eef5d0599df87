import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/client';
import { auditEvents, recommendations, reviews } from '../db/schema';
import type { RecommendationCompletion, RecommendationReopening } from '../workflows/types';
import { appendAudit, lockAuditChain } from './audit';

/** Records a finished recommendation, and the review as completed once none is left open. Idempotent. */
export async function completeRecommendation(db: Db, c: RecommendationCompletion, auditKey?: string): Promise<void> {
  // A recommendation opened again (issue 22) completes again under a key of its own.
  const eventKey = c.round ? `${c.workflowId}:complete:${c.round}` : `${c.workflowId}:complete`;
  const at = new Date(c.completedAt);
  await db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const [seen] = await tx.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
    if (seen) return;
    await tx
      .update(recommendations)
      .set({ status: c.status, completedAt: at })
      .where(eq(recommendations.id, c.recommendationId));
    const open = await tx
      .select({ id: recommendations.id })
      .from(recommendations)
      .where(
        and(
          eq(recommendations.reviewId, c.reviewId),
          eq(recommendations.status, 'open'),
          ne(recommendations.id, c.recommendationId),
        ),
      );
    if (open.length === 0)
      // A review the board withdrew (issue 22) stays withdrawn when its last recommendation ends.
      await tx
        .update(reviews)
        .set({ status: 'completed', completedAt: at })
        .where(and(eq(reviews.id, c.reviewId), ne(reviews.status, 'withdrawn')));
    await appendAudit(
      tx,
      {
        eventKey,
        actionId: null,
        reviewId: c.reviewId,
        type: 'recommendation_completed',
        actor: null,
        payload: { recommendationId: c.recommendationId, status: c.status },
        occurredAt: at,
      },
      undefined,
      auditKey,
    );
  });
}

/**
 * Issue 22: a completed recommendation is open again because one of its actions was reopened;
 * its review, if it had completed, is active again (a withdrawn review stays withdrawn). Idempotent.
 */
export async function reopenRecommendation(db: Db, r: RecommendationReopening, auditKey?: string): Promise<void> {
  const eventKey = `${r.workflowId}:reopen:${r.round}`;
  const at = new Date(r.reopenedAt);
  await db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const [seen] = await tx.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
    if (seen) return;
    await tx
      .update(recommendations)
      .set({ status: 'open', completedAt: null })
      .where(eq(recommendations.id, r.recommendationId));
    await tx
      .update(reviews)
      .set({ status: 'active', completedAt: null })
      .where(and(eq(reviews.id, r.reviewId), eq(reviews.status, 'completed')));
    await appendAudit(
      tx,
      {
        eventKey,
        actionId: null,
        reviewId: r.reviewId,
        type: 'recommendation_reopened',
        actor: null,
        payload: { recommendationId: r.recommendationId, status: 'open', actionId: r.actionId },
        occurredAt: at,
      },
      undefined,
      auditKey,
    );
  });
}
