import { eq } from 'drizzle-orm';
import { themes } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import type { UploadedFile } from '../http/uploads';
import { readSheet } from '../import/read';
import { sheetToRecommendations } from '../import/to-review';
import { listAgencies } from '../queries/agencies';
import { findReview } from '../queries/reviews';
import { scopeOf } from '../queries/scope';
import { lifecycleDeps } from './action-commands';
import { createReview, type CreateReviewInput } from './reviews';

/** 201 with the review when created; 200 when the same review was already there (a retried create). */
export async function createReviewFor(ctx: ApiContext, actor: Actor, input: CreateReviewInput) {
  const { review, created } = await createReview(lifecycleDeps(ctx), actor, input);
  if (created) {
    ctx.metrics.workflowStarts.inc({ kind: 'recommendation' }, review.recommendations.length);
    ctx.metrics.workflowStarts.inc(
      { kind: 'action' },
      review.recommendations.reduce((n, r) => n + r.actions.length, 0),
    );
  }
  const view = await findReview(ctx.db, scopeOf(actor), review.id);
  if (!view) throw new AppError('not_found', 'No such review');
  return { status: created ? 201 : 200, review: view };
}

/** All rows valid, or nothing imported and every bad row reported by row and column. */
export async function importReview(
  ctx: ApiContext,
  actor: Actor,
  fields: Omit<CreateReviewInput, 'recommendations'>,
  files: UploadedFile[],
) {
  if (files.length !== 1)
    throw new AppError('validation', 'Attach exactly one .csv or .xlsx file in the field "file"', [
      { path: 'body.file', message: 'required' },
    ]);
  const sheet = await readSheet(files[0]);
  const codes = new Set((await listAgencies(ctx.db)).map((a) => a.code));
  const knownThemes = new Set(
    (await ctx.db.select({ code: themes.code }).from(themes).where(eq(themes.active, true))).map((t) => t.code),
  );
  const { recommendations, errors, type } = sheetToRecommendations(sheet, codes, knownThemes);
  if (errors.length)
    throw new AppError('validation', `The action plan has ${errors.length} problem(s); nothing was imported`, errors);
  // The form's type wins over the sheet's column.
  return createReviewFor(ctx, actor, { ...fields, type: fields.type ?? type, recommendations });
}
