/**
 * Records what goes wrong in the activities where every process can read it (migration 0015):
 * a count per activity and reason, which /metrics serves, and the projection failing now per
 * action workflow, which the projections-behind gauge and `npm run doctor` read. Recording is
 * best effort: when the database itself is the failure it cannot be written, and the failure
 * still reaches Temporal (and its retry) unchanged; /readyz says the database is down.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activityFailureCounts, projectionFailures } from '../db/schema';
import { toStorable } from '../workflows/storable-text';
import { PROJECTION_REFUSED, type ActionEvent } from '../workflows/types';
import { classifyDbError } from './db-errors';

/** Longest error text kept: enough for Postgres's message and detail, not a whole stack. */
const MAX_ERROR = 1000;

/**
 * A short label with few values, fit for a metric: the ApplicationFailure's type (a refusal the
 * code chose), `cancelled`, else what the database said (its SQLSTATE, `connection`), else
 * `unknown`.
 */
export function failureReason(err: unknown): string {
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  return classifyDbError(err).reason;
}

/** Whether Temporal will try the projection again: a refusal its proxy lists as non-retryable will not. */
function projectionWillRetry(err: unknown, event: ActionEvent): boolean {
  if (!(err instanceof ApplicationFailure)) return true;
  if (err.nonRetryable || err.type === 'UnknownAction') return false;
  // Workflows that set storableText list PROJECTION_REFUSED as non-retryable (the Update fails).
  return !(err.type === PROJECTION_REFUSED && event.storableText);
}

/**
 * The error in words, without the query: drizzle's "Failed query: … params: …" carries the
 * statement's parameters (a person's statement text), so the database's own message is kept
 * (the error that carried the SQLSTATE, else the innermost cause).
 */
function errorText(err: unknown): string {
  let text: string;
  if (err instanceof ApplicationFailure) text = err.message;
  else {
    const c = classifyDbError(err);
    if (c.code !== null || c.reason === 'connection') text = c.message;
    else {
      let root: unknown = err;
      while (root instanceof Error && root.cause !== undefined) root = root.cause;
      text = root instanceof Error ? `${root.name}: ${root.message}` : String(root);
    }
  }
  return toStorable(text).slice(0, MAX_ERROR);
}

/** The attempt number Temporal gave this run, when running as an activity (1 otherwise). */
function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export interface FailureRecorder {
  /** Any activity failed: counted by type and reason. */
  failed(activityType: string, err: unknown): Promise<void>;
  /** The projection of `event` failed: counted, and kept as the action's failing projection while it will be retried. */
  projectionFailed(event: ActionEvent, err: unknown): Promise<void>;
  /** The projection of `event` landed: the action's failing projection, if any, is over. */
  projected(event: ActionEvent): Promise<void>;
}

export function createFailureRecorder(db: Db, warn?: (msg: string, meta: Record<string, unknown>) => void) {
  /** Workflows with a failure row written by this process: only those need a delete on success. */
  const open = new Set<string>();
  const bestEffort = (what: string) => (err: unknown) =>
    warn?.(`activity failure not recorded (${what})`, { error: String(err).slice(0, 300) });

  const count = (activityType: string, reason: string) =>
    db
      .insert(activityFailureCounts)
      .values({ activityType, reason, failures: 1 })
      .onConflictDoUpdate({
        target: [activityFailureCounts.activityType, activityFailureCounts.reason],
        set: { failures: sql`${activityFailureCounts.failures} + 1`, lastFailedAt: sql`now()` },
      });

  const clear = async (event: ActionEvent) => {
    await db.delete(projectionFailures).where(eq(projectionFailures.workflowId, event.workflowId));
    open.delete(event.workflowId);
  };

  const recorder: FailureRecorder = {
    async failed(activityType, err) {
      await count(activityType, failureReason(err)).catch(bestEffort('count'));
    },
    async projectionFailed(event, err) {
      const reason = failureReason(err);
      await count('projectActionEvent', reason).catch(bestEffort('count'));
      if (!projectionWillRetry(err, event)) {
        // Refused for good: the Update fails and the workflow undoes it, so the row is not behind.
        await clear(event).catch(bestEffort('clear'));
        return;
      }
      const lastError = errorText(err);
      const attempts = attempt();
      await db
        .insert(projectionFailures)
        .values({ workflowId: event.workflowId, actionId: event.actionId, seq: event.seq, reason, lastError, attempts })
        .onConflictDoUpdate({
          target: projectionFailures.workflowId,
          set: {
            // Still the same event: it has been failing since the first failure; a new event starts afresh.
            firstFailedAt: sql`case when ${projectionFailures.seq} = excluded.seq then ${projectionFailures.firstFailedAt} else now() end`,
            seq: sql`excluded.seq`,
            actionId: sql`excluded.action_id`,
            reason,
            lastError,
            attempts,
            lastFailedAt: sql`now()`,
          },
        })
        .then(() => open.add(event.workflowId))
        .catch(bestEffort('projection'));
    },
    async projected(event) {
      if (!open.has(event.workflowId)) return;
      // Only this event's row (or an older one): a newer event may be failing on another worker.
      await db
        .delete(projectionFailures)
        .where(and(eq(projectionFailures.workflowId, event.workflowId), sql`${projectionFailures.seq} <= ${event.seq}`))
        .then(() => open.delete(event.workflowId))
        .catch(bestEffort('clear'));
    },
  };
  return recorder;
}
