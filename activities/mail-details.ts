/**
 * What a mail says beyond the action itself: who acted, what they sent or asked for, and the
 * policy's deadlines in words. Looked up from the rows the projection already wrote, keyed by the
 * request's occasion (`evidence:<id>`, `decision:<id>`, `extension:<id>`, `cancel:<n>`), so a
 * request recorded by an older workflow reads as fully as a new one.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attachments, auditEvents, decisions, evidence, extensionRequests, users } from '../db/schema';
import { isUuid } from '../domain/text';
import { durationWords } from '../domain/words';
import type { NotificationRequest } from '../workflows/types';
import type { MailDetails } from './mail-content';

async function nameOf(db: Db, id: string | null | undefined): Promise<string | null> {
  if (!id || !isUuid(id)) return null;
  const [u] = await db.select({ name: users.name }).from(users).where(eq(users.id, id));
  return u?.name ?? null;
}

/** The part after the first colon of an occasion, when it is a row id. */
const occasionId = (occasion: string, prefix: string): string | null => {
  if (!occasion.startsWith(`${prefix}:`)) return null;
  const id = occasion.slice(prefix.length + 1);
  return isUuid(id) ? id : null;
};

export async function mailDetails(
  db: Db,
  req: NotificationRequest,
  action: {
    id: string;
    description: string | null;
    successMeasure: string | null;
    impactMeasure?: string | null;
    assurance?: string | null;
    impactCheckAt?: Date | null;
  },
  policy: unknown,
): Promise<MailDetails> {
  const p = (policy ?? {}) as Record<string, unknown>;
  const details: MailDetails = {
    description: action.description,
    successMeasure: action.successMeasure,
    impactMeasure: action.impactMeasure ?? null,
    // Issue 17: the approval mail says when the impact check is due, while it is still ahead.
    impactCheck:
      action.impactCheckAt && (action.assurance === 'scheduled' || action.assurance === 'due')
        ? { on: action.impactCheckAt }
        : null,
    acknowledgeWithin: durationWords(p.acknowledgeWithin),
    boardDecisionWithin: durationWords(p.boardDecisionWithin),
    stallAfter: durationWords(p.stallAfter),
  };

  const evidenceId = occasionId(req.occasion, 'evidence');
  if (evidenceId) {
    const [e] = await db.select().from(evidence).where(eq(evidence.id, evidenceId));
    if (e) {
      const files = await db
        .select({ filename: attachments.filename })
        .from(attachments)
        .where(eq(attachments.evidenceId, e.id));
      details.actorName = await nameOf(db, e.submittedBy);
      details.evidence = { statement: e.statement, links: e.links.length, files: files.map((f) => f.filename) };
    }
  }

  const decisionId = occasionId(req.occasion, 'decision');
  if (decisionId) {
    const [d] = await db.select().from(decisions).where(eq(decisions.id, decisionId));
    if (d) details.actorName = await nameOf(db, d.decidedBy);
  }

  const extensionId = occasionId(req.occasion, 'extension') ?? occasionId(req.occasion, 'extension-request');
  if (extensionId) {
    const [x] = await db.select().from(extensionRequests).where(eq(extensionRequests.id, extensionId));
    if (x) {
      details.actorName = await nameOf(db, req.kind === 'extension_requested' ? x.requestedBy : x.decidedBy);
      details.extension = {
        previousDueDate: x.previousDueDate,
        newDueDate: x.newDueDate,
        reason: x.reason,
        interimMeasures: x.interimMeasures,
        requestedBy: await nameOf(db, x.requestedBy),
      };
    }
  }

  // The cancel's (or issue 22's reopen's) actor: the latest such event on the action.
  const byEvent = req.occasion.startsWith('cancel:')
    ? 'cancelled'
    : req.occasion.startsWith('reopen:')
      ? 'reopened'
      : null;
  if (byEvent) {
    const [c] = await db
      .select({ actor: auditEvents.actor })
      .from(auditEvents)
      .where(and(eq(auditEvents.actionId, action.id), eq(auditEvents.type, byEvent)))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    details.actorName = await nameOf(db, c?.actor);
  }
  return details;
}
