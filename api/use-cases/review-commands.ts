import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import type { UploadedFile } from '../http/uploads';
import { findReview } from '../queries/reviews';
import { scopeOf } from '../queries/scope';
import { lifecycleDeps } from './action-commands';
import { createReview, type CreateReviewInput, type CreateReviewOptions } from './reviews';
import { confirmImportCheck, readImport, summariseImport, type ImportFieldsInput } from './import-check';

/** 201 with the review when created; 200 when the same review was already there (a retried create). */
export async function createReviewFor(
  ctx: ApiContext,
  actor: Actor,
  input: CreateReviewInput,
  options: CreateReviewOptions = {},
) {
  const { review, created } = await createReview(lifecycleDeps(ctx), actor, input, options);
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

/**
 * All rows valid, or nothing imported and every bad row reported by row and column. An import
 * tells each agency of its new actions in one mail (issue 22), unless `assignmentMail: each`.
 */
export async function importReview(
  ctx: ApiContext,
  actor: Actor,
  fields: ImportFieldsInput & { assignmentMail?: 'summary' | 'each' },
  files: UploadedFile[],
) {
  const { assignmentMail = 'summary', ...rest } = fields;
  const { input } = await readImport(ctx.db, rest, files);
  return createReviewFor(ctx, actor, input, { assignmentMail });
}

/** Issue 22: what the import of this file would do, with nothing created or kept. */
export async function checkImport(ctx: ApiContext, fields: ImportFieldsInput, files: UploadedFile[]) {
  const { input } = await readImport(ctx.db, fields, files);
  return summariseImport(ctx.db, input);
}

/** The pages' confirmation of a kept, checked upload. */
export function importCheckedReview(ctx: ApiContext, actor: Actor, id: string) {
  return confirmImportCheck(ctx, actor, id, (input) =>
    createReviewFor(ctx, actor, input, { assignmentMail: 'summary' }),
  );
}
