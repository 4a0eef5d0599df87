/**
 * The daily digest (issue 18): one mail per person and working day listing every item held back
 * for them (activities/outbox.ts writes the items), grouped by review.
 *
 * Exactly once per person and day: the items are claimed and the mail stored under the key
 * `digest:<user>:<day>` in one transaction, so a retry (or a second run of the same day, or a
 * worker killed half-way) finds the stored mail and only sends it if it is not marked sent;
 * items that arrive after the claim wait for the next digest. Sending is the outbox's own
 * (deliverStored), so while SMTP is down the digest waits and nothing in it is lost.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { actions, digestItems, notifications, reviews, users } from '../db/schema';
import { FINISHED_STATUSES } from '../domain/vocabulary';
import { escapeHtml } from '../domain/text';
import { holidayDates } from '../api/use-cases/board-calendar';
import { boardTimeZone, formatDay, formatLongDay } from '../lib/board-time';
import type { Mailer } from '../lib/mailer';
import { isWorkingDate, localDate } from '../workflows/calendar';
import { knownPeople, routeAddresses } from './mail-routing';
import { deliverStored, type OutboxConfig } from './outbox';

export interface DigestPlan {
  day: string;
  working: boolean;
  userIds: string[];
}

/** Today in the board's zone, whether it is a working day (board calendar, or weekdays), and who has items waiting. */
export async function planDigests(db: Db, now: Date, day?: string): Promise<DigestPlan> {
  const timeZone = boardTimeZone();
  const today = day ?? localDate(now.getTime(), timeZone);
  const working = isWorkingDate(today, { timeZone, holidays: await holidayDates(db) });
  const waiting = await db
    .selectDistinct({ userId: digestItems.userId })
    .from(digestItems)
    .where(isNull(digestItems.digestKey))
    .orderBy(asc(digestItems.userId));
  return { day: today, working, userIds: waiting.map((w) => w.userId) };
}

export const digestKey = (userId: string, day: string) => `digest:${userId}:${day}`;

const KIND_WORDS: Record<string, string> = {
  reminder: 'reminder',
  overdue: 'overdue',
  evidence_submitted: 'evidence waiting for the board',
  recommendation_complete: 'recommendation complete',
};

interface DigestLine {
  reviewReference: string;
  reviewTitle: string;
  reference: string;
  title: string;
  dueDate: Date | null;
  kind: string;
  link: string;
}

/** Pure: the digest's words. */
export function composeDigest(name: string, day: string, lines: DigestLine[]) {
  const byReview = new Map<string, DigestLine[]>();
  for (const l of lines) byReview.set(l.reviewReference, [...(byReview.get(l.reviewReference) ?? []), l]);
  const subject = `Your daily digest for ${formatLongDay(day)}: ${lines.length} item${lines.length === 1 ? '' : 's'}`;
  const itemText = (l: DigestLine) =>
    `${l.reference} ${l.title} (${KIND_WORDS[l.kind] ?? l.kind}; due ${l.dueDate ? formatDay(l.dueDate) : 'not set'}): ${l.link}`;
  const text =
    `Hello ${name},\n\n` +
    [...byReview.values()]
      .map((ls) => `${ls[0].reviewReference}: ${ls[0].reviewTitle}\n${ls.map((l) => `- ${itemText(l)}`).join('\n')}`)
      .join('\n\n') +
    '\n\nYou chose to receive these once a day; change it on your preferences page.\n';
  const html =
    `<!doctype html><html><body><h1>${escapeHtml(subject)}</h1>` +
    [...byReview.values()]
      .map(
        (ls) =>
          `<h2>${escapeHtml(`${ls[0].reviewReference}: ${ls[0].reviewTitle}`)}</h2><ul>` +
          ls
            .map(
              (l) =>
                `<li><a href="${escapeHtml(l.link)}">${escapeHtml(`${l.reference} ${l.title}`)}</a>: ${escapeHtml(
                  `${KIND_WORDS[l.kind] ?? l.kind}; due ${l.dueDate ? formatDay(l.dueDate) : 'not set'}`,
                )}</li>`,
            )
            .join('') +
          '</ul>',
      )
      .join('') +
    '<p>You chose to receive these once a day; change it on your preferences page.</p></body></html>';
  return { subject, text, html };
}

