/**
 * Fixed-window counters kept in Postgres, so every API process counts against one limit: two
 * processes behind a balancer must not each allow the whole budget. One upsert per counted
 * event, and only events worth counting (failures, link requests) are counted.
 */
import { createHash } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { rateLimits } from '../../db/schema';

export interface WindowCount {
  count: number;
  /** Seconds until the window ends. */
  resetInSeconds: number;
}

/** Keys never hold an e-mail address or other personal data in the clear. */
export const limitKey = (kind: string, value: string): string =>
  `${kind}:${createHash('sha256').update(value).digest('base64url').slice(0, 32)}`;

/** Adds one to the key's window (a new window once the old one has ended) and returns the total. */
export async function countInWindow(db: DbOrTx, key: string, windowMs: number): Promise<WindowCount> {
  const [row] = await db
    .insert(rateLimits)
    .values({ key, count: 1, resetAt: sql`now() + ${windowMs} * interval '1 millisecond'` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when "rate_limits"."reset_at" <= now() then 1 else "rate_limits"."count" + 1 end`,
        resetAt: sql`case when "rate_limits"."reset_at" <= now() then excluded.reset_at else "rate_limits"."reset_at" end`,
      },
    })
    .returning({
      count: rateLimits.count,
      resetIn: sql<number>`ceil(extract(epoch from ${rateLimits.resetAt} - now()))::int`,
    });
  // Ended windows are dropped now and then, so the table stays as small as the traffic that fails.
  if (Math.random() < 0.02) await db.delete(rateLimits).where(lt(rateLimits.resetAt, sql`now() - interval '1 hour'`));
  return { count: row.count, resetInSeconds: Math.max(1, Number(row.resetIn)) };
}
