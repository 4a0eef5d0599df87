/**
 * Issue 22 item 9: the board's corrections (docs/ARCHITECTURE.md, The board's corrections). Each
 * is one verb, called alike by its API route and its page; each is in the audit chain.
 *
 * - a due date is corrected through the action's workflow (`correctDueDate`), which plans every
 *   timer again; the action moves to another agency through its `reassign` Update;
 * - wording (an action's title, description, success measure; a recommendation's text) is no
 *   workflow state: the row and an audit event with the before and after go in one transaction;
 * - a review is withdrawn by ending each open action through `withdrawWithReview`, one of each
 *   agency's actions carrying the one mail that agency gets, then marking the review withdrawn.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { appendAudit, lockAuditChain } from '../../activities/audit';
import type { Db, Tx } from '../../db/client';
import { actions, agencies, recommendations, reviews } from '../../db/schema';
import { OPEN_STATUSES } from '../../domain/vocabulary';
import { isUuid } from '../../domain/text';
import { AppError } from '../../lib/errors';
import { correctDueDateUpdate, withdrawWithReviewUpdate } from '../../workflows/corrections';
import type { ActionState, Actor } from '../../workflows/types';
import {
  addAction,
  isPast,
  parseDueDate,
  reassignAction,
  update,
  type LifecycleDeps,
  type NewActionInput,
} from './actions';

export function correctDueDate(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { dueDate: string; reason: string },
): Promise<ActionState> {
  const dueDate = parseDueDate(input.dueDate);
  if (deps.limits && isPast(dueDate))
    throw new AppError('validation', `dueDate ${input.dueDate} is in the past`, [
      { path: 'dueDate', message: 'the corrected due date is in the past' },
    ]);
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(correctDueDateUpdate, { ...o, args: [{ actor, dueDate, reason: input.reason }] }),
  );
}

/** Moves the action to another agency: the workflow starts it again there and mails the new lead. */
export async function moveToAgency(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { agencyCode: string },
): Promise<ActionState> {
  return reassignAction(deps, actor, actionId, input);
}

/** A new action on a recommendation: refused (409) once the board has withdrawn its review. */
export async function addActionToRecommendation(
  deps: LifecycleDeps,
  actor: Actor,
  recommendationId: string,
  input: NewActionInput,
): Promise<ActionState> {
  if (isUuid(recommendationId)) {
    const [row] = await deps.db
      .select({ status: reviews.status })
      .from(recommendations)
      .innerJoin(reviews, eq(reviews.id, recommendations.reviewId))
      .where(eq(recommendations.id, recommendationId));
    if (row?.status === 'withdrawn') throw new AppError('conflict', 'the review is withdrawn: no actions can be added');
  }
  return addAction(deps, actor, recommendationId, input);
}

export interface WordingInput {
  title?: string;
  description?: string;
  successMeasure?: string;
  reason?: string;
}

type Change = { before: string | null; after: string | null };

/** Only the fields that differ; a blank optional field clears it. */
function changesOf<K extends string>(
  row: Record<K, string | null>,
  input: Partial<Record<K, string | undefined>>,
): Partial<Record<K, Change>> {
  const out: Partial<Record<K, Change>> = {};
  for (const key of Object.keys(input) as K[]) {
    const v = input[key];
    if (v === undefined) continue;
    const after = v === '' ? null : v;
    if (after !== row[key]) out[key] = { before: row[key], after };
  }
  return out;
}

async function recordCorrection(
  tx: Tx,
  e: { actionId: string | null; reviewId: string; actor: Actor; payload: Record<string, unknown>; type: string },
) {
  await appendAudit(tx, {
    eventKey: `correction:${randomUUID()}`,
    actionId: e.actionId,
    reviewId: e.reviewId,
    type: e.type,
    actor: e.actor.userId,
    payload: { ...e.payload, actorRole: e.actor.role },
    occurredAt: new Date(),
  });
}

/** Title, description, success measure: the row and its audited before/after, or nothing. */
export async function correctActionWording(
  db: Db,
  actor: Actor,
  actionId: string,
  input: WordingInput,
): Promise<{ changed: string[] }> {
  if (!isUuid(actionId)) throw new AppError('not_found', 'No such action');
  const { reason, ...fields } = input;
  if (fields.title !== undefined && fields.title.trim() === '')
    throw new AppError('validation', 'the title cannot be blank', [{ path: 'title', message: 'enter the title' }]);
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const [row] = await tx
      .select({
        title: actions.title,
        description: actions.description,
        successMeasure: actions.successMeasure,
        reviewId: actions.reviewId,
        status: actions.status,
      })
      .from(actions)
      .where(eq(actions.id, actionId));
    if (!row) throw new AppError('not_found', 'No such action');
    const changes = changesOf(row, fields);
    const changed = Object.keys(changes);
    if (!changed.length)
      throw new AppError('validation', 'nothing to correct: the wording is already as given', [
        { path: 'title', message: 'change at least one of the title, description or success measure' },
      ]);
    await tx
      .update(actions)
      .set(Object.fromEntries(Object.entries(changes).map(([k, c]) => [k, (c as Change).after])))
      .where(eq(actions.id, actionId));
    await recordCorrection(tx, {
      actionId,
      reviewId: row.reviewId,
      actor,
      type: 'wording_corrected',
      payload: { changes, ...(reason ? { reason } : {}), status: row.status },
    });
    return { changed };
  });
}

