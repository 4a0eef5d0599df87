import type { Response } from 'express';
import type { Db } from '../../db/client';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import { progressSheetActions } from '../queries/progress-sheet';
import { scopeOf } from '../queries/scope';
import { progressSheetFileName, renderProgressSheet } from './progress-sheet-xlsx';
import { MEDIA_TYPE } from './send-paper';

/** The progress sheet as a download, for the API route and the page alike. */
export async function sendProgressSheet(
  res: Response,
  ctx: { db: Db; config: { boardName: string } },
  actor: Pick<Actor, 'role' | 'agencyId'>,
  reviewId: string,
): Promise<void> {
  const review = await progressSheetActions(ctx.db, scopeOf(actor), reviewId);
  if (!review) throw new AppError('not_found', 'No such review');
  const bytes = await renderProgressSheet(review, { boardName: ctx.config.boardName, generatedAt: new Date() });
  res.setHeader('Content-Type', MEDIA_TYPE.xlsx);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Disposition', `attachment; filename="${progressSheetFileName(review.reference)}"`);
  res.status(200).send(bytes);
}
