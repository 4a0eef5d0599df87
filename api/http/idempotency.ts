import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { idempotencyKeys } from '../../db/schema';
import { AppError } from '../../lib/errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

export function requestFingerprint(parts: unknown): string {
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(createHash('sha256').update(v).digest('hex'));
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
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
    if (prior.statusCode === null) throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
    return { status: prior.statusCode, body: prior.responseBody, replayed: true };
  }
  const release = () => db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
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
