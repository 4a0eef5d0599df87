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
import {
  actions,
  agencies,
  escalations,
  extensionRequests,
  notifications,
  recommendations,
  reviews,
  users,
} from '../db/schema';
import type { Mailer } from '../lib/mailer';
import type { NotificationRequest } from '../workflows/types';
import { classifyDbError } from './db-errors';
import { compose, composeAssignmentSummary, type ComposedMail, type MailFacts } from './mail-content';
import { summaryFacts, summaryKeyFor } from './assignment-summary';
import { mailDetails } from './mail-details';
import { boardToday, digestTakers, isDigestible, knownPeople, routeAddresses } from './mail-routing';
import { alias } from 'drizzle-orm/pg-core';
import { digestItems } from '../db/schema';

export interface OutboxConfig {
  publicUrl: string;
  boardChairEmail: string;
  mailFrom: string;
}

/**
 * After this many failed sends a row reads `failed` (with its last error), so the
 * actionplan_mails{status="failed"} metric shows mail that is not going out. It is still
 * retried with backoff and becomes `sent` when the server takes it: mail is never dropped
 * because the server was away. Only a message that can never be sent stops: one that cannot be
 * built or stored, or that the server refuses for good (a 5xx reply).
 */
export const FAILED_AFTER_ATTEMPTS = 10;

/** The outbox's permanent failure: the workflow logs it and goes on to its next mail. */
export const MAIL_NOT_SENDABLE = 'MailNotSendable';

const notSendable = (message: string) =>
  ApplicationFailure.create({ type: MAIL_NOT_SENDABLE, message, nonRetryable: true });

/** An SMTP reply in the 5xx range refuses the message for good; 4xx and network errors are worth retrying. */
const smtpPermanent = (err: unknown) => {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
};

/** How long a sent message waits for the database to record it (the activity's timeout is 60 s). */
const MARK_SENT_PATIENCE_MS = 40_000;

export const outboxKey = (r: NotificationRequest) => `${r.workflowId}:${r.kind}:${r.occasion}`;

async function facts(db: Db, req: NotificationRequest, cfg: OutboxConfig): Promise<MailFacts> {
  const board = await db.select({ email: users.email }).from(users).where(eq(users.role, 'board'));
  const base = {
    publicUrl: cfg.publicUrl,
    boardChairEmail: cfg.boardChairEmail,
    boardEmails: board.map((b) => b.email),
  };
  if (req.actionId) {
    const owner = alias(users, 'owner');
    const [row] = await db
      .select({
        action: actions,
        agency: agencies,
        review: reviews,
        owner: { email: owner.email, name: owner.name },
      })
      .from(actions)
      .innerJoin(agencies, eq(agencies.id, actions.agencyId))
      .innerJoin(reviews, eq(reviews.id, actions.reviewId))
      .leftJoin(owner, eq(owner.id, actions.ownerId))
      .where(eq(actions.id, req.actionId));
    if (!row)
      throw ApplicationFailure.create({
        type: 'UnknownAction',
        message: `no action ${req.actionId}`,
        nonRetryable: true,
      });
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
      agency: {
        code: row.agency.code,
        name: row.agency.name,
        leadEmail: row.agency.leadEmail,
        seniorEmail: row.agency.seniorEmail,
        userEmails: agencyUsers.map((u) => u.email),
      },
      dueDate: row.action.dueDate,
      status: row.action.status,
      ...(req.kind === 'extension_requested'
        ? {
            extensionRequests: (
              await db
                .select({ n: sql<number>`count(*)::int` })
                .from(extensionRequests)
                // This request and the ones before it: a mail sent late still counts as of its own request.
                .where(
                  and(
                    eq(extensionRequests.actionId, row.action.id),
                    sql`${extensionRequests.requestedAt} <= coalesce((select r.requested_at from extension_requests r where r.id::text = ${req.occasion.replace(/^extension-request:/, '')}), now())`,
                  ),
                )
            )[0].n,
          }
        : {}),
      owner: row.owner,
      details: await mailDetails(db, req, row.action, row.review.policy),
    };
  }
  const [row] = await db
    .select({ rec: recommendations, review: reviews })
    .from(recommendations)
    .innerJoin(reviews, eq(reviews.id, recommendations.reviewId))
    .where(eq(recommendations.id, req.recommendationId ?? ''));
  if (!row)
    throw ApplicationFailure.create({
      type: 'UnknownAction',
      message: `no recommendation ${req.recommendationId}`,
      nonRetryable: true,
    });
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

