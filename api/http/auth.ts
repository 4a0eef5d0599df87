import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { perDatabase, type DbOrTx } from '../../db/client';
import { agencies, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';

/** Tokens are random, shown once, and only their sha256 is stored: a database leak reveals no usable token. */
export const newToken = (): string => `apt_${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface AuthenticatedActor extends Actor {
  email: string;
  agencyCode: string | null;
  /** The token this request was made with (POST /api/v1/tokens replaces exactly that one). */
  tokenId?: string | null;
}

/**
 * Repeated bad tokens from one address are refused for a while, so a token cannot be guessed
 * by brute force. In memory: each API process limits on its own, which bounds guessing per
 * process and needs no shared store.
 */
export class BadTokenLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
  ) {}

  retryAfterSeconds(address: string, now = Date.now()): number | null {
    const entry = this.failures.get(address);
    if (!entry) return null;
    if (entry.resetAt <= now) {
      this.failures.delete(address);
      return null;
    }
    return entry.count >= this.max ? Math.ceil((entry.resetAt - now) / 1000) : null;
  }

  fail(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now) this.failures.set(address, { count: 1, resetAt: now + this.windowMs });
    else entry.count++;
    if (this.failures.size > 10_000) {
      // Bound memory under a spray of addresses: drop expired entries.
      for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
    }
  }
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})\s*$/i;

/**
 * The token lookup runs on every request: built once per database handle as a prepared statement
 * (on Postgres a named server-side statement, parsed and planned once per connection). Nothing is
 * cached but the query's text: each request still reads the row, so a revoked token fails at once.
 */
const tokenLookup = perDatabase((db) =>
  db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      agencyId: users.agencyId,
      agencyCode: agencies.code,
      tokenId: users.tokenId,
    })
    .from(users)
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    // Expiry and deactivation are read with the token, on every request: either ends access at once.
    .where(and(eq(users.tokenHash, sql.placeholder('tokenHash')), gt(users.tokenExpiresAt, sql`now()`), isNull(users.deactivatedAt)))
    .limit(1)
    .prepare('actor_for_token'),
);

export async function actorForToken(db: DbOrTx, token: string): Promise<AuthenticatedActor | null> {
  const [row] = await tokenLookup(db).execute({ tokenHash: hashToken(token) });
  if (!row) return null;
  return { userId: row.id, name: row.name, email: row.email, role: row.role, agencyId: row.agencyId, agencyCode: row.agencyCode, tokenId: row.tokenId };
}

/** 401 for a missing or unknown token, 429 once an address has sent too many bad ones. */
export async function authenticate(
  db: DbOrTx,
  limiter: BadTokenLimiter,
  authorization: string | undefined,
  address: string,
): Promise<AuthenticatedActor> {
  const retry = limiter.retryAfterSeconds(address);
  if (retry !== null) throw Object.assign(new AppError('rate_limited', `Too many bad tokens from this address; retry in ${retry} s`), { retryAfter: retry });
  if (!authorization) throw new AppError('unauthenticated', 'An Authorization: Bearer <token> header is required');
  const m = BEARER.exec(authorization);
  const actor = m ? await actorForToken(db, m[1]) : null;
  if (!actor) {
    limiter.fail(address);
    throw new AppError('unauthenticated', 'The bearer token is not valid');
  }
  return actor;
}
