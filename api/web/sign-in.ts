/**
 * Sign-in by e-mailed link. The link carries a random one-time token; only its hash is stored
 * (login_tokens), it expires after 15 minutes, and consuming it is a single conditional UPDATE,
 * so two clicks racing cannot both sign in.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { loginTokens, notifications, users } from '../../db/schema';
import type { Mailer } from '../../lib/mailer';
import { hashToken } from '../http/auth';
import { esc } from './html';

export const SIGN_IN_TTL_MS = 15 * 60 * 1000;

export interface SignInMailConfig {
  publicUrl: string;
  mailFrom: string;
}

/**
 * Sends a link when the address belongs to a user, and does nothing otherwise: the caller shows
 * the same page either way, so the form cannot be used to learn who has an account.
 */
export async function requestSignIn(
  db: Db,
  mailer: Mailer,
  config: SignInMailConfig,
  rawEmail: string,
  now = new Date(),
  browserNonceHash: string | null = null,
): Promise<void> {
  const email = rawEmail.trim().toLowerCase();
  // No mailbox behind it (the bootstrap administrator): that account signs in by the link printed at start.
  if (email.endsWith('@localhost')) return;
  const [user] = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email))
    .limit(1);
  if (!user) return;
  const token = randomBytes(32).toString('base64url');
  const tokenHash = hashToken(token);
  const expiresAt = new Date(now.getTime() + SIGN_IN_TTL_MS);
  await db.insert(loginTokens).values({ tokenHash, userId: user.id, expiresAt, browserNonceHash });
  await db.delete(loginTokens).where(lt(loginTokens.expiresAt, new Date(now.getTime() - 24 * 3600 * 1000)));

  const link = `${config.publicUrl}/signin/${token}`;
  const subject = 'Your sign-in link: safeguarding action plans';
  const text = (l: string) =>
    `Hello ${user.name},\n\nSign in to the safeguarding action plans with this link (it works once, for 15 minutes):\n\n${l}\n\nIf you did not ask to sign in, ignore this message.\n`;
  const htmlBody = (l: string) =>
    `<p>Hello ${esc(user.name)},</p><p><a href="${esc(l)}">Sign in to the safeguarding action plans</a></p><p>The link works once, for 15 minutes.</p><p>If you did not ask to sign in, ignore this message.</p>`;
  const headers = { 'X-Notification-Kind': 'sign_in' };
  // The outbox keeps a copy without the link: a usable sign-in link must not sit in the database.
  const redacted = '[sign-in link not stored]';
  const [row] = await db
    .insert(notifications)
    .values({
      idempotencyKey: `sign_in:${tokenHash}`,
      kind: 'sign_in',
      recipient: user.email,
      subject,
      body: text(redacted),
      htmlBody: htmlBody(redacted),
      headers,
    })
    .returning({ id: notifications.id });
  try {
    const info = await mailer.sendMail({ to: user.email, from: config.mailFrom, subject, text: text(link), html: htmlBody(link), headers });
    await db
      .update(notifications)
      .set({ status: 'sent', attempts: 1, messageId: info.messageId, sentAt: new Date() })
      .where(eq(notifications.id, row.id));
  } catch (err) {
    await db
      .update(notifications)
      .set({ status: 'failed', attempts: 1, lastError: String(err) })
      .where(eq(notifications.id, row.id));
    throw err;
  }
}

/**
 * The user id the token signs in, once; null when unknown, used, expired, or asked for by
 * another browser (`browserNonceHash`: the hash of this browser's nonce cookie).
 */
export async function consumeSignInToken(db: Db, token: string, browserNonceHash: string | null, now = new Date()): Promise<string | null> {
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
export async function signInTokenState(db: Db, token: string, browserNonceHash: string | null, now = new Date()): Promise<'usable' | 'other_browser' | 'invalid'> {
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
export async function issueSignInLink(db: Db, userId: string, publicUrl: string, ttlMs: number, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.insert(loginTokens).values({ tokenHash: hashToken(token), userId, expiresAt: new Date(now.getTime() + ttlMs) });
  return `${publicUrl}/signin/${token}`;
}