export async function sendDigest(
  deps: { db: Db; mailer: Mailer; config: OutboxConfig },
  input: { userId: string; day: string },
  now = new Date(),
): Promise<{ status: 'sent' | 'already_sent' | 'nothing'; items: number }> {
  const { db, config } = deps;
  const key = digestKey(input.userId, input.day);
  let [row]: (typeof notifications.$inferSelect | undefined)[] = await db
    .select()
    .from(notifications)
    .where(eq(notifications.idempotencyKey, key));
  if (!row) {
    const [user] = await db.select().from(users).where(eq(users.id, input.userId));
    if (!user) return { status: 'nothing', items: 0 };
    const people = await knownPeople(db, [user.email], localDate(now.getTime(), boardTimeZone()));
    const { to, cc } = routeAddresses({ to: [user.email], cc: [] }, people);
    row = await db.transaction(async (tx) => {
      const [already] = await tx.select().from(notifications).where(eq(notifications.idempotencyKey, key));
      if (already) return already;
      const claimed = await tx
        .update(digestItems)
        .set({ digestKey: key })
        .where(and(eq(digestItems.userId, input.userId), isNull(digestItems.digestKey)))
        .returning({ id: digestItems.id });
      if (!claimed.length) return undefined;
      const rows = await tx
        .select({
          reviewReference: reviews.reference,
          reviewTitle: reviews.title,
          reference: actions.reference,
          title: actions.title,
          dueDate: actions.dueDate,
          status: actions.status,
          kind: digestItems.kind,
          actionId: actions.id,
        })
        .from(digestItems)
        .innerJoin(actions, eq(actions.id, digestItems.actionId))
        .innerJoin(reviews, eq(reviews.id, actions.reviewId))
        .where(
          inArray(
            digestItems.id,
            claimed.map((c) => c.id),
          ),
        )
        .orderBy(asc(reviews.reference), asc(actions.reference), asc(digestItems.id));
      // One line per action and kind: three reminders for one action in a day are one item.
      const seen = new Set<string>();
      const lines: DigestLine[] = [];
      for (const r of rows) {
        if ((FINISHED_STATUSES as readonly string[]).includes(r.status)) continue;
        if (seen.has(`${r.actionId}:${r.kind}`)) continue;
        seen.add(`${r.actionId}:${r.kind}`);
        lines.push({ ...r, link: `${config.publicUrl}/actions/${r.actionId}` });
      }
      // Everything claimed has since closed: nothing to say, so no mail.
      if (!lines.length) return undefined;
      const mail = composeDigest(user.name, input.day, lines);
      const [stored] = await tx
        .insert(notifications)
        .values({
          idempotencyKey: key,
          actionId: null,
          kind: 'digest',
          recipient: to.join(', '),
          cc,
          subject: mail.subject,
          body: mail.text,
          htmlBody: mail.html,
          headers: { 'X-Notification-Kind': 'digest', 'X-Digest-Items': String(lines.length) },
        })
        .returning();
      return stored;
    });
    if (!row) return { status: 'nothing', items: 0 };
  }
  const items = Number(row.headers['X-Digest-Items'] ?? 0);
  const { wasSent } = await deliverStored(deps, key, row);
  return { status: wasSent ? 'already_sent' : 'sent', items };
}

/** Pending digest items per user (for the preferences page and tests). */
export async function pendingDigestCount(db: Db, userId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(digestItems)
    .where(and(eq(digestItems.userId, userId), isNull(digestItems.digestKey)));
  return r?.n ?? 0;
}
