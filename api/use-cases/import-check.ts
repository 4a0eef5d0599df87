/**
 * Issue 22: check before importing. An uploaded action plan is read and every row checked (as the
 * import always did); what it would do is shown (actions per agency, the first and last due
 * dates, the one mail each agency will receive and to whom) before anything is created. On the
 * pages the parsed plan is kept server-side (`import_checks`, for IMPORT_CHECK_TTL_MS, only for
 * the board member who uploaded it), so the confirmation needs no second upload; the API's
 * `POST /reviews/import/check` answers the same summary and keeps nothing.
 */
import { and, eq, inArray, lt } from 'drizzle-orm';
import { agencies, importChecks, reviews, themes } from '../../db/schema';
import type { Db } from '../../db/client';
import { boardToday, knownPeople, routeAddresses } from '../../activities/mail-routing';
import { agencyUserEmails } from '../../activities/assignment-summary';
import { agencyAudience } from '../../activities/mail-content';
import { dueOn } from '../../lib/board-time';
import { AppError } from '../../lib/errors';
import { isUuid } from '../../domain/text';
import type { Actor } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import type { UploadedFile } from '../http/uploads';
import { readSheet } from '../import/read';
import { sheetToRecommendations } from '../import/to-review';
import { listAgencies } from '../queries/agencies';
import type { CreateReviewInput } from './reviews';

/** As the ImportCheck response schema (api/schemas.ts). */
export interface ImportCheckView {
  reference: string;
  title: string;
  type: NonNullable<CreateReviewInput['type']>;
  publishedOn: string | null;
  recommendations: number;
  actions: number;
  firstDueOn: string;
  lastDueOn: string;
  mails: number;
  agencies: {
    code: string;
    name: string;
    actions: number;
    references: string[];
    firstDueOn: string;
    lastDueOn: string;
    mailTo: string[];
    mailCc: string[];
  }[];
}

/** How long a checked upload waits for the board's confirmation. */
export const IMPORT_CHECK_TTL_MS = 60 * 60 * 1000;

/** The fields of an import besides its file (the form's, or the API's multipart fields). */
export type ImportFieldsInput = Omit<CreateReviewInput, 'recommendations'>;

/** Reads the file and checks every row; all valid, or every problem by row and column (nothing kept). */
export async function readImport(
  db: Db,
  fields: ImportFieldsInput,
  files: UploadedFile[],
  now = new Date(),
): Promise<{ input: CreateReviewInput; filename: string }> {
  if (files.length !== 1)
    throw new AppError('validation', 'Attach exactly one .csv or .xlsx file in the field "file"', [
      { path: 'body.file', message: 'required' },
    ]);
  const sheet = await readSheet(files[0]);
  const codes = new Set((await listAgencies(db)).map((a) => a.code));
  const knownThemes = new Set(
    (await db.select({ code: themes.code }).from(themes).where(eq(themes.active, true))).map((t) => t.code),
  );
  const { recommendations, errors, type } = sheetToRecommendations(sheet, codes, knownThemes, dueOn(now));
  if (errors.length)
    throw new AppError('validation', `The action plan has ${errors.length} problem(s); nothing was imported`, errors);
  // The form's type wins over the sheet's column.
  return { input: { ...fields, type: fields.type ?? type, recommendations }, filename: files[0].filename };
}

const dayOf = (due: string) => dueOn(due.length === 10 ? due : new Date(due));

/** What the import would do. A reference already in use is refused here, beside the field. */
export async function summariseImport(db: Db, input: CreateReviewInput, now = new Date()): Promise<ImportCheckView> {
  const [taken] = await db.select({ id: reviews.id }).from(reviews).where(eq(reviews.reference, input.reference));
  if (taken)
    throw new AppError('conflict', `A review with the reference ${input.reference} already exists`, [
      { path: 'reference', message: `a review with the reference ${input.reference} already exists: choose another` },
    ]);
  const rows = input.recommendations.flatMap((r) =>
    r.actions.map((a, j) => ({ code: a.agencyCode, reference: `${r.number}.${j + 1}`, dueOn: dayOf(a.dueDate) })),
  );
  const codes = [...new Set(rows.map((r) => r.code))];
  const known = codes.length ? await db.select().from(agencies).where(inArray(agencies.code, codes)) : [];
  const users = await agencyUserEmails(
    db,
    known.map((k) => k.id),
  );
  const audiences = new Map(
    known.map((k) => [k.code, agencyAudience({ leadEmail: k.leadEmail, userEmails: users.get(k.id) ?? [] })]),
  );
  // The addresses the mail really goes to today (a deputy for someone on cover, the lead for someone who left).
  const people = await knownPeople(db, [...audiences.values()].flat(), boardToday(now));
  const span = (days: string[]) => ({ firstDueOn: [...days].sort()[0], lastDueOn: [...days].sort().at(-1)! });
  const byAgency = known
    .map((k) => {
      const mine = rows.filter((r) => r.code === k.code);
      const routed = routeAddresses({ to: audiences.get(k.code) ?? [], cc: [] }, people);
      return {
        code: k.code,
        name: k.name,
        actions: mine.length,
        references: mine.map((r) => r.reference),
        ...span(mine.map((r) => r.dueOn)),
        mailTo: routed.to,
        mailCc: routed.cc,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    reference: input.reference,
    title: input.title,
    type: input.type ?? 'other',
    publishedOn: input.publishedOn ?? null,
    recommendations: input.recommendations.length,
    actions: rows.length,
    ...span(rows.map((r) => r.dueOn)),
    mails: byAgency.length,
    agencies: byAgency,
  };
}

/** The pages: keep a checked upload for its uploader until confirmed; expired ones are cleared on the way. */
export async function keepImportCheck(
  db: Db,
  actor: Actor,
  parsed: { input: CreateReviewInput; filename: string },
  now = new Date(),
): Promise<string> {
  await db.delete(importChecks).where(lt(importChecks.expiresAt, now));
  const [row] = await db
    .insert(importChecks)
    .values({
      createdBy: actor.userId,
      filename: parsed.filename,
      input: parsed.input,
      expiresAt: new Date(now.getTime() + IMPORT_CHECK_TTL_MS),
    })
    .returning({ id: importChecks.id });
  return row.id;
}

export interface KeptImport {
  id: string;
  filename: string;
  input: CreateReviewInput;
  reviewId: string | null;
}

/** A kept upload of this board member's, not expired; anyone else's, or an expired one, is "not found". */
export async function findImportCheck(db: Db, actor: Actor, id: string, now = new Date()): Promise<KeptImport> {
  const [row] = isUuid(id)
    ? await db
        .select()
        .from(importChecks)
        .where(and(eq(importChecks.id, id), eq(importChecks.createdBy, actor.userId)))
    : [];
  if (!row || (row.expiresAt < now && !row.reviewId))
    throw new AppError(
      'not_found',
      'This check has expired or does not exist: upload the action plan again. Nothing was imported.',
    );
  return { id: row.id, filename: row.filename, input: row.input as CreateReviewInput, reviewId: row.reviewId };
}

/** The board confirmed: the review is created (idempotent on its reference, so a second press imports nothing twice). */
export async function confirmImportCheck(
  ctx: ApiContext,
  actor: Actor,
  id: string,
  create: (input: CreateReviewInput) => Promise<{ status: number; review: { id: string } }>,
): Promise<{ status: number; reviewId: string }> {
  const kept = await findImportCheck(ctx.db, actor, id);
  const { status, review } = await create(kept.input);
  await ctx.db.update(importChecks).set({ reviewId: review.id }).where(eq(importChecks.id, kept.id));
  return { status, reviewId: review.id };
}
