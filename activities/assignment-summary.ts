/**
 * Issue 22: an import tells each agency of all its new actions in one mail, not one per action.
 *
 * Nothing changes in the workflows: every action workflow still queues its assignment mail
 * (occasion `assigned`) as it always did. The outbox sees that the action carries an import's
 * summary key (`actions.assignment_mail_key`, set by createReview for an import) and, instead of
 * the action's own mail, stores the one summary mail under that key, composed from every action
 * carrying it (all written in the import's one transaction, before any workflow started). The
 * first request to arrive composes it; a concurrent one finds it by its unique key. Exactly one
 * member sends it: the member with the lowest reference, named in the stored row's `action_id`.
 * Its workflow always asks (every new action workflow records its assignment first) and its
 * activity retries until the mail is sent, so the mail is neither lost nor sent twice; the other
 * members' requests are done once the summary is stored.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { actions, agencies, reviews, users } from '../db/schema';
import { durationWords } from '../domain/words';
import type { NotificationRequest } from '../workflows/types';
import type { SummaryFacts } from './mail-content';

/** The import summary key that stands for this request's mail, or null: the action's own mail. */
export async function summaryKeyFor(db: Db, req: NotificationRequest): Promise<string | null> {
  if (req.kind !== 'assignment' || req.occasion !== 'assigned' || !req.actionId || req.audience) return null;
  const [row] = await db.select({ key: actions.assignmentMailKey }).from(actions).where(eq(actions.id, req.actionId));
  return row?.key ?? null;
}

/** The agency users' addresses, by agency (the audience of assignment mail beside the lead address). */
export async function agencyUserEmails(db: Db, agencyIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!agencyIds.length) return out;
  const rows = await db
    .select({ agencyId: users.agencyId, email: users.email })
    .from(users)
    .where(and(inArray(users.agencyId, agencyIds), eq(users.role, 'agency')))
    .orderBy(asc(users.email));
  for (const r of rows) if (r.agencyId) out.set(r.agencyId, [...(out.get(r.agencyId) ?? []), r.email]);
  return out;
}

const byReference = (a: { reference: string }, b: { reference: string }) =>
  a.reference.localeCompare(b.reference, 'en', { numeric: true });

/** The summary's facts, and the member that sends it (the lowest reference). */
export async function summaryFacts(
  db: Db,
  key: string,
  publicUrl: string,
): Promise<{ facts: SummaryFacts; sender: string } | null> {
  const importer = alias(users, 'importer');
  const members = await db
    .select({
      action: {
        id: actions.id,
        reference: actions.reference,
        title: actions.title,
        description: actions.description,
        successMeasure: actions.successMeasure,
        dueDate: actions.dueDate,
      },
      review: { id: reviews.id, reference: reviews.reference, title: reviews.title, policy: reviews.policy },
      importedBy: importer.name,
    })
    .from(actions)
    .innerJoin(reviews, eq(reviews.id, actions.reviewId))
    .leftJoin(importer, eq(importer.id, reviews.createdBy))
    .where(eq(actions.assignmentMailKey, key))
    .orderBy(asc(actions.reference));
  // The agency is the one the key names: the one the actions were imported for.
  const agencyId = key.split(':').at(-1) ?? '';
  const [agency] = await db.select().from(agencies).where(eq(agencies.id, agencyId));
  if (!members.length || !agency) return null;
  const list = members.map((m) => m.action).sort(byReference);
  const { review, importedBy } = members[0];
  return {
    sender: list[0].id,
    facts: {
      publicUrl,
      reviewId: review.id,
      reviewReference: review.reference,
      reviewTitle: review.title,
      agency: {
        code: agency.code,
        name: agency.name,
        leadEmail: agency.leadEmail,
        userEmails: (await agencyUserEmails(db, [agency.id])).get(agency.id) ?? [],
      },
      importedBy,
      acknowledgeWithin: durationWords((review.policy as Record<string, unknown> | null)?.acknowledgeWithin),
      actions: list,
    },
  };
}
