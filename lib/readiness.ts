import type { Logger } from './logger';

export interface ReadinessCheck {
  ok: boolean;
  /** A fixed phrase naming what is wrong, never an error's text (the endpoint is public). */
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<'database' | 'temporal' | 'worker', ReadinessCheck>;
}

export interface ReadinessDeps {
  pingDatabase: () => Promise<void>;
  pingTemporal: () => Promise<void>;
  /** Workers whose heartbeat is fresh (lib/worker-heartbeat.ts). */
  liveWorkers: () => Promise<number>;
  /** Where the errors behind a failed check go: the operator's log, not the response. */
  logger?: Logger;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);

/** Database reachable, Temporal reachable, and a worker that reported in the last few seconds. */
export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const failed = (part: string, detail: string) => (err: unknown) => {
    deps.logger?.warn({ err, check: part }, 'readiness check failed');
    return { ok: false, detail };
  };
  const [database, temporal] = await Promise.all([
    withTimeout(deps.pingDatabase(), 3000, 'database ping').then(
      () => ({ ok: true }),
      failed('database', 'database unreachable'),
    ),
    withTimeout(deps.pingTemporal(), 3000, 'Temporal ping').then(
      () => ({ ok: true }),
      failed('temporal', 'Temporal unreachable'),
    ),
  ]);
  let worker: ReadinessCheck = { ok: false, detail: 'not checked: database unreachable' };
  if (database.ok) {
    worker = await withTimeout(deps.liveWorkers(), 3000, 'worker heartbeats').then(
      (n) => (n > 0 ? { ok: true } : { ok: false, detail: 'no worker has reported in the last few seconds' }),
      failed('worker', 'worker heartbeats unreadable'),
    );
  }
  return { ready: database.ok && temporal.ok && worker.ok, checks: { database, temporal, worker } };
}