/** A recommendation's text, audited on the review with its before and after. */
export async function correctRecommendationText(
  db: Db,
  actor: Actor,
  recommendationId: string,
  input: { text: string; reason?: string },
): Promise<{ changed: string[] }> {
  if (!isUuid(recommendationId)) throw new AppError('not_found', 'No such recommendation');
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const [rec] = await tx
      .select({ text: recommendations.text, reviewId: recommendations.reviewId, number: recommendations.number })
      .from(recommendations)
      .where(eq(recommendations.id, recommendationId));
    if (!rec) throw new AppError('not_found', 'No such recommendation');
    if (rec.text === input.text)
      throw new AppError('validation', 'nothing to correct: the recommendation already reads so', [
        { path: 'text', message: 'change the text, or leave it as it is' },
      ]);
    await tx.update(recommendations).set({ text: input.text }).where(eq(recommendations.id, recommendationId));
    await recordCorrection(tx, {
      actionId: null,
      reviewId: rec.reviewId,
      actor,
      type: 'wording_corrected',
      payload: {
        recommendationId,
        recommendationNumber: rec.number,
        changes: { recommendationText: { before: rec.text, after: input.text } },
        ...(input.reason ? { reason: input.reason } : {}),
      },
    });
    return { changed: ['text'] };
  });
}

export interface WithdrawnReview {
  id: string;
  status: 'withdrawn';
  cancelled: { actionId: string; reference: string; agencyCode: string }[];
  agenciesTold: string[];
}

/**
 * Ends every open action with the board's reason, tells each agency once, marks the review
 * withdrawn. Refused (409) for a review already withdrawn; a review with nothing open is marked
 * withdrawn all the same (its statement then says so).
 */
export async function withdrawReview(
  deps: LifecycleDeps,
  actor: Actor,
  reviewId: string,
  input: { reason: string },
): Promise<WithdrawnReview> {
  if (!isUuid(reviewId)) throw new AppError('not_found', 'No such review');
  const [review] = await deps.db.select().from(reviews).where(eq(reviews.id, reviewId));
  if (!review) throw new AppError('not_found', 'No such review');
  if (review.status === 'withdrawn') throw new AppError('conflict', 'the review is already withdrawn');
  const open = await deps.db
    .select({ actionId: actions.id, reference: actions.reference, agencyCode: agencies.code })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(eq(actions.reviewId, reviewId), inArray(actions.status, [...OPEN_STATUSES])))
    .orderBy(asc(agencies.code), asc(actions.reference));
  // The first action of each agency carries that agency's one mail, naming all of its actions.
  const byAgency = new Map<string, string[]>();
  for (const a of open) byAgency.set(a.agencyCode, [...(byAgency.get(a.agencyCode) ?? []), a.reference]);
  const cancelled: WithdrawnReview['cancelled'] = [];
  const told = new Set<string>();
  for (const a of open) {
    const tell = !told.has(a.agencyCode);
    const refs = byAgency.get(a.agencyCode)!;
    try {
      // Each action its own Update: the request's Idempotency-Key names the withdrawal, not one of them.
      await update({ ...deps, updateId: undefined }, a.actionId, (h) =>
        h.executeUpdate(withdrawWithReviewUpdate, {
          args: [
            {
              actor,
              reason: input.reason,
              ...(tell ? { tellAgency: { references: refs.join(', ') } } : {}),
            },
          ],
        }),
      );
    } catch (err) {
      // An action that finished meanwhile (closed by the board a moment ago) is simply not withdrawn.
      if (err instanceof AppError && err.kind === 'conflict') continue;
      throw err;
    }
    if (tell) told.add(a.agencyCode);
    cancelled.push(a);
  }
  await deps.db.transaction(async (tx) => {
    await lockAuditChain(tx);
    await tx.update(reviews).set({ status: 'withdrawn' }).where(eq(reviews.id, reviewId));
    await recordCorrection(tx, {
      actionId: null,
      reviewId,
      actor,
      type: 'review_withdrawn',
      payload: { reason: input.reason, cancelled: cancelled.map((c) => c.reference), agenciesTold: [...told] },
    });
  });
  return { id: reviewId, status: 'withdrawn', cancelled, agenciesTold: [...told] };
}
