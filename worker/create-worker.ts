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

/** Default workflows module: the compiled or ts-node path next to this file. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: opts.workflowsPath ?? WORKFLOWS_PATH }),
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // Let in-flight activities (a projection, an SMTP send) finish on a graceful stop.
    shutdownGraceTime: '10s',
  });
}
