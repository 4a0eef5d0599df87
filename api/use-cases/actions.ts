/**
 * The action use-cases the API calls. Each sends one workflow Update and returns the workflow's
 * new state; the Update's handler has already projected the change into Postgres when this
 * returns, so the caller may read the row at once. A refused Update writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { actions, agencies, blobs, evidence, recommendations, reviews } from '../../db/schema';
import { isUuid } from '../../domain/text';
import { dateYearProblem } from '../../domain/vocabulary';
import { AppError } from '../../lib/errors';
import {
  acknowledgeUpdate,
  addActionUpdate,
  cancelUpdate,
  decideExtensionUpdate,
  decideUpdate,
  reassignUpdate,
  requestExtensionUpdate,
  stateQuery,
  submitEvidenceUpdate,
} from '../../workflows/messages';
import {
  actionWorkflowId,
  CALENDAR_DAY_POLICY,
  type ActionState,
  type ActionWorkflowInput,
  type Actor,
  type AttachmentRef,
  type DecisionOutcome,
  type ExtensionOutcome,
  type Policy,
} from '../../workflows/types';
import { boardTimeZone, dueInstant } from '../../lib/board-time';
import type { BoardCalendar } from '../../workflows/calendar';
import { usesBoardCalendar } from '../../workflows/duration';
import { loadBoardCalendar } from './board-calendar';
import { runUpdate, type LifecycleDeps } from './lifecycle-deps';

export type { LifecycleDeps } from './lifecycle-deps';

export interface NewActionInput {
  agencyCode: string;
  title: string;
  description?: string | null;
  successMeasure?: string | null;
  /** What the impact check after approval measures (the success measure when absent). */
  impactMeasure?: string | null;
  /** false: no impact check after approval for this action. */
  impactCheck?: boolean;
  /** ISO date (`2025-03-31`) or instant. */
  dueDate: string;
}

async function loadAction(db: Db, actionId: string) {
  if (!isUuid(actionId)) throw new AppError('not_found', 'no such action');
  const [row] = await db.select().from(actions).where(eq(actions.id, actionId));
  if (!row) throw new AppError('not_found', 'no such action');
  return row;
}

type UpdateOptions = { updateId?: string };

/**
 * Sends one Update and waits for it at most `updateTimeoutMs`: then the request answers 503
 * naming the action, while the Update goes on. Retried with the same Idempotency-Key, the
 * request carries the same update id, so Temporal attaches it to that Update and it gets the
 * eventual result instead of making the change twice.
 */
export async function update<T>(
  deps: LifecycleDeps,
  actionId: string,
  send: (h: ReturnType<LifecycleDeps['client']['workflow']['getHandle']>, o: UpdateOptions) => Promise<T>,
): Promise<T> {
  const row = await loadAction(deps.db, actionId);
  const bound = deps.updateTimeoutMs;
  if (!bound) return sendUpdate(deps, row, actionId, send);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The abort ends the client's long poll; the race answers in time even if a call ignores it.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(abort.signal.reason);
    }, bound);
  });
  const sent = deps.client.withAbortSignal(abort.signal, () => sendUpdate(deps, row, actionId, send));
  sent.catch(() => undefined);
  try {
    return await Promise.race([sent, timedOut]);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
    throw new AppError(
      'unavailable',
      `The change to action ${row.reviewReference} ${row.reference} (${actionId}) is still being recorded after ${Math.round(bound / 1000)} s; ` +
        'it has not been refused. Retry the same request with the same Idempotency-Key to get its result.',
      undefined,
      5,
    );
  } finally {
    clearTimeout(timer);
  }
}

function sendUpdate<T>(
  deps: LifecycleDeps,
  row: Awaited<ReturnType<typeof loadAction>>,
  actionId: string,
  send: (h: ReturnType<LifecycleDeps['client']['workflow']['getHandle']>, o: UpdateOptions) => Promise<T>,
): Promise<T> {
  const o: UpdateOptions = deps.updateId ? { updateId: deps.updateId } : {};
  return runUpdate(
    () => send(deps.client.workflow.getHandle(row.workflowId), o),
    `the action is ${row.status === 'cancelled' ? 'cancelled' : 'closed'}: it cannot change any more`,
    async () => {
      const [now] = await deps.db.select({ status: actions.status }).from(actions).where(eq(actions.id, actionId));
      return !!now && now.status !== 'closed' && now.status !== 'cancelled';
    },
  );
}