/**
 * Records a message that can never be built or stored as `failed` with the reason, in a row
 * small enough to store whatever made the full one fail, then ends the activity for good.
 */
async function recordUnsendable(db: Db, req: NotificationRequest, key: string, reason: string): Promise<never> {
  const lastError = reason.slice(0, 1000);
  try {
    await db
      .insert(notifications)
      .values({
        idempotencyKey: key,
        actionId: req.actionId ?? null,
        kind: req.kind,
        recipient: '',
        cc: [],
        subject: `(${req.kind} not built)`,
        body: '',
        htmlBody: '',
        status: 'failed',
        lastError,
      })
      .onConflictDoNothing();
  } catch (err) {
    if (classifyDbError(err).kind !== 'permanent') throw err;
  }
  throw notSendable(reason);
}

export async function sendNotification(
  deps: { db: Db; mailer: Mailer; config: OutboxConfig },
  req: NotificationRequest,
): Promise<{ status: 'sent' | 'already_sent'; to: string[]; cc: string[] }> {
  const { db, config } = deps;
  // Issue 22: an imported action's assignment is told in its import's one mail to the agency.
  const summaryKey = await summaryKeyFor(db, req);
  const key = summaryKey ?? outboxKey(req);
  let [row] = await db.select().from(notifications).where(eq(notifications.idempotencyKey, key));
  if (!row) {
    const summary = summaryKey ? await summaryFacts(db, summaryKey, config.publicUrl) : null;
    if (summaryKey && !summary)
      throw ApplicationFailure.create({
        type: 'UnknownAction',
        message: `no actions under ${summaryKey}`,
        nonRetryable: true,
      });
    const known = summary ? null : await facts(db, req, config);
    let built: ReturnType<typeof compose> | undefined;
    try {
      built = summary ? composeAssignmentSummary(summary.facts, new Date()) : compose(req, known!, new Date());
      // A summary's row names the member whose request sends it.
      await storeRouted(db, summary ? { ...req, actionId: summary.sender } : req, key, built, new Date());
    } catch (err) {
      // Composing is pure, so a throw there is permanent; a database refusal may be either.
      const c = built
        ? classifyDbError(err)
        : { kind: 'permanent' as const, message: String((err as Error).message ?? err) };
      if (c.kind !== 'permanent') throw err;
      await recordUnsendable(db, req, key, `the message could not be ${built ? 'stored' : 'built'}: ${c.message}`);
    }
    [row] = await db.select().from(notifications).where(eq(notifications.idempotencyKey, key));
  }
  // A row with no recipient is the record of a message that could not be built: nothing to send.
  if (row.status === 'failed' && row.recipient === '')
    throw notSendable(row.lastError ?? 'the message could not be built');
  // Everyone it was meant for takes it in their digest: the digest will carry it.
  if (row.status === 'digested') return { status: 'already_sent', to: [], cc: [] };
  // Another member of the import sends the summary (and retries until it is sent): this request is done.
  if (summaryKey && row.actionId !== req.actionId) return { status: 'already_sent', to: [], cc: [] };
  const { to, wasSent } = await deliverStored(deps, key, row);
  if (req.escalation) {
    await db
      .update(escalations)
      .set({ notified: [...to, ...row.cc] })
      .where(eq(escalations.id, req.escalation.id));
  }
  return { status: wasSent ? 'already_sent' : 'sent', to, cc: row.cc };
}

type StoredMail = typeof notifications.$inferSelect;

