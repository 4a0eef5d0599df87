/**
 * What the lifecycle use-cases need, and the one place that turns a Temporal refusal into the
 * typed AppError the API maps to a status.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/client';
import { AppError, type AppErrorKind } from '../../lib/errors';
import { REFUSAL } from '../../workflows/types';

export interface LifecycleDeps {
  db: Db;
  client: Client;
  taskQueue: string;
}

const KIND_BY_REFUSAL: Record<string, AppErrorKind> = {
  [REFUSAL.illegalTransition]: 'conflict',
  [REFUSAL.forbidden]: 'forbidden',
  [REFUSAL.invalidArgument]: 'validation',
};

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs a workflow Update, mapping a validator's refusal (or a finished workflow) to an AppError. */
export async function runUpdate<T>(send: () => Promise<T>, finishedMessage: string): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const kind = (err.cause.type && KIND_BY_REFUSAL[err.cause.type]) || undefined;
      if (kind) throw new AppError(kind, err.cause.message);
    }
    // The workflow has completed (the action is closed or cancelled): nothing can change any more.
    if (err instanceof WorkflowNotFoundError) throw new AppError('conflict', finishedMessage);
    const grpcCode = (err as { code?: number }).code;
    if (grpcCode === 9 /* FAILED_PRECONDITION */ || grpcCode === 5 /* NOT_FOUND */) throw new AppError('conflict', finishedMessage);
    throw err;
  }
}
