/**
 * Creating a review: rows first (one transaction), then one recommendationWorkflow per
 * recommendation. Idempotent on the reference: the same content again returns the existing
 * review and starts any workflow that is missing (say the process died between the two steps);
 * different content under an existing reference is a conflict.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  actions,
  agencies,
  recommendations,
  reviews,
  reviewTypePolicies,
  themes,
  users,
  type ReviewType,
} from '../../db/schema';
import { AppError, type FieldIssue } from '../../lib/errors';
import { isHhMm, type PolicyDuration } from '../../workflows/calendar';
import { isImpactPeriod } from '../../workflows/assurance';
import { isDuration, normaliseDuration, parseDuration } from '../../workflows/duration';
import { canonicalJson, isUuid } from '../../domain/text';
import type { recommendationWorkflow } from '../../workflows/recommendation-workflow';
import {
  actionWorkflowId,
  CALENDAR_DAY_POLICY,
  DEFAULT_POLICY,
  recommendationWorkflowId,
  type Actor,
  type Policy,
} from '../../workflows/types';
import { boardTimeZone } from '../../lib/board-time';
import { loadBoardCalendar } from './board-calendar';
import { actionInput, isPast, parseDueDate, type NewActionInput } from './actions';
import type { LifecycleDeps } from './lifecycle-deps';

export interface CreateReviewInput {
  reference: string;
  title: string;
  type?: ReviewType;
  publishedOn?: string | null;
  policy?: Partial<Record<keyof Policy, unknown>>;
  recommendations: {
    number: string;
    text: string;
    themes?: string[];
    actions: (NewActionInput & { themes?: string[] })[];
  }[];
}

export interface ReviewView {
  id: string;
  reference: string;
  title: string;
  type: ReviewType;
  publishedOn: string | null;
  policy: Policy;
  status: string;
  recommendations: {
    id: string;
    number: string;
    text: string;
    workflowId: string;
    status: string;
    themes: string[];
    actions: {
      id: string;
      reference: string;
      title: string;
      agencyCode: string;
      dueDate: string;
      status: string;
      workflowId: string;
      themes: string[];
    }[];
  }[];
}

/** Whether a client's policy asks for the board calendar (working days or a delivery window). */
function mentionsCalendar(partial: Record<string, unknown>): boolean {
  const wd = (v: unknown) => typeof v === 'object' || (typeof v === 'string' && !isDuration(v));
  // impactCheckAfter is a period (P6M), not a clock of the calendar.
  const { impactCheckAfter: _period, ...clocks } = partial;
  return clocks.deliverAt !== undefined || Object.values(clocks).some((v) => (Array.isArray(v) ? v.some(wd) : wd(v)));
}

/**
 * The policy a review runs under. No policy: the board-calendar defaults (working days, mail in
 * working hours). An explicit policy naming neither working days nor `deliverAt` is completed
 * with the first contract's calendar-day defaults, so such a client sees exactly what it always
 * did; one that names either is completed with the board-calendar defaults.
 */
export function mergePolicy(partial: Partial<Record<keyof Policy, unknown>> | undefined): Policy {
  const base = partial === undefined || mentionsCalendar(partial) ? DEFAULT_POLICY : CALENDAR_DAY_POLICY;
  const merged = { ...base, ...(partial ?? {}) } as Record<keyof Policy, unknown>;
  const issues: FieldIssue[] = [];
  const check = (path: string, v: unknown): PolicyDuration => {
    const d = normaliseDuration(v);
    if (d === null)
      issues.push({
        path,
        message:
          'expected an ISO-8601 duration such as P7D or PT2S, { "workingDays": n } or "n working days" (n a positive whole number)',
      });
    return d ?? 'PT0S';
  };
  const policy = { ...merged } as Policy;
  for (const k of ['acknowledgeWithin', 'overdueReminderEvery', 'stallAfter', 'boardDecisionWithin'] as const)
    policy[k] = check(`policy.${k}`, merged[k]);
  for (const k of ['remindBefore', 'escalateAfterOverdue'] as const) {
    const list = merged[k];
    if (!Array.isArray(list)) issues.push({ path: `policy.${k}`, message: 'expected a list of durations' });
    else policy[k] = list.map((v, i) => check(`policy.${k}.${i}`, v));
  }
  if (merged.deliverAt === undefined || merged.deliverAt === null) delete policy.deliverAt;
  else if (!isHhMm(merged.deliverAt))
    issues.push({ path: 'policy.deliverAt', message: 'expected a time of day as HH:MM (24-hour), for example 09:00' });
  // Issue 17: absent or null, no impact check (an explicit policy from before behaves as before).
  if (merged.impactCheckAfter === undefined || merged.impactCheckAfter === null) delete policy.impactCheckAfter;
  else if (!isImpactPeriod(merged.impactCheckAfter))
    issues.push({
      path: 'policy.impactCheckAfter',
      message: 'expected an ISO-8601 period such as P6M, P1Y or P90D (PT5S in tests), or null for no impact check',
    });
  if (Array.isArray(policy.escalateAfterOverdue) && policy.escalateAfterOverdue.length > 3) {
    issues.push({ path: 'policy.escalateAfterOverdue', message: 'at most three levels' });
  }
  if (issues.length) throw new AppError('validation', 'invalid policy', issues);
  return policy;
}

