import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import { perDatabase, type DbOrTx } from '../../db/client';
import { agencies, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import { accountOpen } from '../queries/users';
import { countInWindow, limitKey } from './rate-limits';

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
 * Repeated bad tokens from one address are answered 429 for a while, so a token cannot be guessed
 * by brute force. Only failures are counted, and a valid token is always accepted: a client that
 * shares an address with a guesser (behind one proxy, say) is never locked out. The counts live
 * in Postgres, so every API process enforces the same limit.
 */
export class BadTokenLimiter {
  constructor(
    private readonly db: DbOrTx,
    private readonly max = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** Counts one failure; the seconds to wait when the address is now over the limit, else null. */
  async fail(address: string): Promise<number | null> {
    const { count, resetInSeconds } = await countInWindow(this.db, limitKey('bad-token', address), this.windowMs);
    return count > this.max ? resetInSeconds : null;
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
    .where(
      and(
        eq(users.tokenHash, sql.placeholder('tokenHash')),
        gt(users.tokenExpiresAt, sql`now()`),
        // Deactivation and (issue 20) an inspector's access end, whatever the token's own lifetime.
        accountOpen(),
      ),
    )
    .limit(1)
    .prepare('actor_for_token'),
);

export async function actorForToken(db: DbOrTx, token: string): Promise<AuthenticatedActor | null> {
  const [row] = await tokenLookup(db).execute({ tokenHash: hashToken(token) });
  if (!row) return null;
  return {
    userId: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    agencyId: row.agencyId,
    agencyCode: row.agencyCode,
    tokenId: row.tokenId,
  };
}

/** 401 for a missing or unknown token; 429 instead once an address has sent too many bad ones. */
export async function authenticate(
  db: DbOrTx,
  limiter: BadTokenLimiter,
  authorization: string | undefined,
  address: string,
): Promise<AuthenticatedActor> {
  if (!authorization) throw new AppError('unauthenticated', 'An Authorization: Bearer <token> header is required');
  const m = BEARER.exec(authorization);
  const actor = m ? await actorForToken(db, m[1]) : null;
  if (actor) return actor;
  const retry = await limiter.fail(address);
  if (retry !== null)
    throw Object.assign(new AppError('rate_limited', `Too many bad tokens from this address; retry in ${retry} s`), {
      retryAfter: retry,
    });
  throw new AppError('unauthenticated', 'The bearer token is not valid');
}
