/**
 * Sign-in by e-mailed link. The link carries a random one-time token; only its hash is stored
 * (login_tokens), it expires 15 minutes after the mail goes, and consuming it is a single
 * conditional UPDATE, so two clicks racing cannot both sign in. The mail goes through the outbox:
 * this side queues it, a worker mints the token and sends it (activities/sign-in-mail.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { LINK_NOT_STORED, SIGN_IN_TTL_MS, signInMail } from '../../activities/sign-in-mail';
import type { Db } from '../../db/client';
import { loginTokens, notifications, users } from '../../db/schema';
import { hashToken } from '../http/auth';
import { accountOpen } from '../queries/users';

export { SIGN_IN_TTL_MS };

/**
 * The account an address (already lower-cased) may sign in as, by mailed link or by the
 * organisation's sign-in: not deactivated, and (issue 20) not an inspector whose access has ended.
 */
export const maySignInAs = (email: string) => and(eq(sql`lower(${users.email})`, email), accountOpen());

/**
 * Queues a link when the address belongs to a user, and does nothing otherwise. Callers do not
 * wait for it: the page answers the same, and as fast, whether or not the address has an account.
 */
export async function queueSignIn(
  deps: { db: Db; client: Client; taskQueue: string },
  rawEmail: string,
  browserNonceHash: string | null = null,
): Promise<void> {
  const { db } = deps;
  const email = rawEmail.trim().toLowerCase();
  // No mailbox behind it (the bootstrap administrator): that account signs in by the link printed at start.
  if (email.endsWith('@localhost')) return;
  const [user] = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(maySignInAs(email))
    .limit(1);
  if (!user) return;
  await db.delete(loginTokens).where(sql`${loginTokens.expiresAt} < now() - interval '1 day'`);
  const mail = signInMail(user.name, LINK_NOT_STORED);
  const [row] = await db
    .insert(notifications)
    .values({
      idempotencyKey: `sign_in:${randomUUID()}`,
      kind: 'sign_in',
      recipient: user.email,
      subject: mail.subject,
      body: mail.text,
      htmlBody: mail.html,
      headers: mail.headers,
    })
    .returning({ id: notifications.id });
  try {
    await deps.client.workflow.start('signInMailWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: `sign-in-mail-${row.id}`,
      // The hash of the asking browser's nonce cookie: the minted link works only there.
      args: [{ notificationId: row.id, browserNonceHash }],
    });
  } catch (err) {
    await db
      .update(notifications)
      .set({ status: 'failed', lastError: `not queued: ${String((err as Error).message ?? err).slice(0, 900)}` })
      .where(eq(notifications.id, row.id));
    throw err;
  }
}

/**
 * The user id the token signs in, once; null when unknown, used, expired, or asked for by
 * another browser (`browserNonceHash`: the hash of this browser's nonce cookie).
 */
export async function consumeSignInToken(
  db: Db,
  token: string,
  browserNonceHash: string | null,
  now = new Date(),
): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const [row] = await db
    .update(loginTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(loginTokens.tokenHash, hashToken(token)),
        isNull(loginTokens.usedAt),
        gt(loginTokens.expiresAt, now),
        or(isNull(loginTokens.browserNonceHash), eq(loginTokens.browserNonceHash, browserNonceHash ?? '')),
      ),
    )
    .returning({ userId: loginTokens.userId });
  return row?.userId ?? null;
}

/**
 * Whether the token could sign in now, without using it: the GET of a link only shows a confirm
 * button, so a mail scanner that fetches every link in a message does not burn the sign-in.
 * `other_browser`: valid, but asked for in a browser that is not this one.
 */
export async function signInTokenState(
  db: Db,
  token: string,
  browserNonceHash: string | null,
  now = new Date(),
): Promise<'usable' | 'other_browser' | 'invalid'> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return 'invalid';
  const [row] = await db
    .select({ nonce: loginTokens.browserNonceHash })
    .from(loginTokens)
    .where(and(eq(loginTokens.tokenHash, hashToken(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, now)))
    .limit(1);
  if (!row) return 'invalid';
  return row.nonce === null || row.nonce === browserNonceHash ? 'usable' : 'other_browser';
}

/**
 * A one-time sign-in link handed out by the server itself (printed on its console), not asked
 * for by a browser: it is how an administrator, who cannot ask for a link by mail, signs in.
 */
export async function issueSignInLink(
  db: Db,
  userId: string,
  publicUrl: string,
  ttlMs: number,
  now = new Date(),
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insert(loginTokens)
    .values({ tokenHash: hashToken(token), userId, expiresAt: new Date(now.getTime() + ttlMs) });
  return `${publicUrl}/signin/${token}`;
}
