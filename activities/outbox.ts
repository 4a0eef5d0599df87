/**
 * The notification outbox. The first attempt composes the message (recipients looked up now)
 * and stores it under a key derived from workflow id, kind and occasion; every attempt sends the
 * stored message unless it is already marked sent. An SMTP failure is recorded on the row and
 * rethrown, so Temporal retries with backoff; the Message-ID is derived from the key too, so
 * even the one unavoidable duplicate (sent, then the process died before marking it) can be
 * recognised by the receiving side.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { actions, agencies, escalations, notifications, recommendations, reviews, users } from '../db/schema';
import type { Mailer } from '../lib/mailer';
import type { NotificationRequest } from '../workflows/types';
import { compose, type MailFacts } from './mail-content';

export interface OutboxConfig {
  publicUrl: string;
  boardChairEmail: string;
  mailFrom: string;
}

/** How long a sent message waits for the database to record it (the activity's timeout is 60 s). */
const MARK_SENT_PATIENCE_MS = 40_000;

export const outboxKey = (r: NotificationRequest) => `${r.workflowId}:${r.kind}:${r.occasion}`;

async function facts(db: Db, req: NotificationRequest, cfg: OutboxConfig): Promise<MailFacts> {
  const board = await db.select({ email: users.email }).from(users).where(eq(users.role, 'board'));
  const base = { publicUrl: cfg.publicUrl, boardChairEmail: cfg.boardChairEmail, boardEmails: board.map((b) => b.email) };
  if (req.actionId) {
    const [row] = await db
      .select({ action: actions, agency: agencies, review: reviews })
      .from(actions)
      .innerJoin(agencies, eq(agencies.id, actions.agencyId))
      .innerJoin(reviews, eq(reviews.id, actions.reviewId))
      .where(eq(actions.id, req.actionId));
    if (!row) throw ApplicationFailure.create({ type: 'UnknownAction', message: `no action ${req.actionId}`, nonRetryable: true });
    const agencyUsers = await db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.agencyId, row.agency.id), eq(users.role, 'agency')));
    return {
      ...base,
      reviewReference: row.review.reference,
      reviewTitle: row.review.title,
      reference: row.action.reference,
      title: row.action.title,
      actionId: row.action.id,
      agency: { code: row.agency.code, name: row.agency.name, leadEmail: row.agency.leadEmail, seniorEmail: row.agency.seniorEmail, userEmails: agencyUsers.map((u) => u.email) },
      dueDate: row.action.dueDate,
      status: row.action.status,
    };
  }
  const [row] = await db
    .select({ rec: recommendations, review: reviews })
    .from(recommendations)
    .innerJoin(reviews, eq(reviews.id, recommendations.reviewId))
    .where(eq(recommendations.id, req.recommendationId ?? ''));
  if (!row) throw ApplicationFailure.create({ type: 'UnknownAction', message: `no recommendation ${req.recommendationId}`, nonRetryable: true });
  return {
    ...base,
    reviewReference: row.review.reference,
    reviewTitle: row.review.title,
    reference: row.rec.number,
    title: row.rec.text,
    actionId: null,
    agency: null,
    dueDate: null,
    status: row.rec.status,
  };
}

export async function sendNotification(
  deps: { db: Db; mailer: Mailer; config: OutboxConfig },
  req: NotificationRequest,
): Promise<{ status: 'sent' | 'already_sent'; to: string[]; cc: string[] }> {
  const { db, mailer, config } = deps;
  const key = outboxKey(req);
  let [row] = await db.select().from(notifications).where(eq(notifications.idempotencyKey, key));
  if (!row) {
    const mail = compose(req, await facts(db, req, config), new Date());
    await db
      .insert(notifications)
      .values({
        idempotencyKey: key,
        actionId: req.actionId ?? null,
        kind: req.kind,
        recipient: mail.to.join(', '),
        cc: mail.cc,
        subject: mail.subject,
        body: mail.text,
        htmlBody: mail.html,
        headers: mail.headers,
        ics: mail.ics,
      })
      .onConflictDoNothing();
    [row] = await db.select().from(notifications).where(eq(notifications.idempotencyKey, key));
  }
  const to = row.recipient.split(', ').filter(Boolean);
  if (row.status !== 'sent') {
    await db.update(notifications).set({ attempts: sql`${notifications.attempts} + 1` }).where(eq(notifications.id, row.id));
    const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@actionplan>`;
    try {
      await mailer.sendMail({
        from: config.mailFrom,
        to,
        cc: row.cc.length ? row.cc : undefined,
        subject: row.subject,
        text: row.body,
        html: row.htmlBody,
        headers: row.headers,
        messageId,
        attachments: row.ics ? [{ filename: 'due-date.ics', content: row.ics, contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }] : undefined,
      });
    } catch (err) {
      await db
        .update(notifications)
        .set({ lastError: String((err as Error).message ?? err).slice(0, 1000) })
        .where(eq(notifications.id, row.id));
      throw err;
    }
    // The server has the message now. If the database is briefly out of reach, keep trying to
    // record that (well inside the activity's timeout) rather than fail the attempt: a failed
    // attempt is retried, and the retry would send the message a second time.
    const sentAt = new Date();
    for (let attempt = 0; ; attempt++) {
      try {
        await db.update(notifications).set({ status: 'sent', sentAt, messageId, lastError: null }).where(eq(notifications.id, row.id));
        break;
      } catch (err) {
        if (Date.now() - sentAt.getTime() > MARK_SENT_PATIENCE_MS) throw err;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
      }
    }
  }
  if (req.escalation) {
    await db
      .update(escalations)
      .set({ notified: [...to, ...row.cc] })
      .where(eq(escalations.id, req.escalation.id));
  }
  return { status: row.status === 'sent' ? 'already_sent' : 'sent', to, cc: row.cc };
}
