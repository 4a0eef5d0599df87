/**
 * What the lifecycle use-cases need, and the one place that turns a Temporal refusal into the
 * typed AppError the API maps to a status.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/client';
import { AppError, type AppErrorKind } from '../../lib/errors';
import type { CompressedClock } from '../../workflows/calendar';
import { REFUSAL } from '../../workflows/types';

export interface LifecycleDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  /** Derived from the request's Idempotency-Key: the same request retried attaches to the same Update. */
  updateId?: string;
  /** How long to wait for an Update before answering 503 (UPDATE_TIMEOUT_SECONDS); unset = no bound. */
  updateTimeoutMs?: number;
  /**
   * What people may ask for through the API and the pages (absent for the lifecycle's own
   * callers, which run whole lifecycles in seconds): no due date already past, and no policy
   * duration below a minute unless ALLOW_SHORT_POLICIES says so, so one board user cannot make
   * every lead officer's inbox receive an overdue mail each second.
   */
  limits?: { allowShortPolicies: boolean };
  /** Tests only: counts working days and the delivery window on a compressed clock (workflows/calendar.ts). */
  calendarClock?: CompressedClock;
}

const KIND_BY_REFUSAL: Record<string, AppErrorKind> = {
  [REFUSAL.illegalTransition]: 'conflict',
  [REFUSAL.forbidden]: 'forbidden',
  [REFUSAL.invalidArgument]: 'validation',
  [REFUSAL.notRecorded]: 'unprocessable',
};

/** The AppError kind of a workflow rule's refusal (also when a use-case runs the rule itself), if it is one. */
export const refusalKind = (f: ApplicationFailure): AppErrorKind | undefined =>
  (f.type && KIND_BY_REFUSAL[f.type]) || undefined;

const isNotFound = (err: unknown) => err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5;

/**
 * Runs a workflow Update, mapping a validator's refusal (or a finished workflow) to an AppError.
 * `stillOpen` says whether the action row is not yet closed: then a missing workflow is one the
 * recommendation workflow is about to start (right after createReview), and we wait for it.
 */
export async function runUpdate<T>(
  send: () => Promise<T>,
  finishedMessage: string,
  stillOpen?: () => Promise<boolean>,
): Promise<T> {
  const deadline = Date.now() + 15000;
  for (let attempt = 0; stillOpen; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!isNotFound(err) || !(await stillOpen())) return mapRefusal(err, finishedMessage);
      if (Date.now() > deadline)
        throw new AppError('unavailable', 'the action workflow has not started yet; try again shortly');
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
    }
  }
  try {
    return await send();
  } catch (err) {
    return mapRefusal(err, finishedMessage);
  }
}

function mapRefusal(err: unknown, finishedMessage: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const kind = refusalKind(err.cause);
    if (kind) throw new AppError(kind, err.cause.message);
  }
  // The workflow has completed (the action is closed or cancelled): nothing can change any more.
  const grpcCode = (err as { code?: number }).code;
  if (
    err instanceof WorkflowNotFoundError ||
    grpcCode === 9 /* FAILED_PRECONDITION */ ||
    grpcCode === 5 /* NOT_FOUND */
  ) {
    throw new AppError('conflict', finishedMessage);
  }
  throw err;
}