/** ISO date or instant -> ISO instant (a bare date means the end of that day in the board's zone). */
export function parseDueDate(value: string, field = 'dueDate'): string {
  // Checked before the calendar is asked: it cannot place 9999-12-31 (the schemas refuse it too).
  const years = typeof value === 'string' ? dateYearProblem(value) : null;
  if (years) throw new AppError('validation', `${field} ${years}`, [{ path: field, message: years }]);
  const at = typeof value === 'string' ? dueInstant(value) : Number.NaN;
  if (typeof value !== 'string' || Number.isNaN(at))
    throw new AppError('validation', `${field} is not a date`, [
      { path: field, message: 'expected an ISO date or date-time' },
    ]);
  return new Date(at).toISOString();
}

/** Past: a bare date (midnight UTC) before today, or an instant before now. */
export function isPast(iso: string, now = Date.now()): boolean {
  const at = Date.parse(iso);
  const day = 86_400_000;
  return at % day === 0 ? at < Math.floor(now / day) * day : at < now;
}

export async function resolveAgency(db: Db, code: string, path = 'agencyCode') {
  const [agency] = await db.select().from(agencies).where(eq(agencies.code, code));
  if (!agency)
    throw new AppError('validation', `unknown agency code ${code}`, [{ path, message: `unknown agency code ${code}` }]);
  return agency;
}

/** One Update to an action's workflow, bounded like every other (for the use-cases of assurance.ts). */
export const sendActionUpdate = update;

export function acknowledgeAction(deps: LifecycleDeps, actor: Actor, actionId: string): Promise<ActionState> {
  return update(deps, actionId, (h, o) => h.executeUpdate(acknowledgeUpdate, { ...o, args: [{ actor }] }));
}

export async function submitEvidence(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { statement: string; links?: string[]; attachments?: AttachmentRef[]; evidenceId?: string },
): Promise<ActionState> {
  const attachments = input.attachments ?? [];
  if (attachments.length) {
    // The API stores the files first; an attachment whose content is missing would never project.
    const wanted = [...new Set(attachments.map((a) => a.sha256))];
    const found = await deps.db.select({ sha256: blobs.sha256 }).from(blobs).where(inArray(blobs.sha256, wanted));
    const missing = wanted.filter((s) => !found.some((f) => f.sha256 === s));
    if (missing.length) throw new AppError('validation', `attachment content not stored: ${missing.join(', ')}`);
  }
  const args = {
    actor,
    evidenceId: input.evidenceId ?? randomUUID(),
    statement: input.statement,
    links: input.links ?? [],
    attachments,
  };
  return update(deps, actionId, (h, o) => h.executeUpdate(submitEvidenceUpdate, { ...o, args: [args] }));
}

export async function decideAction(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { outcome: DecisionOutcome; comment?: string },
): Promise<ActionState> {
  // Whoever submitted the evidence may never sign it off, whatever role they hold now.
  const [pending] = await deps.db
    .select({ submittedBy: evidence.submittedBy })
    .from(evidence)
    .where(and(eq(evidence.actionId, actionId), eq(evidence.status, 'submitted')))
    .orderBy(desc(evidence.submittedAt))
    .limit(1);
  if (pending?.submittedBy && pending.submittedBy === actor.userId)
    throw new AppError('forbidden', 'The person who submitted this evidence may not decide on it');
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(decideUpdate, { ...o, args: [{ actor, outcome: input.outcome, comment: input.comment ?? '' }] }),
  );
}

export async function requestExtension(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { newDueDate: string; reason: string; interimMeasures: string },
): Promise<{ requestId: string; state: ActionState }> {
  const requestId = randomUUID();
  const newDueDate = parseDueDate(input.newDueDate, 'newDueDate');
  if (deps.limits && isPast(newDueDate)) {
    throw new AppError('validation', `newDueDate ${input.newDueDate} is in the past`, [
      { path: 'newDueDate', message: 'the new due date is in the past' },
    ]);
  }
  const args = { actor, requestId, newDueDate, reason: input.reason, interimMeasures: input.interimMeasures };
  const state = await update(deps, actionId, (h, o) => h.executeUpdate(requestExtensionUpdate, { ...o, args: [args] }));
  return { requestId, state };
}

export function decideExtension(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  requestId: string,
  input: { outcome: ExtensionOutcome; comment?: string },
): Promise<ActionState> {
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(decideExtensionUpdate, {
      ...o,
      args: [{ actor, requestId, outcome: input.outcome, comment: input.comment }],
    }),
  );
}

export function cancelAction(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { reason: string },
): Promise<ActionState> {
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(cancelUpdate, { ...o, args: [{ actor, reason: input.reason }] }),
  );
}

export async function reassignAction(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { agencyCode: string },
): Promise<ActionState> {
  const agency = await resolveAgency(deps.db, input.agencyCode);
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(reassignUpdate, { ...o, args: [{ actor, agencyId: agency.id, agencyCode: agency.code }] }),
  );
}