/** The stored calendar entries as attachments: the action's one, or an import summary's one per action. */
function calendarAttachments(row: StoredMail) {
  const files = [...(row.ics ? [{ filename: 'due-date.ics', content: row.ics }] : []), ...(row.icsFiles ?? [])];
  return files.length
    ? files.map((f) => ({ ...f, contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }))
    : undefined;
}

/**
 * Sends one stored outbox row unless it is already marked sent (workflow mail and the daily
 * digest alike). An SMTP failure is recorded on the row and rethrown, so the activity retries.
 */
export async function deliverStored(
  deps: { db: Db; mailer: Mailer; config: OutboxConfig },
  key: string,
  row: StoredMail,
): Promise<{ to: string[]; wasSent: boolean }> {
  const { db, mailer, config } = deps;
  const to = row.recipient.split(', ').filter(Boolean);
  if (row.status !== 'sent') {
    await db
      .update(notifications)
      .set({ attempts: sql`${notifications.attempts} + 1` })
      .where(eq(notifications.id, row.id));
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
        attachments: calendarAttachments(row),
      });
    } catch (err) {
      const lastError = String((err as Error).message ?? err).slice(0, 1000);
      const permanent = smtpPermanent(err);
      await db
        .update(notifications)
        .set({ lastError, status: permanent || row.attempts + 1 >= FAILED_AFTER_ATTEMPTS ? 'failed' : 'pending' })
        .where(eq(notifications.id, row.id));
      if (permanent) throw notSendable(`the mail server refused the message for good: ${lastError}`);
      throw err;
    }
    // The server has the message now. If the database is briefly out of reach, keep trying to
    // record that (well inside the activity's timeout) rather than fail the attempt: a failed
    // attempt is retried, and the retry would send the message a second time.
    const sentAt = new Date();
    for (let attempt = 0; ; attempt++) {
      try {
        await db
          .update(notifications)
          .set({ status: 'sent', sentAt, messageId, lastError: null })
          .where(eq(notifications.id, row.id));
        break;
      } catch (err) {
        if (Date.now() - sentAt.getTime() > MARK_SENT_PATIENCE_MS) throw err;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
      }
    }
  }
  return { to, wasSent: row.status === 'sent' };
}

// ---- issue 18: routing (owner, cover, deactivation) and the digest, decided as the mail is stored ----

/**
 * Stores the composed mail for the people it really goes to, and a digest item for each person
 * who takes this kind in their digest, in one transaction: a retry finds either both or neither.
 */
async function storeRouted(db: Db, req: NotificationRequest, key: string, mail: ComposedMail, now: Date) {
  const people = await knownPeople(db, [...mail.to, ...mail.cc], boardToday(now));
  let { to, cc } = routeAddresses(mail, people);
  const takers = isDigestible(req.kind) ? await digestTakers(db, [...to, ...cc], req.kind) : new Map<string, string>();
  to = to.filter((a) => !takers.has(a));
  cc = cc.filter((a) => !takers.has(a));
  // The lead in copy still gets it at once when the owner takes the digest: as the addressee.
  if (!to.length && cc.length) [to, cc] = [cc, []];
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(notifications)
      .values({
        idempotencyKey: key,
        actionId: req.actionId ?? null,
        kind: req.kind,
        recipient: to.join(', '),
        cc,
        subject: mail.subject,
        body: mail.text,
        htmlBody: mail.html,
        headers: mail.headers,
        ics: mail.ics,
        icsFiles: mail.icsFiles ?? [],
        ...(to.length ? {} : { status: 'digested' as const, recipient: [...takers.keys()].join(', ') }),
      })
      .onConflictDoNothing()
      .returning({ id: notifications.id });
    if (!inserted.length || !takers.size) return;
    await tx
      .insert(digestItems)
      .values(
        [...takers.values()].map((userId) => ({
          notificationKey: key,
          userId,
          actionId: req.actionId ?? null,
          kind: req.kind,
        })),
      )
      .onConflictDoNothing();
  });
}
