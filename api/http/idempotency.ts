import { createHash } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { idempotencyKeys } from '../../db/schema';
import { canonicalJson } from '../../domain/text';
import { AppError } from '../../lib/errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * A claim with no stored response that is older than this was abandoned: its request died with
 * the process, or the database went away before the claim could be released. A retry with the
 * same key may take it over and run again; the workflow's Update validator refuses a transition
 * that the abandoned attempt did make, so running again is safe.
 */
export const ABANDONED_CLAIM_MS = 30_000;

/** Files are fingerprinted by their digest, the rest as canonical JSON. */
export function requestFingerprint(parts: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(digestBuffers(parts)))
    .digest('hex');
}

function digestBuffers(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return createHash('sha256').update(v).digest('hex');
  if (Array.isArray(v)) return v.map(digestBuffers);
  if (v && typeof v === 'object' && !(v instanceof Date))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, digestBuffers(x)]));
  return v;
}

/**
 * `Idempotency-Key` on a POST: claim the key (a row with no status yet), run, then store the
 * response. The same key with the same request replays the stored response; with another
 * request, or while the first is still running, it is a 409. Only successes are kept: a refused
 * request leaves no row behind (nothing half-written) and may simply be retried.
 */
export async function withIdempotency(
  db: Db,
  userId: string,
  key: string,
  method: string,
  path: string,
  fingerprint: string,
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!KEY.test(key)) throw new AppError('validation', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ userId, key, method, path, requestHash: fingerprint })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) {
    const [prior] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    if (!prior) return withIdempotency(db, userId, key, method, path, fingerprint, run);
    if (prior.requestHash !== fingerprint || prior.method !== method || prior.path !== path)
      throw new AppError('conflict', 'This Idempotency-Key was already used with a different request');
    if (prior.statusCode === null) {
      const taken = await db
        .update(idempotencyKeys)
        .set({ createdAt: new Date() })
        .where(
          and(
            eq(idempotencyKeys.userId, userId),
            eq(idempotencyKeys.key, key),
            isNull(idempotencyKeys.statusCode),
            lt(idempotencyKeys.createdAt, new Date(Date.now() - ABANDONED_CLAIM_MS)),
          ),
        )
        .returning({ key: idempotencyKeys.key });
      if (taken.length === 0)
        throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
      return runClaimed(db, userId, key, run);
    }
    return { status: prior.statusCode, body: prior.responseBody, replayed: true };
  }
  return runClaimed(db, userId, key, run);
}

async function runClaimed(
  db: Db,
  userId: string,
  key: string,
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  const release = () =>
    db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  let result: StoredResponse;
  try {
    result = await run();
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  if (result.status >= 200 && result.status < 300) {
    await db
      .update(idempotencyKeys)
      .set({ statusCode: result.status, responseBody: result.body as object })
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  } else {
    await release();
  }
  return { ...result, replayed: false };
}