export async function typePolicy(db: Db, type: ReviewType): Promise<Partial<Policy> | undefined> {
  const [row] = await db
    .select({ policy: reviewTypePolicies.policy })
    .from(reviewTypePolicies)
    .where(eq(reviewTypePolicies.type, type));
  return (row?.policy as Partial<Policy> | undefined) ?? undefined;
}

/** Themes must come from the admin's list (and be in use), so a typo cannot start a theme of its own. */
async function unknownThemes(db: Db, recs: CreateReviewInput['recommendations']): Promise<FieldIssue[]> {
  const named = recs.flatMap((r, i) => [
    ...(r.themes ?? []).map((code, k) => ({ code, path: `recommendations.${i}.themes.${k}` })),
    ...(r.actions ?? []).flatMap((a, j) =>
      (a.themes ?? []).map((code, k) => ({ code, path: `recommendations.${i}.actions.${j}.themes.${k}` })),
    ),
  ]);
  if (!named.length) return [];
  const known = new Set(
    (
      await db
        .select({ code: themes.code })
        .from(themes)
        .where(and(inArray(themes.code, [...new Set(named.map((n) => n.code))]), eq(themes.active, true)))
    ).map((t) => t.code),
  );
  return named
    .filter((n) => !known.has(n.code))
    .map((n) => ({ path: n.path, message: `unknown theme ${n.code} (see GET /api/v1/themes)` }));
}

interface Fingerprinted {
  title: string;
  publishedOn: string | null;
  policy: Policy;
  recommendations: {
    number: string;
    text: string;
    actions: { title: string; description: string | null; successMeasure: string | null }[];
  }[];
}

/**
 * What "the same review" means for idempotency. An action's agency and due date are left out on
 * purpose: reassignment and approved extensions change them legitimately after creation, and a
 * retried create must still be recognised as the same request.
 */
function fingerprint(r: Fingerprinted): string {
  return canonicalJson(r);
}

async function loadReview(db: Db, reference: string): Promise<ReviewView | null> {
  const [review] = await db.select().from(reviews).where(eq(reviews.reference, reference));
  if (!review) return null;
  const recs = await db
    .select()
    .from(recommendations)
    .where(eq(recommendations.reviewId, review.id))
    .orderBy(asc(recommendations.position));
  const acts = await db
    .select({ action: actions, agencyCode: agencies.code })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(eq(actions.reviewId, review.id))
    .orderBy(asc(actions.createdAt), asc(actions.reference));
  return {
    id: review.id,
    reference: review.reference,
    title: review.title,
    type: review.type,
    publishedOn: review.publishedOn,
    policy: review.policy as Policy,
    status: review.status,
    recommendations: recs.map((r) => ({
      id: r.id,
      number: r.number,
      text: r.text,
      workflowId: r.workflowId,
      status: r.status,
      themes: r.themes,
      actions: acts
        .filter((a) => a.action.recommendationId === r.id)
        .sort((a, b) => a.action.reference.localeCompare(b.action.reference, 'en', { numeric: true }))
        .map(({ action: a, agencyCode }) => ({
          id: a.id,
          reference: a.reference,
          title: a.title,
          agencyCode,
          dueDate: a.dueDate.toISOString(),
          status: a.status,
          workflowId: a.workflowId,
          themes: a.themes,
        })),
    })),
  };
}

async function descriptions(db: Db, reviewId: string) {
  return db
    .select({ id: actions.id, description: actions.description, successMeasure: actions.successMeasure })
    .from(actions)
    .where(eq(actions.reviewId, reviewId));
}