export function actionInput(
  a: {
    id: string;
    reviewId: string;
    recommendationId: string;
    reference: string;
    title: string;
    agencyId: string;
    dueDate: Date;
    impactCheck?: boolean;
  },
  ctx: {
    reviewReference: string;
    recommendationWorkflowId: string;
    agencyCode: string;
    policy: Policy;
    calendar: BoardCalendar;
  },
): ActionWorkflowInput {
  return {
    actionId: a.id,
    reviewId: a.reviewId,
    reviewReference: ctx.reviewReference,
    recommendationId: a.recommendationId,
    recommendationWorkflowId: ctx.recommendationWorkflowId,
    reference: a.reference,
    title: a.title,
    agencyId: a.agencyId,
    agencyCode: ctx.agencyCode,
    dueDate: a.dueDate.toISOString(),
    policy: ctx.policy,
    // Only "no impact check" travels: a workflow input without it behaves as before.
    ...(a.impactCheck === false ? { impactCheck: false } : {}),
    // Only a policy that counts working days or has a window needs it; any other runs exactly as before the calendar existed.
    ...(usesBoardCalendar(ctx.policy) ? { calendar: ctx.calendar } : {}),
  };
}

/** Adds an action to a running recommendation: the row first, then the Update; a refusal removes the row again. */
export async function addAction(
  deps: LifecycleDeps,
  actor: Actor,
  recommendationId: string,
  input: NewActionInput,
): Promise<ActionState> {
  if (actor.role !== 'admin' && actor.role !== 'board')
    throw new AppError('forbidden', 'only the board may add actions');
  if (!isUuid(recommendationId)) throw new AppError('not_found', 'no such recommendation');
  const [found] = await deps.db
    .select({ rec: recommendations, review: reviews })
    .from(recommendations)
    .innerJoin(reviews, eq(reviews.id, recommendations.reviewId))
    .where(eq(recommendations.id, recommendationId));
  if (!found) throw new AppError('not_found', 'no such recommendation');
  if (found.rec.status !== 'open') throw new AppError('conflict', 'the recommendation is already complete');
  const agency = await resolveAgency(deps.db, input.agencyCode);
  const dueDate = new Date(parseDueDate(input.dueDate));
  const id = randomUUID();
  const row = await deps.db.transaction(async (tx) => {
    const [{ n }] = await tx
      .select({ n: count() })
      .from(actions)
      // Follow-ups (2.1a) take letters, not numbers.
      .where(and(eq(actions.recommendationId, recommendationId), isNull(actions.followUpOf)));
    const [inserted] = await tx
      .insert(actions)
      .values({
        id,
        recommendationId,
        reviewId: found.review.id,
        reviewReference: found.review.reference,
        agencyId: agency.id,
        reference: `${found.rec.number}.${n + 1}`,
        title: input.title,
        description: input.description ?? null,
        successMeasure: input.successMeasure ?? null,
        impactMeasure: input.impactMeasure ?? null,
        impactCheck: input.impactCheck ?? true,
        dueDate,
        workflowId: actionWorkflowId(id),
      })
      .returning();
    return inserted;
  });
  // The stored policy is complete; the first contract's defaults only fill a field a very old row might lack.
  const policy = { ...CALENDAR_DAY_POLICY, ...(found.review.policy as Partial<Policy>) };
  const calendar = await loadBoardCalendar(deps.db, boardTimeZone(), new Date(), deps.calendarClock);
  const workflowInput = actionInput(row, {
    reviewReference: found.review.reference,
    recommendationWorkflowId: found.rec.workflowId,
    agencyCode: agency.code,
    policy,
    calendar,
  });
  try {
    await runUpdate(
      () =>
        deps.client.workflow
          .getHandle(found.rec.workflowId)
          .executeUpdate(addActionUpdate, { args: [{ actor, action: workflowInput }] }),
      'the recommendation is already complete',
    );
  } catch (err) {
    await deps.db.delete(actions).where(eq(actions.id, id));
    throw err;
  }
  return queryState(deps, row.workflowId);
}

/** A child just started may not have run its first task yet; its state query then waits a moment. */
async function queryState(deps: LifecycleDeps, workflowId: string): Promise<ActionState> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.client.workflow.getHandle(workflowId).query(stateQuery);
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

/** The live state straight from the workflow (for the API's "live stage"). */
export async function actionLiveState(deps: LifecycleDeps, actionId: string): Promise<ActionState> {
  const row = await loadAction(deps.db, actionId);
  return queryState(deps, row.workflowId);
}
