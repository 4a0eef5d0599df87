/**
 * Stuck work, read from what the workers record (activities/failure-record.ts): activity failures
 * by type and reason, and the actions whose row is behind their workflow because a projection
 * has been failing for longer than a minute. Shared by /metrics and `npm run doctor`.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';

/** How long a projection may fail before its action counts as behind (retries usually cure it sooner). */
export const BEHIND_AFTER_SECONDS = 60;

export interface FailureCount {
  activityType: string;
  reason: string;
  failures: number;
}

export interface BehindAction {
  workflowId: string;
  actionId: string;
  /** The event the projection cannot write, and the newest one the row holds. */
  seq: number;
  projectedSeq: number | null;
  /** The row's status (what every page and list shows); null when the action has no row. */
  status: string | null;
  reference: string | null;
  reviewReference: string | null;
  agencyCode: string | null;
  reason: string;
  lastError: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

const rowsOf = <T>(r: unknown) => (r as { rows: T[] }).rows;

export async function activityFailureCounts(db: Db): Promise<FailureCount[]> {
  return rowsOf<{ activity_type: string; reason: string; failures: string | number }>(
    await db.execute(
      sql`select activity_type, reason, failures from activity_failure_counts order by activity_type, reason`,
    ),
  ).map((r) => ({ activityType: r.activity_type, reason: r.reason, failures: Number(r.failures) }));
}

/**
 * Actions whose projection has been failing for more than `afterSeconds` and whose row still
 * lacks the event that failed (a failure another worker has since cured is not counted). Times
 * are the database's own, so the workers' clocks do not matter.
 */
export async function actionsBehind(db: Db, afterSeconds = BEHIND_AFTER_SECONDS): Promise<BehindAction[]> {
  const rows = rowsOf<{
    workflow_id: string;
    action_id: string;
    seq: number;
    projected_seq: number | null;
    status: string | null;
    reference: string | null;
    review_reference: string | null;
    agency_code: string | null;
    reason: string;
    last_error: string;
    attempts: number;
    first_failed_at: Date | string;
    last_failed_at: Date | string;
  }>(
    await db.execute(sql`
      select f.workflow_id, f.action_id, f.seq, a.projected_seq, a.status, a.reference, a.review_reference,
             g.code as agency_code, f.reason, f.last_error, f.attempts, f.first_failed_at, f.last_failed_at
        from projection_failures f
        left join actions a on a.workflow_id = f.workflow_id
        left join agencies g on g.id = a.agency_id
       where coalesce(a.projected_seq, -1) < f.seq
         and f.first_failed_at < now() - make_interval(secs => ${afterSeconds})
       order by f.first_failed_at, f.workflow_id`),
  );
  return rows.map((r) => ({
    workflowId: r.workflow_id,
    actionId: r.action_id,
    seq: Number(r.seq),
    projectedSeq: r.projected_seq === null ? null : Number(r.projected_seq),
    status: r.status,
    reference: r.reference,
    reviewReference: r.review_reference,
    agencyCode: r.agency_code,
    reason: r.reason,
    lastError: r.last_error,
    attempts: Number(r.attempts),
    firstFailedAt: new Date(r.first_failed_at),
    lastFailedAt: new Date(r.last_failed_at),
  }));
}

export async function countActionsBehind(db: Db, afterSeconds = BEHIND_AFTER_SECONDS): Promise<number> {
  const [r] = rowsOf<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n
        from projection_failures f
        left join actions a on a.workflow_id = f.workflow_id
       where coalesce(a.projected_seq, -1) < f.seq
         and f.first_failed_at < now() - make_interval(secs => ${afterSeconds})`),
  );
  return r.n;
}