async function startWorkflows(deps: LifecycleDeps, view: ReviewView): Promise<void> {
  const agencyIds = await deps.db
    .select({
      id: actions.id,
      agencyId: actions.agencyId,
      recommendationId: actions.recommendationId,
      impactCheck: actions.impactCheck,
    })
    .from(actions)
    .where(eq(actions.reviewId, view.id));
  const calendar = await loadBoardCalendar(deps.db, boardTimeZone(), new Date(), deps.calendarClock);
  for (const rec of view.recommendations) {
    if (rec.status !== 'open') continue;
    const input = {
      reviewId: view.id,
      reviewReference: view.reference,
      recommendationId: rec.id,
      number: rec.number,
      actions: rec.actions.map((a) =>
        actionInput(
          {
            id: a.id,
            reviewId: view.id,
            recommendationId: rec.id,
            reference: a.reference,
            title: a.title,
            agencyId: agencyIds.find((x) => x.id === a.id)!.agencyId,
            dueDate: new Date(a.dueDate),
            impactCheck: agencyIds.find((x) => x.id === a.id)!.impactCheck,
          },
          {
            reviewReference: view.reference,
            recommendationWorkflowId: rec.workflowId,
            agencyCode: a.agencyCode,
            policy: view.policy,
            calendar,
          },
        ),
      ),
    };
    try {
      await deps.client.workflow.start<typeof recommendationWorkflow>('recommendationWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: rec.workflowId,
        args: [input],
        // A finished recommendation must never be started afresh by a retried create.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

/** The shortest duration a policy may name unless ALLOW_SHORT_POLICIES is set. */
export const MIN_POLICY_DURATION_MS = 60_000;

function policyTooShort(policy: Partial<Record<keyof Policy, unknown>> | undefined, allowed: boolean): FieldIssue[] {
  if (allowed || !policy) return [];
  const issues: FieldIssue[] = [];
  for (const [field, value] of Object.entries(policy)) {
    const list = Array.isArray(value)
      ? value.map((v, i) => [`policy.${field}.${i}`, v] as const)
      : [[`policy.${field}`, value] as const];
    for (const [path, v] of list) {
      if (typeof v !== 'string' || !isDuration(v)) continue;
      if (parseDuration(v) < MIN_POLICY_DURATION_MS)
        issues.push({ path, message: `${path} is ${v}: policy durations are at least PT1M` });
    }
  }
  return issues;
}

/** A due date already past would be overdue (and escalating) the moment it is set. */
function dueDatesPast(recs: { actions: { dueDate: string }[] }[], now = Date.now()): FieldIssue[] {
  return recs.flatMap((r, i) =>
    r.actions.flatMap((a, j) => {
      const path = `recommendations.${i}.actions.${j}.dueDate`;
      return a.dueDate && isPast(a.dueDate, now)
        ? [{ path, message: `${path} ${a.dueDate.slice(0, 10)} is in the past` }]
        : [];
    }),
  );
}

/**
 * The outbox key of an import's summary mail to one agency (issue 22): every action of the import
 * for that agency carries it, and the outbox sends that one mail instead of one per action
 * (activities/assignment-summary.ts).
 */
export const assignmentSummaryKey = (reviewId: string, agencyId: string) => `import-${reviewId}:assignment:${agencyId}`;

export interface CreateReviewOptions {
  /**
   * `summary` (an import): each agency is told of all its new actions in one mail, with a
   * calendar entry per action, instead of one assignment mail per action. Default `each`.
   */
  assignmentMail?: 'summary' | 'each';
}

export async function createReview(
  deps: LifecycleDeps,
  actor: Actor,
  input: CreateReviewInput,
  options: CreateReviewOptions = {},
): Promise<{ review: ReviewView; created: boolean }> {
  if (actor.role !== 'admin' && actor.role !== 'board')
    throw new AppError('forbidden', 'only the board or an admin may create reviews');
  // No policy named: the review type's default, as the admin last set it (else the built-in one).
  const policy = mergePolicy(input.policy ?? (await typePolicy(deps.db, input.type ?? 'other')));
  const issues: FieldIssue[] = [];
  const themeIssues = await unknownThemes(deps.db, input.recommendations ?? []);
  issues.push(...themeIssues);
  if (!input.recommendations?.length)
    issues.push({ path: 'recommendations', message: 'at least one recommendation is required' });
  const numbers = new Set<string>();
  const normalised = (input.recommendations ?? []).map((r, i) => {
    if (numbers.has(r.number))
      issues.push({ path: `recommendations.${i}.number`, message: `duplicate recommendation number ${r.number}` });
    numbers.add(r.number);
    if (!r.actions?.length)
      issues.push({ path: `recommendations.${i}.actions`, message: 'at least one action is required' });
    return {
      number: r.number,
      text: r.text,
      themes: [...new Set(r.themes ?? [])],
      actions: (r.actions ?? []).map((a, j) => {
        let dueDate = '';
        try {
          dueDate = parseDueDate(a.dueDate, `recommendations.${i}.actions.${j}.dueDate`);
        } catch (err) {
          issues.push(...((err as AppError).errors ?? []));
        }
        return {
          agencyCode: a.agencyCode,
          title: a.title,
          description: a.description ?? null,
          successMeasure: a.successMeasure ?? null,
          impactMeasure: a.impactMeasure ?? null,
          impactCheck: a.impactCheck ?? true,
          dueDate,
          themes: [...new Set([...(r.themes ?? []), ...(a.themes ?? [])])],
        };
      }),
    };
  });
  if (deps.limits)
    issues.push(...policyTooShort(input.policy, deps.limits.allowShortPolicies), ...dueDatesPast(normalised));
  const codes = [...new Set(normalised.flatMap((r) => r.actions.map((a) => a.agencyCode)))];
  const known = codes.length ? await deps.db.select().from(agencies).where(inArray(agencies.code, codes)) : [];
  normalised.forEach((r, i) =>
    r.actions.forEach((a, j) => {
      if (!known.some((k) => k.code === a.agencyCode)) {
        issues.push({
          path: `recommendations.${i}.actions.${j}.agencyCode`,
          message: `unknown agency code ${a.agencyCode}`,
        });
      }
    }),
  );
  if (issues.length) throw new AppError('validation', issues.map((x) => x.message).join('; '), issues);
  const wanted: Fingerprinted = {
    title: input.title,
    publishedOn: input.publishedOn ?? null,
    policy,
    recommendations: normalised.map((r) => ({
      number: r.number,
      text: r.text,
      actions: r.actions.map((a) => ({ title: a.title, description: a.description, successMeasure: a.successMeasure })),
    })),
  };

  const existing = await loadReview(deps.db, input.reference);
  if (existing) return { review: await resume(deps, existing, wanted), created: false };

  const createdBy = isUuid(actor.userId)
    ? ((await deps.db.select({ id: users.id }).from(users).where(eq(users.id, actor.userId)))[0]?.id ?? null)
    : null;
  try {
    await deps.db.transaction(async (tx) => {
      const [review] = await tx
        .insert(reviews)
        .values({
          reference: input.reference,
          title: input.title,
          type: input.type ?? 'other',
          publishedOn: input.publishedOn ?? null,
          policy,
          createdBy,
        })
        .returning();
      for (const [position, r] of normalised.entries()) {
        const recId = randomUUID();
        await tx.insert(recommendations).values({
          id: recId,
          reviewId: review.id,
          number: r.number,
          text: r.text,
          themes: r.themes,
          position,
          workflowId: recommendationWorkflowId(recId),
        });
        await tx.insert(actions).values(
          r.actions.map((a, j) => {
            const id = randomUUID();
            const agencyId = known.find((k) => k.code === a.agencyCode)!.id;
            return {
              id,
              recommendationId: recId,
              reviewId: review.id,
              reviewReference: review.reference,
              agencyId,
              reference: `${r.number}.${j + 1}`,
              title: a.title,
              description: a.description,
              successMeasure: a.successMeasure,
              impactMeasure: a.impactMeasure,
              impactCheck: a.impactCheck,
              themes: a.themes,
              dueDate: new Date(a.dueDate),
              workflowId: actionWorkflowId(id),
              assignmentMailKey:
                options.assignmentMail === 'summary' ? assignmentSummaryKey(review.id, agencyId) : null,
            };
          }),
        );
      }
    });
  } catch (err) {
    // Someone created the same reference at the same moment: treat it as the idempotent case.
    if ((err as { code?: string }).code === '23505' || (err as { cause?: { code?: string } }).cause?.code === '23505') {
      const raced = await loadReview(deps.db, input.reference);
      if (raced) return { review: await resume(deps, raced, wanted), created: false };
    }
    throw err;
  }
  const review = (await loadReview(deps.db, input.reference))!;
  await startWorkflows(deps, review);
  return { review, created: true };
}

async function resume(deps: LifecycleDeps, existing: ReviewView, wanted: Fingerprinted): Promise<ReviewView> {
  const extra = await descriptions(deps.db, existing.id);
  const have = fingerprint({
    title: existing.title,
    publishedOn: existing.publishedOn,
    policy: existing.policy,
    recommendations: existing.recommendations.map((r, i) => ({
      number: r.number,
      text: r.text,
      // Actions added later (addAction) are not part of what was created.
      actions: r.actions.slice(0, wanted.recommendations[i]?.actions.length ?? 0).map((a) => {
        const d = extra.find((x) => x.id === a.id)!;
        return { title: a.title, description: d.description, successMeasure: d.successMeasure };
      }),
    })),
  });
  if (have !== fingerprint(wanted))
    throw new AppError('conflict', `a different review with reference ${existing.reference} already exists`);
  await startWorkflows(deps, existing);
  return existing;
}
