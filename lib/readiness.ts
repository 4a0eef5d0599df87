import type { Client } from '@temporalio/client';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<'database' | 'temporal' | 'worker', { ok: boolean; detail?: string }>;
}

export interface ReadinessDeps {
  pingDatabase: () => Promise<void>;
  client: Client;
  namespace: string;
  taskQueue: string;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref())]);

/** Database reachable, Temporal reachable, and some worker polling our task queue. */
export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const database = await withTimeout(deps.pingDatabase(), 3000, 'database ping').then(
    () => ({ ok: true }),
    (err: Error) => ({ ok: false, detail: err.message }),
  );
  let temporal: { ok: boolean; detail?: string } = { ok: false };
  let worker: { ok: boolean; detail?: string } = { ok: false, detail: 'not checked: Temporal unreachable' };
  try {
    const res = await withTimeout(
      deps.client.workflowService.describeTaskQueue({
        namespace: deps.namespace,
        taskQueue: { name: deps.taskQueue, kind: 1 /* NORMAL */ },
        taskQueueType: 1 /* WORKFLOW */,
      }),
      3000,
      'Temporal describeTaskQueue',
    );
    temporal = { ok: true };
    const pollers = res.pollers?.length ?? 0;
    worker = pollers > 0 ? { ok: true, detail: `${pollers} poller(s)` } : { ok: false, detail: `no worker polling task queue ${deps.taskQueue}` };
  } catch (err) {
    temporal = { ok: false, detail: (err as Error).message };
  }
  return { ready: database.ok && temporal.ok && worker.ok, checks: { database, temporal, worker } };
}
