/**
 * Sign-in links, sent through the outbox like every other mail. The API only queues a row that
 * names the person (no link, nothing usable); the worker mints the one-time token when it sends,
 * so a usable link exists only in the mail itself, and only its hash is stored (login_tokens).
 * Retried like workflow mail while the relay is away; after the link's own lifetime there is no
 * point sending one, so the row is given up as failed.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { hashToken } from '../api/http/auth';
import type { Db } from '../db/client';
import { escapeHtml } from '../domain/text';
import { loginTokens, notifications, users } from '../db/schema';
import type { Mailer } from '../lib/mailer';
import type { OutboxConfig } from './outbox';

export const SIGN_IN_TTL_MS = 15 * 60 * 1000;

/** What the stored copy carries where the mail has the link. */
export const LINK_NOT_STORED = '[sign-in link not stored]';

export function signInMail(name: string, link: string) {
  return {
    subject: 'Your sign-in link: safeguarding action plans',
    text: `Hello ${name},\n\nSign in to the safeguarding action plans with this link (it works once, for 15 minutes):\n\n${link}\n\nIf you did not ask to sign in, ignore this message.\n`,
    html: `<p>Hello ${escapeHtml(name)},</p><p><a href="${escapeHtml(link)}">Sign in to the safeguarding action plans</a></p><p>The link works once, for 15 minutes.</p><p>If you did not ask to sign in, ignore this message.</p>`,
    headers: { 'X-Notification-Kind': 'sign_in' },
  };
}

export type SignInMailResult = { status: 'sent' | 'already_sent' | 'given_up' };

export async function sendSignInMail(
  deps: { db: Db; mailer: Mailer; config: OutboxConfig },
  input: { notificationId: string; browserNonceHash?: string | null },
  now = () => new Date(),
): Promise<SignInMailResult> {
  const { db, mailer, config } = deps;
  const [row] = await db.select().from(notifications).where(eq(notifications.id, input.notificationId));
  if (!row)
    throw ApplicationFailure.create({
      type: 'UnknownNotification',
      message: `no notification ${input.notificationId}`,
      nonRetryable: true,
    });
  if (row.status === 'sent') return { status: 'already_sent' };
  if (row.status === 'failed') return { status: 'given_up' };
  const [user] = await db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, row.recipient.toLowerCase()), isNull(users.deactivatedAt)))
    .limit(1);
  const giveUp = async (reason: string) => {
    await db.update(notifications).set({ status: 'failed', lastError: reason }).where(eq(notifications.id, row.id));
    return { status: 'given_up' as const };
  };
  if (!user) return giveUp('the person no longer exists or was deactivated');
  if (now().getTime() - row.createdAt.getTime() > SIGN_IN_TTL_MS)
    return giveUp('not sent within the 15 minutes a sign-in link is worth waiting for');

  await db
    .update(notifications)
    .set({ attempts: sql`${notifications.attempts} + 1` })
    .where(eq(notifications.id, row.id));
  const token = randomBytes(32).toString('base64url');
  const tokenHash = hashToken(token);
  const sentAt = now();
  await db.insert(loginTokens).values({
    tokenHash,
    userId: user.id,
    expiresAt: new Date(sentAt.getTime() + SIGN_IN_TTL_MS),
    browserNonceHash: input.browserNonceHash ?? null,
  });
  const mail = signInMail(user.name, `${config.publicUrl}/signin/${token}`);
  try {
    const info = await mailer.sendMail({
      from: config.mailFrom,
      to: row.recipient,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: mail.headers,
    });
    await db
      .update(notifications)
      .set({ status: 'sent', messageId: info.messageId, sentAt, lastError: null })
      .where(eq(notifications.id, row.id));
  } catch (err) {
    // The link never left: its token must not stay usable.
    await db.delete(loginTokens).where(eq(loginTokens.tokenHash, tokenHash));
    await db
      .update(notifications)
      .set({ lastError: String((err as Error).message ?? err).slice(0, 1000) })
      .where(eq(notifications.id, row.id));
    throw err;
  }
  return { status: 'sent' };
}
