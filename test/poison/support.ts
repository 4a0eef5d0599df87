/**
 * Helpers for the poison-input tests: a bound on every request (a hung request fails the test with
 * its name instead of the suite timing out) and a signed-in web session made without a browser.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'supertest';
import { hashToken } from '../../api/http/auth';
import { sessions } from '../../db/schema';
import type { ApiStack, Caller } from '../api/stack';

/** Longer than the Update bound (20 s by default) so a 503 has time to arrive. */
export const REQUEST_BOUND_MS = 30_000;

/** Sends the request; a request that does not answer within the bound throws, naming it. */
export async function bounded(name: string, req: Test, ms = REQUEST_BOUND_MS) {
  try {
    return await req.timeout({ deadline: ms });
  } catch (err) {
    if ((err as { timeout?: number }).timeout) throw new Error(`${name}: no answer within ${ms} ms (the request hung)`);
    throw err;
  }
}

/** A session cookie and CSRF token for a seeded API caller, as if signed in through the sign-in link. */
export async function webSession(
  stack: ApiStack,
  caller: Exclude<Caller, 'none' | 'bad'>,
): Promise<{ cookie: string; csrf: string }> {
  const email = `${caller}@api.test`;
  const { rows } = (await stack.db.db.execute(`select id from users where email = '${email}'`)) as unknown as {
    rows: { id: string }[];
  };
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  await stack.db.db.insert(sessions).values({
    idHash: hashToken(id),
    userId: rows[0].id,
    csrfToken: csrf,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return { cookie: `ap_session=${id}`, csrf };
}
