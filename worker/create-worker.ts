import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A pre-built bundle (production, and tests that bundle once per file); else workflowsPath is bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflowsPath?: string;
  maxCachedWorkflows?: number;
}

export const SHUTDOWN_GRACE = '20s';
export const SHUTDOWN_FORCE = '25s';

/** Default workflows module: the compiled or ts-node path next to this file. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: opts.workflowsPath ?? WORKFLOWS_PATH }),
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // On SIGTERM, activities in flight (a projection, an SMTP send) get 20 s to finish; then they
    // are cancelled, and at 25 s the worker gives up on them, inside compose's 30 s
    // stop_grace_period. A cut-off attempt is retried by Temporal on another worker.
    shutdownGraceTime: SHUTDOWN_GRACE,
    shutdownForceTime: SHUTDOWN_FORCE,
  });
}
