import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { workerHeartbeats } from '../db/schema';
import type { Logger } from './logger';

/** How often a polling worker refreshes its row. */
export const HEARTBEAT_INTERVAL_MS = 4000;
/**
 * A row older than this is a worker gone without saying so (SIGKILL, lost host). Three missed
 * beats, so one slow write is not an outage; with the interval, /readyz follows the last
 * worker within 12 s.
 */
export const HEARTBEAT_FRESH_SECONDS = 12;

export interface Heartbeat {
  id: string;
  /** Deletes the row: a worker that stops on purpose is gone at once, not 12 s later. */
  stop(): Promise<void>;
}

/**
 * Writes this worker's row now and every few seconds while `polling()` says so. Times are the
 * database's own (now()), so clocks that differ between hosts do not matter.
 */
export async function startHeartbeat(opts: {
  db: Db;
  taskQueue: string;
  polling: () => boolean;
  logger: Logger;
}): Promise<Heartbeat> {
  const { db, taskQueue } = opts;
  const id = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const beat = () =>
    db
      .insert(workerHeartbeats)
      .values({ id, taskQueue })
      .onConflictDoUpdate({ target: workerHeartbeats.id, set: { seenAt: sql`now()` } });
  let failing = false;
  // A database that is away does not stop the worker (its activities retry until it is back);
  // the heartbeat just resumes then. Logged once per outage: /readyz reports the database itself.
  const tryBeat = () =>
    beat().then(
      () => (failing = false),
      (err: unknown) => {
        if (!failing) opts.logger.warn({ err }, 'worker heartbeat not written');
        failing = true;
      },
    );
  await tryBeat();
  // Rows of workers that died unannounced long ago are of no use to anyone.
  await db
    .delete(workerHeartbeats)
    .where(lt(workerHeartbeats.seenAt, sql`now() - interval '1 day'`))
    .catch(() => undefined);
  const timer = setInterval(() => {
    if (opts.polling()) void tryBeat();
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    id,
    stop: async () => {
      clearInterval(timer);
      await db.delete(workerHeartbeats).where(eq(workerHeartbeats.id, id));
    },
  };
}

/** Workers on the task queue whose heartbeat is fresh. */
export async function liveWorkers(db: Db, taskQueue: string): Promise<number> {
  const rows = await db
    .select({ id: workerHeartbeats.id })
    .from(workerHeartbeats)
    .where(
      and(
        eq(workerHeartbeats.taskQueue, taskQueue),
        gt(workerHeartbeats.seenAt, sql`now() - make_interval(secs => ${HEARTBEAT_FRESH_SECONDS})`),
      ),
    );
  return rows.length;
}
